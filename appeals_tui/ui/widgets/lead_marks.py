"""Marking decisions in a table to compare them side by side (history and dashboard)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

__all__ = ["mark_cell", "toggle_mark"]


def mark_cell(marked: bool) -> Text:
    """The mark column: ● for a decision marked to compare."""
    return Text("●" if marked else " ")


def toggle_mark(table: DataTable[Any], row_key: str, marked: list[str], decision_id: str) -> None:
    """Flip `decision_id` in `marked`, redraw its first cell, move to the next row."""
    if decision_id in marked:
        marked.remove(decision_id)
    else:
        marked.append(decision_id)
    table.update_cell(row_key, table.ordered_columns[0].key, mark_cell(decision_id in marked))
    table.action_cursor_down()
