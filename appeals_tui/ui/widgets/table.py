"""The app's DataTable: rows are always drawn at the column widths measured for them.

Why: Textual's DataTable (8.2) measures new rows' column widths later, when the table
is next idle, and caches each drawn cell and row under a key that does not hold the
column widths. A table filled by a worker's callback can be drawn by the screen before
it is idle (a loaded machine, another widget's update in the same callback); its rows
are then cached at the widths of the column labels and shown cut that way, header
included, until something else redraws them (a cursor move, a resize). So whenever a
measurement changes a column's width, the cached drawings are thrown away.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

__all__ = ["Table"]


class Table(DataTable[Any]):
    """A DataTable that redraws its cached rows when its column widths change."""

    _drawn_widths: tuple[int, ...] = ()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        widths = (
            self._row_label_column_width,
            *(column.get_render_width(self) for column in self.ordered_columns),
        )
        if widths != self._drawn_widths:
            self._drawn_widths = widths
            self._clear_caches()  # cells/rows cached at the old widths
            self.refresh()
