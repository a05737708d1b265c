"""The Textual app: modes for each main screen, help, palette. Kept small on purpose."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from ..services.decisions import DecisionDraft
from ..services.session import Session
from .commands import ScreensProvider
from .screens import main_screens
from .screens.help import HelpScreen
from .services import call_service
from .warm_view import WarmView

__all__ = ["AppealsApp", "make_app"]


class AppealsApp(App[None]):
    """appeals: moderators' queue, decisions, appeals and consistency review."""

    #: The case screen's sheet too, read with the app's: a screen's own sheet is read
    #: when the screen is first pushed, and adding it then re-parses every sheet of the
    #: app and restyles every widget of the screens below (~50 ms of a process's first
    #: case). It only styles `CaseScreen ...` selectors, so reading it early changes nothing else.
    CSS_PATH = ["app.tcss", "screens/case.tcss"]
    TITLE = "appeals"
    COMMANDS = App.COMMANDS | {ScreensProvider}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help", tooltip="Keys for this screen"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave the app", priority=True),
    ]
    #: How often (seconds) to look for other processes' writes.
    POLL_SECONDS = 2.0

    #: Moves whenever records may have changed (our saves, other processes' writes);
    #: screens compare it with the generation they last loaded.
    data_generation: reactive[int] = reactive(0, init=False)

    def __init__(self, session: Session) -> None:
        self.session = session
        self.main = main_screens()
        #: Unsaved decision drafts by case id: they outlive the screens that edit them.
        self.drafts: dict[str, DecisionDraft] = {}
        #: the case view the queue reads ahead, until a case screen takes it (warm_view.py)
        self.warm_view: WarmView | None = None
        self._counter: int | None = None
        super().__init__()
        self.sub_title = f"{session.actor} ({session.role.value})"
        for entry in self.main:
            self.bind(entry.key, f"main('{entry.mode}')", description=entry.title, show=True)

    def on_mount(self) -> None:
        for entry in self.main:
            self.add_mode(entry.mode, entry.factory)
        self.switch_mode(self.main[0].mode)
        self.set_interval(self.POLL_SECONDS, self._poll)

    # -- fresh data ------------------------------------------------------------------

    def _poll(self) -> None:
        """Check for changes by others now and then, unless a poll is still running."""
        # `call_service` reads the change counter after every call: a call that does
        # nothing else is the poll.
        if not any(w.group == "poll" and w.is_running for w in self.workers):
            call_service(self, _nothing, group="poll")

    @property
    def change_count(self) -> int | None:
        """The highest change counter a service call has seen (None: none yet)."""
        return self._counter

    def note_changes(self, counter: int | None, wrote: bool = False) -> None:
        """A service call saw the store's change counter at `counter`: if it moved since
        the last call (our write or another process's), records changed."""
        previous = self._counter
        if counter is not None and (previous is None or counter > previous):
            self._counter = counter  # calls finish out of order: only a higher count is news
        if wrote or (previous is not None and counter is not None and counter > previous):
            self.data_changed()

    def data_changed(self) -> None:
        """Records changed: the visible screen reloads now, the others when shown again."""
        self.data_generation += 1

    def watch_data_generation(self) -> None:
        from .base import AppealsScreen

        screen = self.screen
        if isinstance(screen, AppealsScreen):
            screen.check_fresh()

    # -- navigation ------------------------------------------------------------------

    def action_main(self, mode: str) -> None:
        """An F-key opens its screen's main view, from anywhere (drafts are kept in `drafts`)."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def _nothing() -> None:
    """A service call that does nothing: the poll only wants the change counter read."""
    return None


def make_app(session: Session) -> AppealsApp:
    """One factory for the CLI and the tests, so tests drive the app users get."""
    return AppealsApp(session)
