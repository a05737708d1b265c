"""The decision draft editor shared by Decide and Batch: action, clauses, factors, reasoning.

The form only collects input and shows problems; whether a draft is acceptable is
decided by `services.decisions` when the screen saves it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Select, Static, TextArea

from ...domain.models import FACTORS, Action
from ...domain.policy import PolicyLibrary
from ...services.decisions import DecisionDraft
from .clause_picker import ClausePicker
from .factor_checklist import FactorChecklist

__all__ = ["DecisionForm", "FIELD_WIDGETS"]

#: Which widget a `field: problem` line points at.
FIELD_WIDGETS = {
    "action": "#action-select",
    "clause": "#clause-picker",
    "clauses": "#clause-picker",
    "factor": "#factor-checklist",
    "factors": "#factor-checklist",
    "reasoning": "#reasoning",
    "divergence_reason": "#divergence",
}


#: Which field an edit message comes from.
_EDITED_FIELD: dict[type, str] = {
    Select.Changed: "#action-select",
    ClausePicker.Changed: "#clause-picker",
    FactorChecklist.Changed: "#factor-checklist",
}


def _field_of(problem: str) -> str:
    head = problem.split(":", 1)[0].strip()
    return head.split(" ", 1)[0].strip("'")


class DecisionForm(Horizontal):
    """Left: what was done and under which clause; right: why (plus the screen's side panels)."""

    class Changed(Message):
        """Anything in the draft changed (screens debounce their live lookups on this)."""

    def __init__(
        self,
        library: PolicyLibrary,
        draft: DecisionDraft | None = None,
        side: Iterable[Widget] = (),
        **kw,
    ) -> None:
        super().__init__(**kw)
        self.library = library
        self.initial = draft
        self.side = list(side)
        #: The problems of the last refused save that still stand (cleared per field on edit).
        self.problems: list[str] = []

    def compose(self) -> ComposeResult:
        d = self.initial
        with VerticalScroll(id="form-left", classes="form-column"):
            yield Label("Action", classes="section-title")
            yield Select(
                [(a.value, a.value) for a in Action],
                prompt="choose an action",
                value=d.action if d and d.action in {a.value for a in Action} else Select.NULL,
                id="action-select",
                compact=True,
            )
            yield Label("Policy clauses", classes="section-title")
            yield ClausePicker(self.library, d.clause_ids if d else [], id="clause-picker")
            yield Label("Rubric factors (yes/no; space toggles)", classes="section-title")
            yield FactorChecklist(self.library, d.factors if d else None, id="factor-checklist")
        with VerticalScroll(id="form-right", classes="form-column"):
            yield Static(id="form-errors", classes="error-box")
            yield from self.side
            yield Label(
                "Reasoning (what in the content led to this decision)", classes="section-title"
            )
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
        value = self.query_one("#action-select", Select).value
        return "" if value is Select.NULL else str(value)

    def draft(self) -> DecisionDraft:
        divergence = self.query_one("#divergence-reason", TextArea).text
        return DecisionDraft(
            action=self.action,
            clause_ids=list(self.query_one(ClausePicker).selected),
            factors=self.query_one(FactorChecklist).factors,
            reasoning=self.query_one("#reasoning", TextArea).text,
            divergence_reason=divergence if divergence.strip() else None,
        )

    def load(self, draft: DecisionDraft) -> None:
        if draft.action in {a.value for a in Action}:
            self.query_one("#action-select", Select).value = draft.action
        self.query_one(ClausePicker).set_selected(draft.clause_ids)
        self.query_one(FactorChecklist).set_factors(
            {f: draft.factors.get(f, False) for f in FACTORS}
        )
        self.query_one("#reasoning", TextArea).text = draft.reasoning
        self.query_one("#divergence-reason", TextArea).text = draft.divergence_reason or ""

    def set_action(self, action: str) -> None:
        self.query_one("#action-select", Select).value = action

    # -- feedback --------------------------------------------------------------------

    def show_divergence(self, explanation: str | None) -> None:
        """Show the divergence prompt with why it is needed, or hide it."""
        box = self.query_one("#divergence")
        box.set_class(bool(explanation), "-visible")
        self.query_one("#divergence-explain", Static).update(
            Text(explanation or "", style="yellow")
        )

    @property
    def divergence_required(self) -> bool:
        return self.query_one("#divergence").has_class("-visible")

    def show_problems(self, problems: list[str]) -> None:
        self._render_problems(problems)
        if problems:
            # Wide: the errors head the right column. Narrow (columns stacked): they sit
            # below the left column, out of sight unless scrolled to.
            box = self.query_one("#form-errors", Static)
            self.call_after_refresh(box.scroll_visible, animate=False, top=True)

    def _render_problems(self, problems: list[str]) -> None:
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
        self._render_problems([])

    def field_edited(self, selector: str) -> None:
        """Drop the shown problems that name this field: they were about the old value.

        Whether the new value is acceptable is for the service to say on the next save.
        """
        if not self.problems:
            return
        left = [p for p in self.problems if FIELD_WIDGETS.get(_field_of(p)) != selector]
        if len(left) != len(self.problems):
            self._render_problems(left)

    # -- change notifications ----------------------------------------------------------

    @on(Select.Changed, "#action-select")
    @on(ClausePicker.Changed)
    @on(FactorChecklist.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.field_edited(_EDITED_FIELD[type(event)])
        self.post_message(self.Changed())

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        widget_id = event.text_area.id
        self.field_edited("#reasoning" if widget_id == "reasoning" else "#divergence")
