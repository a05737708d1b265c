"""Small modals for the appeals screens: the shared text prompt, and a yes/no."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from .dialogs import TextPrompt

__all__ = ["AppealPrompt", "AppealConfirm"]


#: The appeals screens' prompt is the shared one (submits in a worker, refusals in place).
AppealPrompt = TextPrompt


class AppealConfirm(ModalScreen[bool]):
    """A yes/no question (e.g. "prepare the notice now?")."""

    DEFAULT_CSS = """
    AppealConfirm { align: center middle; }
    AppealConfirm > Vertical { width: 60; max-width: 96%; height: auto;
        border: thick $primary; background: $surface; padding: 0 1; }
    AppealConfirm Horizontal { height: auto; margin-top: 1; }
    AppealConfirm Button { margin-right: 1; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm-no", tooltip="No / later"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "Later") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            with Horizontal():
                yield Button(self.yes, id="confirm-ok", variant="primary")
                yield Button(self.no, id="confirm-later")

    def on_mount(self) -> None:
        self.query_one("#confirm-ok", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        """OK answers yes, any other button no."""
        self.dismiss(event.button.id == "confirm-ok")
