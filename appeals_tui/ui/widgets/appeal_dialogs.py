"""Small modals for the appeals screens: a text prompt that submits to a service, and a yes/no.

The prompt runs its `submit` callable in a worker and shows a refusal in place,
so the reviewer can fix the text without losing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static, TextArea

from ..services import call_service, error_text
from ..text import content

__all__ = ["AppealPrompt", "AppealConfirm"]


class AppealPrompt(ModalScreen[Any]):
    """Ask for a text (and optionally a choice), hand it to `submit`, dismiss with its result."""

    DEFAULT_CSS = """
    AppealPrompt { align: center middle; }
    AppealPrompt > Vertical { width: 76; max-width: 96%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    AppealPrompt TextArea { height: 6; }
    AppealPrompt #prompt-buttons { height: auto; margin-top: 1; }
    AppealPrompt #prompt-buttons Button { margin-right: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt-cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "submit", "Save", id="prompt-save", tooltip="Save this text"),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        submit: Callable[..., Any],
        *,
        choices: list[tuple[str, str]] | None = None,
        button: str = "Save",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.submit = submit
        self.choices = choices
        self.button = button

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Label(Text(self.prompt), classes="muted")
            if self.choices is not None:
                yield Select(self.choices, id="prompt-choice", allow_blank=False)
            yield TextArea(id="prompt-text")
            yield Static(id="prompt-error", classes="error-box")
            with Horizontal(id="prompt-buttons"):
                yield Button(self.button, id="prompt-ok", variant="primary")
                yield Button("Cancel", id="prompt-no")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#prompt-no")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#prompt-ok")
    def action_submit(self) -> None:
        text = self.query_one(TextArea).text
        args: list[Any] = [text]
        if self.choices is not None:
            args.insert(0, self.query_one(Select).value)
        call_service(self, self.submit, *args, done=self.dismiss, failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        box = self.query_one("#prompt-error", Static)
        box.update(content(error_text(exc)))
        box.add_class("-visible")


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
        self.dismiss(event.button.id == "confirm-ok")
