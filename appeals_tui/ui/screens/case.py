"""A case, read in full before deciding: content, reports, account history, timeline, precedents, notes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static, TabbedContent, TabPane

from ...domain.models import Case, Note
from ...services import cases
from ...services.case_view import CaseView, case_view
from ...services.decisions import DecisionDraft
from ...services.media_match import ImageMatch
from ...services.networks import warm_links
from ..base import AppealsScreen, appeals_app
from ..keys import Key
from ..text import content, visible
from ..widgets.case_views import (
    account_text,
    decision_text,
    notes_text,
    reports_text,
    subject_text,
    timeline_text,
)
from ..widgets.dialogs import TextPrompt
from ..widgets.footer import AppFooter
from ..widgets.linked_views import linked_text
from ..widgets.media_viewer import MediaViewer
from ..widgets.precedents import PrecedentsList
from .decide import QueueContext

__all__ = ["CaseScreen", "subject_text"]


def matches_text(matches: list[ImageMatch]) -> Text:
    """Earlier cases holding the same picture (PDQ), and what was decided there."""
    if not matches:
        return Text("")
    text = Text(f"Same image seen in {len(matches)} other case(s):\n", style="bold yellow")
    for m in matches:
        text.append(f"  {m.case_id} ", style="bold")
        text.append(visible(m.account))
        text.append(f" ({m.platform}) · distance {m.distance}/256 · ")
        if m.decision_id:
            text.append(
                f"decided {m.action} by {visible(m.moderator)} on {(m.decided_at or '')[:10]}"
                f" ({m.decision_id})",
                style="bold",
            )
        else:
            text.append(f"not decided ({m.status})", style="italic")
        text.append("\n")
    return text


#: seconds a case is on screen before the link graph is read in the background
WARM_LINKS_AFTER_S = 3.0


class CaseScreen(AppealsScreen):
    """One case; the moderator's draft lives here while they move between case and decide."""

    CSS_PATH = "case.tcss"
    HELP_TITLE = "Case"
    HELP_TEXT = "Read the case, then claim (c) and decide (d); once decided, n prepares the notice to the user. Tabs hold reports, account history, timeline, precedents and notes. Images start blurred: v reveals the current one, g greyscale, m hides media, +/- blur level (focus the images; ←/→ page them)."
    BINDINGS = [
        Binding("escape", "back", "Back", id="case-back", tooltip="Back to the queue"),
        Key("c", "claim", "Claim", id="case-claim", tooltip="Claim this case", palette="Claim case", palette_help="Claim this case"),
        Key("d", "decide", "Decide", id="case-decide", tooltip="Record a decision", palette="Decide", palette_help="Record a decision on this case"),
        Key(
            "e",
            "escalate",
            "Escalate",
            id="case-escalate",
            tooltip="Escalate to a lead, with a note", palette="Escalate", palette_help="Escalate this case to a lead with a note"
        ),
        Key("N", "add_note", "Note", id="case-note", tooltip="Add a private note", palette="Add note", palette_help="Add a private note to this case"),
        Key(
            "b",
            "batch",
            "Work account",
            id="case-batch",
            tooltip="Decide this account's open cases together", palette="Work this account", palette_help="Decide all open cases of this account"
        ),
        Key(
            "n",
            "notice",
            "Notice",
            id="case-notice",
            tooltip="Notice to the user about the decision", palette="Notice to user", palette_help="Render, edit and send (or don't) the decision's notice"
        ),
        Binding("r", "reload", "Reload", id="case-reload", tooltip="Reload the case"),
        Binding("v", "media('reveal')", "Reveal", id="case-media-reveal", tooltip="Reveal the current image until you press v again or move on", show=False),
        Binding("g", "media('greyscale')", "Greyscale", id="case-media-grey", tooltip="Greyscale on/off (your preference)", show=False),
        Binding("m", "media('hide')", "Hide media", id="case-media-hide", tooltip="Hide or show media (your preference)", show=False),
    ]  # fmt: skip

    def __init__(self, case_id: str, *, queue: QueueContext | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.queue = queue
        self.view: CaseView | None = None

    @property
    def draft(self) -> DecisionDraft | None:
        """The unsaved decision draft for this case (kept by the app across screens)."""
        return appeals_app(self).drafts.get(self.case_id)

    @draft.setter
    def draft(self, draft: DecisionDraft | None) -> None:
        """Keep (or with None drop) this case's unsaved decision draft across screens."""
        drafts = appeals_app(self).drafts
        if draft is None:
            drafts.pop(self.case_id, None)
        else:
            drafts[self.case_id] = draft

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"{self.case_id} loading…"), id="case-subject")
        with TabbedContent(id="case-tabs"):
            with TabPane("Content", id="tab-content"):
                with VerticalScroll():
                    yield Static(id="case-content", classes="user-text")
                    yield Static(id="case-matches")
                    yield MediaViewer(id="case-images")
                    yield Static(id="case-media", classes="user-text")
                    yield Static(id="case-decision")
            with TabPane("Reports", id="tab-reports"):
                with VerticalScroll():
                    yield Static(id="case-reports")
            with TabPane("Account", id="tab-account"):
                with VerticalScroll():
                    yield Static(id="case-account")
            with TabPane("Timeline", id="tab-timeline"):
                with VerticalScroll():
                    yield Static(id="case-timeline")
            with TabPane("Linked", id="tab-linked"):
                with VerticalScroll():
                    yield Static(id="case-linked")
            with TabPane("Precedents", id="tab-precedents"):
                with VerticalScroll():
                    yield PrecedentsList(id="case-precedents")
            with TabPane("Notes", id="tab-notes"):
                with VerticalScroll():
                    yield Static(id="case-notes")
        yield AppFooter()

    def on_mount(self) -> None:
        app = appeals_app(self)
        ahead, app.warm_view = app.warm_view, None
        if ahead is not None and ahead.case_id == self.case_id:  # the queue read it ahead
            self.mark_fresh()
            if ahead.take(app.change_count, self._from_ahead):
                return
        self.action_reload()

    def _from_ahead(self, view: CaseView | None) -> None:
        """The view the queue read ahead, once read; read afresh if that failed."""
        if not self.is_attached:
            return  # left before the read ended
        if view is None:
            self.action_reload()
        else:
            self._show(view)

    def refresh_data(self) -> None:
        """Reload after a change elsewhere."""
        self.action_reload()

    def action_reload(self) -> None:
        self.mark_fresh()
        self.call(case_view, self.session, self.case_id, done=self._show, group="case")

    def _show(self, view: CaseView) -> None:
        """Fill every tab from the case view the service assembled."""
        self.view = view
        case = view.case
        self.query_one("#case-subject", Static).update(subject_text(case))
        body = content(case.content_text or "(no text)")
        self.query_one("#case-content", Static).update(body)
        media = Text("Media: ", style="bold")
        media.append(visible(case.media_description) or "(none)")
        self.query_one("#case-media", Static).update(media)
        viewer = self.query_one(MediaViewer)
        if viewer.hashes != case.media:
            viewer.show(list(case.media))
        matches = self.query_one("#case-matches", Static)
        matches.update(matches_text(view.image_matches))
        matches.display = bool(view.image_matches)
        self.query_one("#case-decision", Static).update(decision_text(view.decision))
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-reports").label = Text(f"Reports ({len(view.file.reports)})")
        self.query_one("#case-reports", Static).update(reports_text(view.file.reports))
        self.query_one("#case-account", Static).update(account_text(view.file))
        self.query_one("#case-timeline", Static).update(timeline_text(view.file.timeline))
        self.query_one(PrecedentsList).show(view.precedents, view.precedent_note)
        if view.links is not None:
            tabs.get_tab("tab-linked").label = Text(
                f"Linked ({view.links.account_total}{'+' if view.links.accounts_capped else ''})"
            )
        self.query_one("#case-linked", Static).update(linked_text(view.links))
        # read the link graph in the background a few seconds after a case is on screen:
        # the next cases' links then come from it (services/link_graph.py). Not at once:
        # reading it is ~1.3 s of Python at 100k cases, which holds the GIL while this
        # screen paints (the first case took 2 s instead of 0.9 s). A failure here only
        # leaves links to the store's indexes; the Linked tab reports its own errors.
        self.set_timer(WARM_LINKS_AFTER_S, self._warm_links)
        if view.notes is not None:
            tabs.get_tab("tab-notes").label = Text(f"Notes ({len(view.notes)})")
        self.query_one("#case-notes", Static).update(notes_text(view.notes))

    def _warm_links(self) -> None:
        """Read the link graph in a worker (see `show`); once per process is enough."""
        self.call(warm_links, self.session, failed=lambda _exc: None, group="links-warm")

    def action_media(self, what: str) -> None:
        """v/g/m work from anywhere on the screen; ←/→ page when the images have focus."""
        viewer = self.query_one(MediaViewer)
        if viewer.hashes:
            getattr(viewer, f"action_{what}")()

    def action_back(self) -> None:
        self.app.pop_screen()

    @property
    def version(self) -> int | None:
        """The case version shown, sent with claims so a stale screen is refused."""
        return self.view.case.version if self.view else None

    def action_claim(self) -> None:
        def claimed(case: Case) -> None:
            """Say it is claimed and show the new state."""
            self.notify(f"Claimed {case.case_id}", title="Claimed", markup=False)

        self.call(cases.claim, self.session, self.case_id, self.version, done=claimed, writes=True)

    def action_decide(self) -> None:
        from .decide import DecideScreen

        if self.view is None:
            return

        self.app.push_screen(DecideScreen(self.case_id, queue=self.queue))

    def action_notice(self) -> None:
        from .notice import NoticeScreen

        decision = self.view.decision if self.view else None
        if decision is None:
            self.notify("No decision yet: decide (d) first, then send its notice.", timeout=4)
            return
        self.app.push_screen(NoticeScreen(decision_id=decision.decision_id))

    def action_batch(self) -> None:
        from .batch import BatchScreen

        if self.view is not None:
            self.app.push_screen(BatchScreen(self.view.case.account, self.draft))

    def action_escalate(self) -> None:
        def done(case: Case | None) -> None:
            """Say it was escalated and show the new state."""
            if case is not None:
                self.notify(f"Escalated {case.case_id} to a lead", markup=False)

        def save(prompt: TextPrompt, note: str, _choice: str | None) -> None:
            """Escalate with the note typed (in a worker); the prompt shows a refusal."""
            self.call(
                cases.escalate,
                self.session,
                self.case_id,
                note,
                self.version,
                done=prompt.finish,
                failed=prompt.show_error,
                writes=True,
            )

        self.app.push_screen(
            TextPrompt(
                f"Escalate {self.case_id}",
                "Say in a sentence what a lead should look at.",
                save,
                button="Escalate",
            ),
            callback=done,
        )

    def action_add_note(self) -> None:
        def done(note: Note | None) -> None:
            """Say the note was added and show it."""
            if note is not None:
                self.notify(f"Note {note.note_id} added", markup=False)

        save = self.saving(cases.add_note, self.session, f"case:{self.case_id}")

        self.app.push_screen(
            TextPrompt(
                f"Private note on {self.case_id}", "Only moderators and leads see notes.", save
            ),
            callback=done,
        )
