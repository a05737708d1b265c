"""Review an appeal: the case beside the original decision, then the outcome form.

The clause text shown is the version the decision applied. Upheld keeps the
decision; overturned and modified make the service write a superseding one.
Refusals appear in place; a conflict (someone else claimed or resolved it) offers
a reload.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Header,
    Label,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from ...domain.errors import ConflictError
from ...domain.models import Appeal
from ...services.appeal_review import ACTIONS, ReviewFile, review_file
from ...services.appeals import claim_appeal, resolve_appeal
from ...services.cases import add_note
from ...services.strikes import dismiss_strike
from ..base import AppealsScreen
from ..keys import Key
from ..services import error_text
from ..text import content
from ..widgets import appeal_panels as panels
from ..widgets.appeal_dialogs import AppealConfirm, AppealPrompt
from ..widgets.dialogs import TextPrompt
from ..widgets.factor_checklist import FactorChecklist
from ..widgets.footer import AppFooter
from ..widgets.yes_no import ChoiceButton

__all__ = ["ReviewScreen"]

OUTCOMES = ("upheld", "overturned", "modified")


class ReviewScreen(AppealsScreen):
    """One appeal, everything the reviewer needs, and the outcome."""

    CSS_PATH = "review.tcss"
    HELP_TITLE = "Appeal review"
    HELP_TEXT = (
        "Left: the case as reported. Right: the original decision with the clause text of "
        "the version applied. Choose an outcome and write the reasoning; overturned and "
        "modified create a new decision that supersedes the old one."
    )
    BINDINGS = [
        Binding("escape", "back", "Back", id="review-back", tooltip="Back to the appeals queue"),
        Binding("o", "outcome", "Outcome", id="review-outcome", tooltip="Jump to the outcome form"),
        Key(
            "c",
            "claim",
            "Claim",
            id="review-claim",
            tooltip="Claim this appeal",
            palette="Claim appeal",
            palette_help="Claim this appeal for review",
        ),
        Binding("ctrl+s", "resolve", "Resolve", id="review-resolve", tooltip="Resolve the appeal"),
        Key(
            "n",
            "notice",
            "Notice",
            id="review-notice",
            tooltip="Notice to the user",
            palette="Notice to user",
            palette_help="Render, edit and send the notice",
        ),
        Key(
            "N",
            "note",
            "Note",
            id="review-note",
            tooltip="Add a private note",
            palette="Add private note",
            palette_help="Private note on this appeal",
        ),
        Key(
            "d",
            "dismiss_strike",
            "Dismiss strike",
            id="review-dismiss",
            tooltip="Dismiss one of the account's strikes (leads)",
            palette="Dismiss strike",
            palette_help="Dismiss an account strike (leads)",
        ),
        Binding("r", "reload", "Reload", id="review-reload", tooltip="Reload from the workspace"),
    ]

    def __init__(self, appeal_id: str) -> None:
        super().__init__()
        self.appeal_id = appeal_id
        self.file: ReviewFile | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="review-body"):
            yield Static(id="review-title")
            with Horizontal(id="review-error-row"):
                yield Static(id="review-error", classes="error-box")
                yield Button("Reload", id="review-reload-btn")
            with Horizontal(id="review-sides"):
                with Vertical(id="review-case"):
                    yield Label("Case", classes="section-title")
                    yield Static(id="case-panel")
                with Vertical(id="review-decision"):
                    yield Label("Original decision", classes="section-title")
                    yield Static(id="decision-panel")
            for key, title in (
                ("appeal", "Appeal"),
                ("precedents", "Precedents"),
                ("standing", "Account standing (d: dismiss a strike)"),
                ("notes", "Private notes (N: add)"),
                ("history", "Decisions and notices"),
            ):
                yield Label(title, classes="section-title")
                yield Static(id=f"{key}-panel")
            with Vertical(id="outcome-form"):
                yield Label("Outcome", classes="section-title")
                with RadioSet(id="outcome"):
                    for name in OUTCOMES:
                        yield ChoiceButton(name, value=name == "upheld", id=f"outcome-{name}")
                with Horizontal(id="outcome-pickers"):
                    yield Select([(a, a) for a in ACTIONS], prompt="action", id="outcome-action")
                    yield Select([], prompt="clause", id="outcome-clause")
                yield Label(
                    "Factors for the new decision (overturned/modified; correct what was "
                    "answered wrongly)",
                    id="outcome-factors-title",
                )
                yield FactorChecklist(self.session.library, id="outcome-factors")
                yield Label("Reasoning (required)")
                yield TextArea(id="outcome-reasoning")
                with Horizontal(id="outcome-buttons"):
                    yield Button("Resolve", id="resolve-btn", variant="primary")
                    yield Button("Claim", id="claim-btn")
                    yield Button("Notice", id="notice-btn")
        yield AppFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._clear_error()
        self.call(review_file, self.session, self.appeal_id, done=self._show, group="review")

    def _show(self, f: ReviewFile) -> None:
        """Fill every panel from the review file (the pickers only the first time)."""
        first = self.file is None
        self.file = f
        self.sub_title = self.appeal_id
        self.query_one("#review-title", Static).update(
            panels.title_panel(f, self.session.now_iso())
        )
        self.query_one("#case-panel", Static).update(panels.case_panel(f))
        self.query_one("#decision-panel", Static).update(panels.decision_panel(f))
        self.query_one("#appeal-panel", Static).update(
            panels.appeal_panel(f, self.session.now_iso())
        )
        for key in ("precedents", "standing", "notes", "history"):
            builder = getattr(panels, f"{key}_panel")
            self.query_one(f"#{key}-panel", Static).update(builder(f))
        if first:
            options = [(f"{c.id} v{c.version} {c.title}", c.id) for c in f.clause_choices]
            self.query_one("#outcome-clause", Select).set_options(options)
            self.query_one(FactorChecklist).set_factors(f.decision.factors)
        self.query_one("#outcome-form").display = not f.resolved
        self.query_one("#notice-btn").display = True

    def _clear_error(self) -> None:
        """Hide the error box and its reload button."""
        self.query_one("#review-error", Static).remove_class("-visible")
        self.query_one("#review-reload-btn").display = False

    def _failed(self, exc: BaseException) -> None:
        """Show a refusal in place; a conflict also offers to reload."""
        box = self.query_one("#review-error", Static)
        box.update(content(error_text(exc)))
        box.add_class("-visible")
        self.query_one("#review-reload-btn").display = isinstance(exc, ConflictError)
        self.query_one("#review-body", VerticalScroll).scroll_home(animate=False)

    @on(Button.Pressed, "#review-reload-btn")
    def _reload_pressed(self) -> None:
        """The error box's Reload button."""
        self.action_reload()

    def action_outcome(self) -> None:
        area = self.query_one("#outcome-reasoning", TextArea)
        area.focus()
        area.scroll_visible(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#claim-btn")
    def action_claim(self) -> None:
        if self.file is None:
            return
        self._clear_error()
        self.call(
            claim_appeal,
            self.session,
            self.appeal_id,
            self.file.appeal.version,
            done=lambda _doc: self.action_reload(),
            failed=self._failed,
            writes=True,
        )

    def _outcome(self) -> str:
        """The chosen outcome (upheld until another is pressed)."""
        pressed = self.query_one(RadioSet).pressed_button
        return str(pressed.label) if pressed is not None else "upheld"

    @on(Button.Pressed, "#resolve-btn")
    def action_resolve(self) -> None:
        if self.file is None or self.file.resolved:
            return
        self._clear_error()
        action = self.query_one("#outcome-action", Select).value
        clause = self.query_one("#outcome-clause", Select).value
        outcome = self._outcome()
        # A new decision records the factors as the reviewer now answers them, so an
        # overturn for a wrongly answered factor doesn't carry the wrong profile forward.
        factors = None if outcome == "upheld" else self.query_one(FactorChecklist).factors
        self.call(
            resolve_appeal,
            self.session,
            self.appeal_id,
            outcome,
            self.query_one("#outcome-reasoning", TextArea).text,
            action=action if isinstance(action, str) else None,
            clause_ids=[clause] if isinstance(clause, str) else None,
            factors=factors,
            expected_version=self.file.appeal.version,
            done=self._resolved,
            failed=self._failed,
            writes=True,
        )

    def _resolved(self, appeal: Appeal) -> None:
        """Say how it was resolved, reload, and offer to prepare the notice."""
        extra = f"; new decision {appeal.new_decision_id}" if appeal.new_decision_id else ""
        self.notify(f"{self.appeal_id} {appeal.outcome}{extra}", title="Appeal resolved")
        self.action_reload()

        def answer(yes: bool | None) -> None:
            """Open the notice if the reviewer said yes."""
            if yes:
                self.action_notice()

        self.app.push_screen(
            AppealConfirm("Appeal resolved. Prepare the notice to the user now?", "Notice"),
            answer,
        )

    @on(Button.Pressed, "#notice-btn")
    def action_notice(self) -> None:
        if self.file is None:
            return
        from .notice import NoticeScreen

        if self.file.resolved:
            self.app.push_screen(NoticeScreen(appeal_id=self.appeal_id))
        else:
            self.app.push_screen(NoticeScreen(decision_id=self.file.decision.decision_id))

    def action_note(self) -> None:
        entity = f"appeal:{self.appeal_id}"

        save = self.saving(add_note, self.session, entity)

        self.app.push_screen(
            AppealPrompt(
                "Private note",
                f"On {self.appeal_id}; moderators and leads only, never in a notice.",
                save,
            ),
            lambda doc: self.action_reload() if doc else None,
        )

    def action_dismiss_strike(self) -> None:
        if self.file is None:
            return
        active = [s for s in self.file.standing.strikes if s.status == "active"]
        if not active:
            self.notify("This account has no active strikes.", title="Strikes")
            return
        choices = [(f"{s.strike_id} w{s.weight} {s.decision_id}", s.strike_id) for s in active]

        def save(prompt: TextPrompt, reason: str, strike_id: str | None) -> None:
            """Dismiss the chosen strike with the reason typed (in a worker)."""
            self.call(
                dismiss_strike,
                self.session,
                strike_id or "",
                reason,
                done=prompt.finish,
                failed=prompt.show_error,
                writes=True,
            )

        self.app.push_screen(
            AppealPrompt(
                "Dismiss a strike",
                "Leads only. Say why the strike no longer counts; this is audited.",
                save,
                choices=choices,
                button="Dismiss strike",
            ),
            lambda doc: self.action_reload() if doc else None,
        )
