"""Decide a case on one screen: the content beside the form, live guidance, save-and-next.

Left: what is being decided (content, media description, reports' reasons, account,
reach) with the guidance and precedents for the answers so far. Right: factors
answered with y/n (they start unanswered), action and clause (ctrl+g takes the
guidance), reasoning, and the divergence reason when one is needed.

Nothing is saved until `services.decisions.decide` accepts the draft; its problems
are shown in place, re-checked as the form changes, and the draft is never lost
(not on errors, not on conflicts, not on leaving the screen: the app keeps it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Header, Label, Select, Static, TextArea

from ...domain.errors import ConflictError, ValidationError
from ...domain.guidance import Guidance
from ...domain.models import Case, Decision
from ...services import cases, decisions
from ...services.cases import CaseFile, CaseFilter
from ...services.decisions import DecisionDraft
from ...services.live_view import LiveView, live_view
from ...services.next_case import next_case
from ..base import AppealsScreen, appeals_app
from ..keys import Key
from ..services import error_text
from ..text import content, one_line, visible
from ..widgets.case_views import subject_text
from ..widgets.decision_form import DecisionForm
from ..widgets.dialogs import ConflictDialog
from ..widgets.factor_list import FactorList
from ..widgets.footer import AppFooter
from ..widgets.guidance_panel import GuidancePanel
from ..widgets.media_viewer import MediaViewer
from ..widgets.precedents import PrecedentsList

__all__ = ["DecideScreen", "QueueContext", "offer_notice"]


@dataclass(frozen=True)
class QueueContext:
    """The queue a case was opened from: save-and-next continues in its order."""

    flt: CaseFilter = field(default_factory=lambda: CaseFilter(status={"open", "in_review"}))
    sort: str = "priority"
    #: The case ids below the opened one on the queue's page, in order.
    after: tuple[str, ...] = ()


def offer_notice(app: App[Any], decision_id: str, then: Callable[[], None] | None = None) -> None:
    """Every decision owes the user a notice (or a recorded reason not to send it): offer it
    now; `then` runs once that is settled (after the notice screen, if one was opened)."""
    from ..widgets.appeal_dialogs import AppealConfirm
    from .notice import NoticeScreen

    def answer(yes: bool | None) -> None:
        """Open the notice for the new decision if the moderator said yes."""
        if yes:
            app.push_screen(
                NoticeScreen(decision_id=decision_id),
                callback=(lambda _: then()) if then else None,
            )
        elif then is not None:
            then()

    app.push_screen(
        AppealConfirm(f"{decision_id} saved. Prepare the notice to the user now?", "Notice"),
        answer,
    )


def content_view(file: CaseFile) -> list[Text]:
    """The content side: text, media description, reports' reasons, account (all literal)."""
    case = file.case
    body = Text("Content\n", style="bold")
    body.append_text(Text(str(content(case.content_text or "(no text)"))))
    media = Text("Media: ", style="bold")
    media.append(visible(case.media_description) or "(none)")
    reports = Text(f"{len(file.reports)} report(s)\n", style="bold")
    for r in file.reports[:20]:
        reports.append("• ")
        reports.append(one_line(r.reason, 200), style="yellow")
        reports.append(f"  ({one_line(r.reporter, 30)}, {r.reported_at[:10]})\n", style="dim")
    account = Text("Account ", style="bold")
    account.append("@" + one_line(case.account, 40))
    account.append(
        f" · {case.jurisdiction or 'no jurisdiction'} · "
        f"{case.followers:,} followers · {case.views:,} views · "
        f"{len(file.account_decisions)} earlier decision(s) · strike weight "
        f"{file.active_strikes}"
    )
    return [body, media, reports, account]


class DecideScreen(AppealsScreen):
    """The decision editor for one case, with the case beside it."""

    CSS_PATH = "decide.tcss"
    HELP_TITLE = "Decide"
    HELP_TEXT = (
        "Answer each factor with y or n (↑/↓ move; they start unanswered). Guidance and "
        "precedents follow your answers; ctrl+g takes the recommended action and clause and "
        "moves to the reasoning. ctrl+s saves; ctrl+n saves and opens the next case of the "
        "queue. escape goes back and keeps the draft. The case's images start blurred: focus "
        "them (tab or click), then v reveals, g greyscale, m hides, ←/→ page."
    )
    BINDINGS = [
        Key(
            "ctrl+s",
            "save",
            "Save",
            id="decide-save",
            tooltip="Save the decision",
            priority=True,
            palette="Save decision",
            palette_help="Validate and save this decision",
        ),
        Key(
            "ctrl+n",
            "save(True)",
            "Save & next",
            id="decide-save-next",
            tooltip="Save, then decide the next case of the queue",
            priority=True,
            palette="Save and next",
            palette_help="Save, then decide the next case of the queue",
        ),
        Key(
            "ctrl+g",
            "use_guidance",
            "Use guidance",
            id="decide-guidance",
            tooltip="Take the recommended action and clause, then write the reasoning",
            priority=True,
            palette="Use guidance",
            palette_help="Set the action and clause the rubric recommends",
        ),
        Binding(
            "ctrl+f",
            "focus_field('#factor-list')",
            "Factors",
            id="decide-factors",
            tooltip="Go to the factors",
            priority=True,
            show=False,
        ),
        Binding(
            "ctrl+t",
            "choose_action",
            "Action",
            id="decide-action",
            tooltip="Choose the action (type its first letter, enter)",
            priority=True,
        ),
        Binding(
            "ctrl+l",
            "focus_field('#clause-search')",
            "Clauses",
            id="decide-clauses",
            tooltip="Search and cite clauses",
            priority=True,
            show=False,
        ),
        Key(
            "ctrl+b",
            "batch",
            "Work account",
            id="decide-batch",
            tooltip="Apply this draft to the account's open cases",
            palette="Work this account",
            palette_help="Apply this draft to all open cases of the account",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="decide-back",
            tooltip="Back to the case (the draft is kept)",
        ),
    ]

    def __init__(
        self,
        case_id: str,
        draft: DecisionDraft | None = None,
        *,
        return_to_queue: bool = True,
        queue: QueueContext | None = None,
    ) -> None:
        super().__init__()
        self.case_id = case_id
        self.initial = draft
        self.return_to_queue = return_to_queue
        self.queue = queue or QueueContext()
        self.case: Case | None = None
        self.version: int | None = None
        self.guidance: Guidance | None = None
        self.saved = False
        self._timer: Timer | None = None
        self._seq = 0
        self._then_reasoning = False
        self._accept_guidance = False

    def compose(self) -> ComposeResult:
        draft = self.initial or appeals_app(self).drafts.get(self.case_id)
        yield Header()
        yield Static(id="decide-subject")
        yield DecisionForm(
            self.session.library,
            draft,
            side=[
                Static(Text("loading…", style="dim"), id="decide-content", classes="user-text"),
                Static(id="decide-media", classes="user-text"),
                MediaViewer(id="decide-images"),
                Static(id="decide-reports", classes="user-text"),
                Static(id="decide-account", classes="user-text"),
                Label("Guidance", classes="section-title"),
                GuidancePanel(id="guidance"),
                Label("Precedents", classes="section-title"),
                PrecedentsList(id="decide-precedents"),
            ],
            id="decision-form",
        )
        yield AppFooter()

    @property
    def form(self) -> DecisionForm:
        """The decision form of this screen."""
        return self.query_one(DecisionForm)

    def on_mount(self) -> None:
        self.query_one(GuidancePanel).show(None, "loading…")
        self.query_one(FactorList).focus()
        self.reload_case()

    def _remember(self) -> None:
        """The app keeps the draft as it is typed: leaving by any way (escape, an F-key,
        save-and-next elsewhere) never loses it."""
        if not self.saved:
            appeals_app(self).drafts[self.case_id] = self.form.draft()

    def on_text_area_changed(self) -> None:
        self._remember()

    def refresh_data(self) -> None:
        """Reload the case after a change elsewhere, keeping the draft's base version: a
        change by someone else is a conflict on save."""
        self.reload_case(keep_version=True)

    def reload_case(self, keep_version: bool = False) -> None:
        """Fetch the case's current state (and version); the draft in the form stays."""
        self.mark_fresh()
        self.call(
            cases.case_file,
            self.session,
            self.case_id,
            done=lambda file: self._case_loaded(file, keep_version),
            group="case",
        )

    def _case_loaded(self, file: CaseFile, keep_version: bool) -> None:
        """Show the loaded case; remember its version unless a draft already holds one."""
        case = file.case
        self.case = case
        if not keep_version or self.version is None:
            self.version = case.version
        self.query_one("#decide-subject", Static).update(subject_text(case))
        for widget_id, text in zip(
            ("#decide-content", "#decide-media", "#decide-reports", "#decide-account"),
            content_view(file),
            strict=True,
        ):
            self.query_one(widget_id, Static).update(text)
        viewer = self.query_one(MediaViewer)
        if viewer.hashes != case.media:
            viewer.show(list(case.media))
        self._schedule(0)

    # -- live guidance -------------------------------------------------------------

    def on_decision_form_changed(self, event: DecisionForm.Changed) -> None:
        self._remember()
        self._schedule(0.2)
        if self._then_reasoning and not self.query_one("#action-select", Select).expanded:
            # An action was chosen after ctrl+t: on to the why, once the Select has taken
            # its own focus back (it does so as its list closes).
            self._then_reasoning = False
            self.set_timer(0.05, self.query_one("#reasoning", TextArea).focus)

    def _schedule(self, delay: float) -> None:
        """Recompute the live panel after `delay` seconds (0: not at all); typing restarts the wait."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._live) if delay else None
        if not delay:
            self._live()

    def _live(self) -> None:
        """Ask the live-view service for guidance, precedents and divergence (in a worker)."""
        if self.case is None:
            return
        self._seq += 1
        seq = self._seq
        self.call(
            live_view,
            self.session,
            self.case,
            self.form.draft(),
            check=self.form.checking,
            done=lambda view: self._show_live(view, seq),
            group="live",
            exclusive=True,
        )

    def _show_live(self, view: LiveView, seq: int) -> None:
        """Show a live view unless a newer one was asked for since."""
        if seq != self._seq:
            return
        self.guidance = view.guidance
        note = ""
        if view.unanswered:
            note = f"{len(view.unanswered)} factor(s) unanswered, taken as no for now"
        self.query_one(GuidancePanel).show(view.guidance, note=note)
        self.query_one(PrecedentsList).show(view.precedents)
        self.form.show_divergence(view.divergence)
        line = Text("Guidance ", style="bold")
        line.append(view.guidance.action, style="reverse")
        line.append(f" {view.guidance.clause_id}")
        if view.unanswered:
            line.append(f" · {len(view.unanswered)} open", style="dim")
        if view.divergence:
            line.append(" · diverges: give a reason", style="bold yellow")
        elif self.form.action != view.guidance.action:
            line.append(" · ^g accepts", style="dim")
        self.form.show_guidance_line(line)
        if view.problems is not None:
            self.form.recheck(view.problems)
        if self._accept_guidance:
            self._accept_guidance = False
            self._take_guidance(view.guidance)

    def action_use_guidance(self) -> None:
        """Take the guidance for the answers as they are now: the shown guidance may be a
        debounce behind the last keys, so it is looked up again and applied on arrival."""
        self._accept_guidance = True
        self._schedule(0)

    def _take_guidance(self, guidance: Guidance) -> None:
        """Use the recommended action and cite its clause."""
        self.form.set_action(guidance.action)
        picked = self.form.draft().clause_ids
        if guidance.clause_id not in picked:
            self.form.set_clauses([*picked, guidance.clause_id])
        self.query_one("#reasoning", TextArea).focus()

    def action_focus_field(self, selector: str) -> None:
        self.query_one(selector).focus()

    def action_choose_action(self) -> None:
        select = self.query_one("#action-select", Select)
        select.focus()
        select.expanded = True
        self._then_reasoning = True

    # -- saving ----------------------------------------------------------------------

    def action_save(self, and_next: bool = False) -> None:
        if self.case is None:
            return
        self.form.clear_problems()
        self.call(
            decisions.decide,
            self.session,
            self.case_id,
            self.form.draft(),
            expected_version=self.version,
            done=lambda decision: self._saved(decision, and_next),
            failed=self._failed,
            group="save",
            writes=True,
        )

    def _saved(self, decision: Decision, and_next: bool) -> None:
        """The decision is recorded: forget the draft, say so, then go on or back."""
        self.saved = True
        appeals_app(self).drafts.pop(self.case_id, None)
        self.notify(
            f"Decision {decision.decision_id} saved for {decision.case_id}",
            title="Saved",
            markup=False,
        )
        if not self.return_to_queue:
            self.dismiss(None)
            return
        if and_next:
            self.call(
                next_case,
                self.session,
                self.queue.flt,
                self.queue.sort,
                self.queue.after,
                {self.case_id},
                done=lambda case_id: self._open_next(case_id, decision.decision_id),
                failed=lambda exc: self._next_failed(exc, decision.decision_id),
                group="next",
            )
            return
        self._to_queue()
        offer_notice(self.app, decision.decision_id)

    def _to_queue(self) -> None:
        """Close every screen above the queue (after a save, before what comes next)."""
        from .queue import QueueScreen

        app = self.app
        while len(app.screen_stack) > 1 and not isinstance(app.screen_stack[-1], QueueScreen):
            app.pop_screen()

    def _next_failed(self, exc: BaseException, decision_id: str) -> None:
        """Saved, but the next case could not be looked up: say why, back to the queue."""
        self.app.notify(error_text(exc), title="Next case", severity="error", markup=False)
        self._to_queue()
        offer_notice(self.app, decision_id)

    def _open_next(self, case_id: str | None, decision_id: str) -> None:
        """The notice question first, then the next case (so nothing it asks lands on the
        next case's form)."""
        app = self.app
        queue = self.queue
        self._to_queue()

        def go() -> None:
            """Open the next case, or say the queue is done."""
            if case_id is None:
                app.notify("No more cases to decide in this queue.", title="Queue done")
                return
            after = queue.after[queue.after.index(case_id) + 1 :] if case_id in queue.after else ()
            app.push_screen(DecideScreen(case_id, queue=QueueContext(queue.flt, queue.sort, after)))

        offer_notice(app, decision_id, then=go)

    def _failed(self, exc: BaseException) -> None:
        """Show a refused save in place; a conflict offers to reload or keep the draft."""
        if isinstance(exc, ConflictError):

            def answer(choice: str | None) -> None:
                """Reload the case, or keep the draft to copy from."""
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
            self.app.push_screen(BatchScreen(self.case.account, self.form.draft()))
