"""Help (`?`/F1): the keys of the screen below, each once, grouped navigate / act / screens.

Only the app's own bindings are listed (a widget's internal keys such as a table's
"Page Left" are noise), plus the few widget keys a user needs for what has focus.
Every key in the footer is in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static, TextArea

from ..widgets.table import Table

__all__ = ["HelpScreen", "HelpRow", "help_rows"]

#: Actions that move around rather than change anything.
NAVIGATE = {
    "back",
    "page",
    "search",
    "filter",
    "focus_filter",
    "reload",
    "cycle_sort",
    "mine",
    "tab",
    "clauses",
    "rubric",
    "focus_field",
    "dismiss",
}
GROUPS = ("navigate", "act", "screens")


@dataclass
class HelpRow:
    group: str
    keys: list[str]
    text: str
    #: Bindings declared by the app (F-keys, help, quit) sort after the screen's own.
    order: int = 0
    actions: set[str] = field(default_factory=set)


def _widget_keys(focused: Widget | None) -> list[tuple[str, str]]:
    """The few keys of Textual's own widgets a user needs, for what has focus."""
    if isinstance(focused, DataTable):
        return [("↑ ↓", "move between rows"), ("enter", "open the highlighted row")]
    if isinstance(focused, TextArea):
        return [("type", "write; tab goes to the next field")]
    if isinstance(focused, Input):
        return [("type", "search or fill in; enter confirms")]
    if isinstance(focused, Select):
        return [("enter", "open the choices; type a letter to jump, enter picks")]
    if isinstance(focused, OptionList):
        return [("↑ ↓", "move")]
    return [("tab", "next field")]


def _declared_by_us(node: object, binding: Binding) -> bool:
    """Declared in one of our classes' BINDINGS (not inherited from Textual's widgets,
    which bring scroll, copy and focus-cycling keys nobody needs listed)."""
    for cls in type(node).__mro__:
        if cls.__module__.startswith("appeals_tui."):
            for declared in cls.__dict__.get("BINDINGS", ()):
                if isinstance(declared, Binding) and declared.action == binding.action:
                    return True
    return False


def help_rows(target: Screen[Any]) -> list[HelpRow]:
    """Rows for `target`'s active bindings: ours only, keys of one action merged."""
    app = target.app
    rows: dict[tuple[int, str, str], HelpRow] = {}
    for key, active in target.active_bindings.items():
        binding: Binding = active.binding
        node = active.node
        if node is app:
            if binding.action == "command_palette":
                continue  # listed once below, whatever key the app binds it to
            if not (binding.id or binding.action.startswith("main(")):
                continue  # Textual's own app keys
            group, order = "screens", 2
        elif not _declared_by_us(node, binding):
            continue  # Textual's widget internals (cursor, page left/right, …)
        else:
            base = binding.action.split("(", 1)[0]
            group, order = ("navigate" if base in NAVIGATE else "act"), 0
        if not binding.description:
            continue
        label = app.get_key_display(binding.__class__(key, binding.action, binding.description))
        ident = (id(node), binding.action, binding.description)
        row = rows.get(ident)
        if row is None:
            rows[ident] = HelpRow(
                group, [label], binding.tooltip or binding.description, order, {binding.action}
            )
        elif label not in row.keys:
            row.keys.append(label)
    out = sorted(rows.values(), key=lambda r: (GROUPS.index(r.group), r.order))
    out += [HelpRow("navigate", [k], text, 1) for k, text in _widget_keys(target.focused)]
    out.append(HelpRow("screens", ["ctrl+p"], "Command palette: any screen, screen commands", 3))
    return sorted(out, key=lambda r: (GROUPS.index(r.group), r.order))


class HelpScreen(ModalScreen[None]):
    """Lists the keys of `target` (its own, its focused widget's, the app's)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 90; max-width: 95%; height: 80%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-about { color: $text-muted; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="close-help")]

    def __init__(self, target: Screen[Any]) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical():
            title = getattr(self.target, "HELP_TITLE", "") or type(self.target).__name__
            yield Label(Text(f"Keys: {title}", style="bold"))
            yield Static(Text(getattr(self.target, "HELP_TEXT", "") or ""), id="help-about")
            yield Table(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "key", "what it does")
        last = ""
        for row in help_rows(self.target):
            table.add_row(
                Text(row.group if row.group != last else "", style="bold"),
                Text(" / ".join(row.keys)),
                Text(row.text),
            )
            last = row.group
        table.focus()
