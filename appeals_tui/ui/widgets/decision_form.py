"""The decision draft editor shared by Decide and Batch: factors, action, clauses, reasoning.

Left: what the screen wants beside the form (the content on Decide, results on Batch)
under the box of problems from the last refused save. Right: the form, in the order a
moderator works: answer the factors, accept or change the action and clause, say why.
Neither column is a Tab stop of its own: Tab only visits fields that take input.

The form only collects input and shows problems; whether a draft is acceptable is
decided by `services.decisions` when the screen saves it (or re-checks it on edits).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Select, Static, TextArea

from ...domain.models import Action
from ...domain.policy import PolicyLibrary
from ...services.decisions import DecisionDraft
from .clause_picker import ClausePicker
from .factor_list import FactorList

__all__ = ["DecisionForm", "FIELD_WIDGETS", "Column"]

#: Which widget a `field: problem` line points at.
FIELD_WIDGETS = {
    "action": "#action-select",
    "clause": "#clause-picker",
    "clauses": "#clause-picker",
    "factor": "#factor-list",
    "factors": "#factor-list",
    "reasoning": "#reasoning",
    "divergence_reason": "#divergence",
}


#: Which field an edit message comes from.
_EDITED_FIELD: dict[type, str] = {
    Select.Changed: "#action-select",
    ClausePicker.Changed: "#clause-picker",
    FactorList.Changed: "#factor-list",
}


def _field_of(problem: str) -> str:
    """The field a `field: problem` line names (the widget to mark)."""
    head = problem.split(":", 1)[0].strip()
    return head.split(" ", 1)[0].strip("'")


class Column(VerticalScroll, can_focus=False):
    """A scrolling column that is never a Tab stop (focus inside it scrolls it)."""


class DecisionForm(Horizontal):
    """The side column (content, results) beside the form column."""

    class Changed(Message):
        """Anything in the draft changed (screens debounce their live lookups on this)."""

    def __init__(
        self,
        library: PolicyLibrary,
        draft: DecisionDraft | None = None,
        side: Iterable[Widget] = (),
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.library = library
        self.initial = draft
        self.side = list(side)
        #: The problems of the last refused save that still stand.
        self.problems: list[str] = []
        #: A save was refused: edits re-check the draft until the next save.
        self.checking = False

    def compose(self) -> ComposeResult:
        d = self.initial
        with Column(id="form-side", classes="form-column"):
            yield Static(id="form-errors", classes="error-box")
            yield from self.side
        with Column(id="form-main", classes="form-column"):
            yield Label(
                Text.assemble(("Factors ", "bold"), ("y/n answers · ↑↓ moves", "dim")),
                classes="section-title",
                id="factors-title",
            )
            yield FactorList(self.library, d.factors if d else None, id="factor-list")
            yield Static(id="form-guidance")
            with Horizontal(id="action-row"):
                yield Select(
                    [(a.value, a.value) for a in Action],
                    prompt="action",
                    value=d.action if d and d.action in {a.value for a in Action} else Select.NULL,
                    id="action-select",
                    compact=True,
                )
                yield ClausePicker(self.library, d.clause_ids if d else [], id="clause-picker")
            yield Label("Reasoning (what in the content led to this)", classes="section-title")
            yield TextArea(d.reasoning if d else "", id="reasoning", soft_wrap=True)
            with Vertical(id="divergence"):
                yield Label("Divergence reason (required)", classes="section-title")
                yield Static(id="divergence-explain")
                yield TextArea(
                    d.divergence_reason or "" if d else "", id="divergence-reason", soft_wrap=True
                )

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    # -- reading and writing the draft -------------------------------------------------

    @property
    def action(self) -> str:
        """The chosen action, or '' while none is chosen."""
        value = self.query_one("#action-select", Select).value
        return "" if value is Select.NULL else str(value)

    def draft(self) -> DecisionDraft:
        """What the form holds, as the draft the decide service validates."""
        divergence = self.query_one("#divergence-reason", TextArea).text
        return DecisionDraft(
            action=self.action,
            clause_ids=list(self.query_one(ClausePicker).selected),
            factors=self.query_one(FactorList).factors,
            reasoning=self.query_one("#reasoning", TextArea).text,
            divergence_reason=divergence if divergence.strip() else None,
        )

    def load(self, draft: DecisionDraft) -> None:
        """Fill the form from a saved draft (returning to a case keeps the work)."""
        if draft.action in {a.value for a in Action}:
            self.query_one("#action-select", Select).value = draft.action
        self.query_one(ClausePicker).set_selected(draft.clause_ids)
        self.query_one(FactorList).set_factors(draft.factors)
        self.query_one("#reasoning", TextArea).text = draft.reasoning
        self.query_one("#divergence-reason", TextArea).text = draft.divergence_reason or ""

    def set_action(self, action: str) -> None:
        """Choose `action` (taking the guidance's recommendation)."""
        self.query_one("#action-select", Select).value = action

    def set_clauses(self, clause_ids: list[str]) -> None:
        """Cite exactly `clause_ids`."""
        self.query_one(ClausePicker).set_selected(clause_ids)

    # -- feedback --------------------------------------------------------------------

    def show_guidance_line(self, text: Text) -> None:
        """The one-line recommendation above the action picker."""
        self.query_one("#form-guidance", Static).update(text)

    def show_divergence(self, explanation: str | None) -> None:
        """Show the divergence prompt with why it is needed, or hide it."""
        box = self.query_one("#divergence")
        box.set_class(bool(explanation), "-visible")
        self.query_one("#divergence-explain", Static).update(
            Text(explanation or "", style="yellow")
        )

    @property
    def divergence_required(self) -> bool:
        """Whether the divergence reason box is shown, i.e. needed."""
        return self.query_one("#divergence").has_class("-visible")

    def show_problems(self, problems: list[str]) -> None:
        """Show the service's refusal in place and scroll it into view."""
        self.checking = bool(problems)
        self._render_problems(problems)
        if problems:
            box = self.query_one("#form-errors", Static)
            self.call_after_refresh(box.scroll_visible, animate=False, top=True)

    def _render_problems(self, problems: list[str]) -> None:
        """Draw the problem list (empty hides the box)."""
        self.problems = list(problems)
        box = self.query_one("#form-errors", Static)
        text = Text("Not saved — fix these:\n", style="bold")
        for p in problems:
            text.append(f"• {p}\n")
        box.update(text)
        box.set_class(bool(problems), "-visible")
        bad = {FIELD_WIDGETS[f] for f in map(_field_of, problems) if f in FIELD_WIDGETS}
        for selector in set(FIELD_WIDGETS.values()):
            self.query_one(selector).set_class(selector in bad, "-invalid")
        if "#divergence" in bad:
            self.query_one("#divergence").add_class("-visible")

    def clear_problems(self) -> None:
        """Hide the problem list and stop re-checking as the user edits."""
        self.checking = False
        self._render_problems([])

    def recheck(self, problems: list[str]) -> None:
        """The service's verdict on the edited draft, while a refused save is shown.

        Guidance, divergence and what is missing all follow the factors and action, so
        a box kept from the last save would soon give advice that no longer applies.
        """
        if self.checking:
            self._render_problems(problems)

    # -- change notifications ----------------------------------------------------------

    def field_edited(self, selector: str) -> None:
        """Drop the shown problems that name this field at once: they were about the old
        value (the re-check that follows says what still stands)."""
        if not self.problems:
            return
        left = [p for p in self.problems if FIELD_WIDGETS.get(_field_of(p)) != selector]
        if len(left) != len(self.problems):
            self._render_problems(left)

    @on(Select.Changed, "#action-select")
    @on(ClausePicker.Changed)
    @on(FactorList.Changed)
    def _changed(self, event: Message) -> None:
        """A picker changed: mark the field edited and tell the screen."""
        event.stop()
        self.field_edited(_EDITED_FIELD[type(event)])
        self.post_message(self.Changed())

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        """Reasoning or divergence text changed: mark that field edited."""
        widget_id = event.text_area.id
        self.field_edited("#reasoning" if widget_id == "reasoning" else "#divergence")
