"""Small modal dialogs: a text prompt (notes, escalation) and the conflict notice."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

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


class TextPrompt(ModalScreen[str | None]):
    """Ask for a sentence (a note, why to escalate); returns the text or None."""

    DEFAULT_CSS = _CSS.format(name="TextPrompt")
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="prompt-save", tooltip="Save this text"),
        Binding("escape", "cancel", "Cancel", id="prompt-cancel", tooltip="Close without saving"),
    ]

    def __init__(self, title: str, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.hint:
                yield Static(Text(self.hint, style="dim"))
            yield TextArea(id="prompt-text")
            with Horizontal():
                yield Button("Cancel", id="prompt-cancel-button")
                yield Button("Save (ctrl+s)", variant="primary", id="prompt-save-button")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_submit(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#prompt-save-button")
    def _save(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#prompt-cancel-button")
    def _cancel(self) -> None:
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
        self.action_reload()

    @on(Button.Pressed, "#conflict-close-button")
    def _close(self) -> None:
        self.action_cancel()
