"""The Textual app: modes for each main screen, help, palette. Kept small on purpose."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from ..services.session import Session
from .commands import ScreensProvider
from .screens import main_screens
from .screens.help import HelpScreen

__all__ = ["AppealsApp", "make_app"]


class AppealsApp(App[None]):
    """appeals: moderators' queue, decisions, appeals and consistency review."""

    CSS_PATH = "app.tcss"
    TITLE = "appeals"
    COMMANDS = App.COMMANDS | {ScreensProvider}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help", tooltip="Keys for this screen"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave the app", priority=True),
    ]

    def __init__(self, session: Session) -> None:
        self.session = session
        self.main = main_screens()
        super().__init__()
        self.sub_title = f"{session.actor} ({session.role.value})"
        for entry in self.main:
            self.bind(entry.key, f"switch_mode('{entry.mode}')", description=entry.title, show=True)

    def on_mount(self) -> None:
        for entry in self.main:
            self.add_mode(entry.mode, entry.factory)
        self.switch_mode(self.main[0].mode)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def make_app(session: Session) -> AppealsApp:
    """One factory for the CLI and the tests, so tests drive the app users get."""
    return AppealsApp(session)
