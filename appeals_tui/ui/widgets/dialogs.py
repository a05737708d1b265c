"""Small modal dialogs: a text prompt that submits to a service (notes, escalation, appeal
outcomes) and the conflict notice."""

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

from ..services import error_text
from ..text import content

__all__ = ["TextPrompt", "ConflictDialog"]

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; max-width: 96%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 0 1; }}
{name} TextArea {{ height: 6; }}
{name} Horizontal {{ height: auto; align-horizontal: right; margin-top: 1; }}
{name} Button {{ margin-left: 1; }}
{name} .dialog-message {{ margin: 1 0; }}
"""


class TextPrompt(ModalScreen[Any]):
    """Ask for a text (and optionally a choice) and hand it to `on_submit`.

    The prompt saves nothing itself: the screen that opened it calls the service in
    its worker, then `finish(result)`es the prompt, or `show_error(exc)`s a refusal
    (empty note, too short) in place so the text is never lost. Escape dismisses
    with None.
    """

    #: (prompt, text, choice or None): the opener's save
    OnSubmit = Callable[["TextPrompt", str, str | None], None]

    DEFAULT_CSS = _CSS.format(name="TextPrompt")
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="prompt-save", tooltip="Save this text"),
        Binding("escape", "cancel", "Cancel", id="prompt-cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        on_submit: OnSubmit,
        *,
        choices: list[tuple[str, str]] | None = None,
        button: str = "Save",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.on_submit = on_submit
        self.choices = choices
        self.button = button

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.prompt:
                yield Static(Text(self.prompt, style="dim"))
            if self.choices is not None:
                yield Select(self.choices, id="prompt-choice", allow_blank=False)
            yield TextArea(id="prompt-text")
            yield Static(id="prompt-error", classes="error-box")
            with Horizontal():
                yield Button("Cancel", id="prompt-cancel-button")
                yield Button(f"{self.button} (ctrl+s)", variant="primary", id="prompt-save-button")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_submit(self) -> None:
        choice = self.query_one(Select).value if self.choices is not None else None
        self.query_one("#prompt-error", Static).remove_class("-visible")
        text = self.query_one(TextArea).text
        self.on_submit(self, text, choice if isinstance(choice, str) else None)

    def finish(self, result: Any) -> None:
        """Close with the opener's saved result, after the worker that saved it has
        returned (closing from inside a worker's own callback cancelled the worker
        under load)."""
        self.app.call_later(self.dismiss, result)

    def show_error(self, exc: BaseException) -> None:
        """Show why the opener's save was refused, keeping the text for another try."""
        box = self.query_one("#prompt-error", Static)
        box.update(content(error_text(exc)))
        box.add_class("-visible")
        self.query_one(TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#prompt-save-button")
    def _save(self) -> None:
        """The Save button submits."""
        self.action_submit()

    @on(Button.Pressed, "#prompt-cancel-button")
    def _cancel(self) -> None:
        """The Cancel button closes without saving."""
        self.action_cancel()


class ConflictDialog(ModalScreen[str | None]):
    """Someone else changed the case first: say so, offer to reload (the draft is kept)."""

    DEFAULT_CSS = _CSS.format(name="ConflictDialog")
    BINDINGS = [
        Binding(
            "r", "reload", "Reload", id="conflict-reload", tooltip="Reload the case, keep my draft"
        ),
        Binding("escape", "cancel", "Close", id="conflict-close", tooltip="Close and keep editing"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-box"):
            yield Label(Text("Not saved: the case changed", style="bold red"))
            yield Static(Text(self.message), classes="dialog-message", id="conflict-message")
            yield Static(
                Text("Your draft is kept. Reload to see the current state, then save again.")
            )
            with Horizontal():
                yield Button("Close", id="conflict-close-button")
                yield Button("Reload (r)", variant="warning", id="conflict-reload-button")

    def on_mount(self) -> None:
        self.query_one("#conflict-reload-button", Button).focus()

    def action_reload(self) -> None:
        self.dismiss("reload")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#conflict-reload-button")
    def _reload(self) -> None:
        """The Reload button reloads the record."""
        self.action_reload()

    @on(Button.Pressed, "#conflict-close-button")
    def _close(self) -> None:
        """The Close button closes the dialog."""
        self.action_cancel()
