"""ui/widgets/table.Table: rows drawn before the table measured them are redrawn at the
measured widths (the flake of the queue snapshot and the history screen under load)."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from appeals_tui.ui.widgets.table import Table

UI = Path(__file__).resolve().parents[2] / "appeals_tui" / "ui"


class _OneTable(App[None]):
    CSS = "#t { height: 1fr; }"  # as the screens size theirs: rows do not resize it

    def compose(self) -> ComposeResult:
        table = Table(id="t")
        table.add_columns("id", "account")
        yield table

    def fill(self) -> None:
        """Rows arrive (a worker's callback) and the screen draws the table at once,
        before the table has been idle to measure them (as on a loaded machine)."""
        table = self.query_one(Table)
        table.clear()
        for i in range(3):
            table.add_row(Text(f"C-00000{i}"), Text(f"acct_long_name_{i}"))
        table.render_lines(Region(0, 0, table.size.width, table.size.height))


async def test_rows_drawn_before_they_were_measured_are_redrawn_at_full_width():
    app = _OneTable()
    async with app.run_test(size=(80, 10)) as pilot:
        app.fill()
        await pilot.pause()
        await pilot.pause()
        table = app.query_one(Table)
        lines = [table.render_line(y).text for y in range(4)]
    assert "C-000000" in lines[1] and "acct_long_name_0" in lines[1], lines
    assert "C-000002" in lines[3] and "acct_long_name_2" in lines[3], lines


def test_every_table_of_the_app_is_a_table():
    """A plain DataTable would bring the flake back on its screen."""
    plain = [
        f"{path.relative_to(UI)}:{n}"
        for path in sorted(UI.rglob("*.py"))
        if path.name != "table.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])DataTable\(", line)
    ]
    assert plain == []
