"""Queue screen: listing, claiming, sorting, paging and filtering through the real store."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.queue import QueueScreen
from tests.conftest import report

from .conftest import import_rows, settle, until


def status_line(app) -> str:
    return str(app.screen.query_one("#queue-status", Static).render())


async def test_queue_lists_open_cases_by_priority_and_claims_with_one_key(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 6
        assert "page 1 of 1 · 6 cases" in status_line(app)
        priorities = [float(str(table.get_row_at(i)[2])) for i in range(table.row_count)]
        assert priorities == sorted(priorities, reverse=True)
        first = app.screen.highlighted_case()
        await pilot.press("c")
        await settle(pilot)
        case = minji.ws.get("cases", first)
        assert case["status"] == "in_review" and case["assignee"] == "minji"
        assert "claimed minji" in str(table.get_row(first)[1])


async def test_queue_pages_and_filters(minji, tmp_path):
    rows = [
        report(f"P-{i}", f"P{i}", jurisdiction="US" if i % 10 == 0 else "KR") for i in range(120)
    ]
    import_rows(minji, tmp_path, rows)
    app = make_app(minji)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 50
        assert "page 1 of 3 · 126 cases" in status_line(app)
        await pilot.press("n")
        await settle(pilot)
        assert "page 2 of 3" in status_line(app)
        await pilot.press("pagedown")
        await settle(pilot)
        assert "page 3 of 3" in status_line(app) and table.row_count == 26
        await pilot.press("p")
        await settle(pilot)
        assert "page 2 of 3" in status_line(app)

        app.screen.query_one("#filter-jurisdiction", Select).value = "US"
        await settle(pilot)
        assert "page 1 of 1 · 13 cases" in status_line(app)

        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"P10")

        def accounts() -> set[str]:
            return {str(table.get_row_at(i)[5]) for i in range(table.row_count)}

        await until(pilot, lambda: all("P10" in k for k in accounts()))
        keys = accounts()
        assert keys >= {"acct_P10", "acct_P100"} and all("P10" in k for k in keys)


async def test_queue_sort_cycles_and_mine_filter(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.sort == "reports"
        assert "sort: reports" in status_line(app)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "1 cases" in status_line(app)


async def test_queue_fits_80x24(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.region.height >= 10
        assert app.screen.query_one("#queue-status").region.y < 24
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "CaseScreen"
