"""Hostile report text: shown literally, never markup, never an action, never a crash."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.text import visible
from tests.conftest import case_for, report

from .conftest import import_rows, settle

HOSTILE = {
    "H1": "[bold]FREE[/] [/ [$accent @click=app.quit]x[/] 예약 📩",
    "H2": "[@click=app.screenshot()]click me[/] \x1b[31mRED\x1b[0m \x00 NUL",
    "H3": "مرحبا \u202eevil\u202c 안녕하세요 🎉 " + "very long line " * 80,
}


async def test_hostile_text_is_literal_and_inert(minji, tmp_path):
    rows = [
        report(f"X-{k}", k, content_text=text, media_description=text, reporter="[red]rep[/]")
        for k, text in HOSTILE.items()
    ]
    import_rows(minji, tmp_path, rows)
    app = make_app(minji)
    called: list[str] = []
    app.action_quit = lambda: called.append("quit")  # type: ignore[method-assign]
    app.action_screenshot = lambda *a, **k: called.append("screenshot")  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.query_one("#queue-search-input").value = "acct_H"
        await pilot.pause(0.4)
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        contents = {str(table.get_row_at(i)[6]) for i in range(3)}
        assert any(c.startswith("[bold]FREE[/] [/ [$accent @click=app.quit]x[/]") for c in contents)
        assert any(c.startswith("[@click=app.screenshot()]click me[/] \\x1b[31m") for c in contents)
        for row in range(3):
            await pilot.click("#queue-table", offset=(80, 2 + row))
        for key in HOSTILE:
            await app.push_screen(CaseScreen(case_for(minji, key)))
            await settle(pilot)
            screen = app.screen
            shown = str(screen.query_one("#case-content", Static).render())
            assert visible(HOSTILE[key])[:60] in shown
            for selector in ("#case-content", "#case-subject"):
                for x in (1, 12, 30):
                    await pilot.click(selector, offset=(x, 0))
            assert "[red]rep[/]" in str(screen.query_one("#case-reports", Static).render())
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running
        assert called == []
    assert app.return_code in (None, 0)
