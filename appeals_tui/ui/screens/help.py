"""Help (`?`/F1): every key active on the screen below, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

__all__ = ["HelpScreen"]


class HelpScreen(ModalScreen[None]):
    """Lists the active bindings of `target` (screen, focused widget and app)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 90; max-width: 95%; height: 80%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-about { color: $text-muted; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="close-help")]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical():
            title = getattr(self.target, "HELP_TITLE", "") or type(self.target).__name__
            yield Label(Text(f"Keys: {title}", style="bold"))
            yield Static(Text(getattr(self.target, "HELP_TEXT", "") or ""), id="help-about")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "where")
        seen: set[str] = set()
        for active in self.target.active_bindings.values():
            binding = active.binding
            if not binding.description or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))  # type: ignore[arg-type]
            where = "app" if active.node is self.app else type(active.node).__name__
            label = self.app.get_key_display(binding)
            table.add_row(Text(label), Text(binding.tooltip or binding.description), Text(where))
        table.add_row(
            Text("ctrl+p"),
            Text("Command palette: go to any screen, run screen commands"),
            Text("app"),
        )
        table.focus()
