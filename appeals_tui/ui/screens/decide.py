"""Decide a case: action, clauses, factors, reasoning; live guidance, precedents and divergence.

Nothing is saved until `services.decisions.decide` accepts the draft; its problems
are shown in place and the draft is never lost (not on errors, not on conflicts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Footer, Header, Label, Static

from ...domain.errors import ConflictError, ValidationError
from ...domain.guidance import Guidance
from ...domain.models import Action, Decision
from ...domain.similarity import RankedPrecedent
from ...services import cases, decisions
from ...services.decisions import DecisionDraft
from ...services.precedents import precedents_for_case
from ...services.session import Session
from ..base import AppealsScreen
from ..services import error_text
from ..widgets.case_views import subject_text
from ..widgets.decision_form import DecisionForm
from ..widgets.dialogs import ConflictDialog
from ..widgets.guidance_panel import GuidancePanel
from ..widgets.media_viewer import MediaViewer
from ..widgets.precedents import PrecedentsList

__all__ = ["DecideScreen", "LiveView", "live_view", "offer_notice"]

_ACTIONS = {a.value for a in Action}


@dataclass
class LiveView:
    guidance: Guidance
    precedents: list[RankedPrecedent]
    divergence: str | None


def live_view(
    session: Session,
    case: dict[str, Any],
    action: str,
    factors: dict[str, bool],
    clause_ids: list[str],
) -> LiveView:
    """Guidance, precedents and (for a chosen action) why a divergence reason is needed."""
    guidance = decisions.guidance_for(session, factors, case.get("jurisdiction"))
    ranked = precedents_for_case(
        session, case["case_id"], factors, clause_ids=set(clause_ids), limit=5
    )
    explanation = None
    if action in _ACTIONS:
        check = decisions.check_divergence(session, case, action, factors, clause_ids)
        if check.required:
            explanation = "Required because " + check.explain(action) + "."
    return LiveView(guidance, ranked, explanation)


def offer_notice(app: App[Any], decision_id: str) -> None:
    """Every decision owes the user a notice (or a recorded reason not to send it): offer it now."""
    from ..widgets.appeal_dialogs import AppealConfirm
    from .notice import NoticeScreen

    def answer(yes: bool | None) -> None:
        if yes:
            app.push_screen(NoticeScreen(decision_id=decision_id))

    app.push_screen(
        AppealConfirm(f"{decision_id} saved. Prepare the notice to the user now?", "Notice"),
        answer,
    )


class DecideScreen(AppealsScreen):
    """The decision editor for one case."""

    CSS_PATH = "decide.tcss"
    HELP_TITLE = "Decide"
    HELP_TEXT = (
        "Choose the action, cite clauses (type to search, enter/space to cite), answer every factor, "
        "write the reasoning. Guidance and precedents follow the factors. ctrl+s saves; escape keeps the draft. "
        "The case's images start blurred: focus them (tab or click), then v reveals, g greyscale, m hides, ←/→ page."
    )
    BINDINGS = [
        Binding(
            "ctrl+s", "save", "Save", id="decide-save", tooltip="Save the decision", priority=True
        ),
        Binding(
            "ctrl+g",
            "use_guidance",
            "Use guidance",
            id="decide-guidance",
            tooltip="Take the recommended action and clause",
        ),
        Binding(
            "ctrl+b",
            "batch",
            "Work account",
            id="decide-batch",
            tooltip="Apply this draft to the account's open cases",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="decide-back",
            tooltip="Back to the case (the draft is kept)",
        ),
    ]
    PALETTE = [
        ("Save decision", "Validate and save this decision", "save"),
        ("Use guidance", "Set the action and clause the rubric recommends", "use_guidance"),
        ("Work this account", "Apply this draft to all open cases of the account", "batch"),
    ]

    def __init__(
        self, case_id: str, draft: DecisionDraft | None = None, *, return_to_queue: bool = True
    ) -> None:
        super().__init__()
        self.case_id = case_id
        self.initial = draft
        self.return_to_queue = return_to_queue
        self.case: dict[str, Any] | None = None
        self.version: int | None = None
        self.guidance: Guidance | None = None
        self._timer: Timer | None = None
        self._seq = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="decide-subject")
        yield Static(id="decide-summary")
        yield DecisionForm(
            self.session.library,
            self.initial,
            side=[
                MediaViewer(id="decide-images"),
                Label("Guidance", classes="section-title"),
                GuidancePanel(id="guidance"),
                Label("Precedents", classes="section-title"),
                PrecedentsList(id="decide-precedents"),
            ],
            id="decision-form",
        )
        yield Footer()

    @property
    def form(self) -> DecisionForm:
        return self.query_one(DecisionForm)

    def on_mount(self) -> None:
        self.query_one(GuidancePanel).show(None, "loading…")
        self.query_one("#action-select").focus()
        self.reload_case()

    def reload_case(self) -> None:
        """Fetch the case's current state (and version); the draft in the form stays."""
        self.call(cases.get_case, self.session, self.case_id, done=self._case_loaded, group="case")

    def _case_loaded(self, case: dict[str, Any]) -> None:
        self.case = case
        self.version = case["version"]
        self.query_one("#decide-subject", Static).update(subject_text(case))
        viewer = self.query_one(MediaViewer)
        if viewer.hashes != list(case.get("media") or ()):
            viewer.show(list(case.get("media") or ()))
        self._schedule(0)

    # -- live guidance -------------------------------------------------------------

    def on_decision_form_changed(self, event: DecisionForm.Changed) -> None:
        self._schedule(0.25)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._live) if delay else None
        if not delay:
            self._live()

    def _live(self) -> None:
        if self.case is None:
            return
        self._seq += 1
        seq = self._seq
        draft = self.form.draft()
        self.call(
            live_view,
            self.session,
            self.case,
            draft.action,
            draft.factors,
            draft.clause_ids,
            done=lambda view: self._show_live(view, seq),
            group="live",
            exclusive=True,
        )

    def _show_live(self, view: LiveView, seq: int) -> None:
        if seq != self._seq:
            return
        self.guidance = view.guidance
        self.query_one(GuidancePanel).show(view.guidance)
        self.query_one(PrecedentsList).show(view.precedents)
        self.form.show_divergence(view.divergence)
        summary = Text("Guidance: ", style="bold")
        summary.append(f"{view.guidance.action} under {view.guidance.clause_id}")
        if view.divergence:
            summary.append("  · your action diverges: give a reason", style="bold yellow")
        self.query_one("#decide-summary", Static).update(summary)

    def action_use_guidance(self) -> None:
        if self.guidance is None:
            return
        self.form.set_action(self.guidance.action)
        picker_ids = self.form.draft().clause_ids
        if self.guidance.clause_id not in picker_ids:
            from ..widgets.clause_picker import ClausePicker

            self.query_one(ClausePicker).set_selected([*picker_ids, self.guidance.clause_id])

    # -- saving ----------------------------------------------------------------------

    def action_save(self) -> None:
        if self.case is None:
            return
        self.form.clear_problems()
        self.call(
            decisions.decide,
            self.session,
            self.case_id,
            self.form.draft(),
            expected_version=self.version,
            done=self._saved,
            failed=self._failed,
            group="save",
        )

    def _saved(self, decision: Decision) -> None:
        self.notify(
            f"Decision {decision.decision_id} saved for {decision.case_id}",
            title="Saved",
            markup=False,
        )
        app = self.app
        if not self.return_to_queue:
            self.dismiss(None)
            return
        from .queue import QueueScreen

        while len(app.screen_stack) > 1 and not isinstance(app.screen_stack[-1], QueueScreen):
            app.pop_screen()
        offer_notice(app, decision.decision_id)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ConflictError):

            def answer(choice: str | None) -> None:
                if choice == "reload":
                    self.reload_case()

            self.app.push_screen(ConflictDialog(str(exc)), callback=answer)
            return
        problems = exc.problems if isinstance(exc, ValidationError) else [error_text(exc)]
        self.form.show_problems(problems)

    # -- navigation ------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(self.form.draft())

    def action_batch(self) -> None:
        from .batch import BatchScreen

        if self.case is not None:
            self.app.push_screen(BatchScreen(self.case["subject"]["account"], self.form.draft()))
