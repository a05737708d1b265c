"""Hostile report text: shown literally, never markup, never an action, never a crash."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Static

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.text import visible
from tests.conftest import case_for, report

from .conftest import import_rows, settle, until

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
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
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


def screen_text(app) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(lines)).replace("\xa0", " ")


async def click_all_over(pilot, selectors: list[str]) -> None:
    for selector in selectors:
        for widget in list(pilot.app.screen.query(selector))[:2]:
            if not widget.region:
                continue
            for x in (1, 20):  # where "[@click=…]" starts, and further along the line
                await pilot.click(widget, offset=(x, 0))


async def test_hostile_text_is_inert_on_every_screen_that_shows_it(sessions, tmp_path):
    from appeals_tui.services import appeals, decisions
    from appeals_tui.services.decisions import DecisionDraft
    from appeals_tui.ui.screens.batch import BatchScreen
    from appeals_tui.ui.screens.compare import CompareScreen
    from appeals_tui.ui.screens.decide import DecideScreen
    from appeals_tui.ui.screens.history import HistoryScreen
    from appeals_tui.ui.screens.notice import NoticeScreen
    from appeals_tui.ui.screens.review import ReviewScreen
    from tests.conftest import factors

    minji, daniel = sessions("minji"), sessions("daniel")
    hostile = HOSTILE["H2"]
    rows = [
        report(f"X-{k}", k, content_text=HOSTILE["H2"], reporter="[red]rep[/]", account="acct_H")
        for k in ("A", "B")
    ]
    import_rows(minji, tmp_path, rows)
    case_a = case_for(minji, "A")
    d = decisions.decide(
        minji,
        case_a,
        DecisionDraft(
            "remove_content",
            ["CSS-3"],
            factors(depicts_commercial_sex=True, contact_means=True),
            "Booking handle in the text [@click=app.quit]quit[/] is promotion.",
        ),
    )
    a = appeals.file_appeal(minji, d.decision_id, "[@click=app.screenshot()]grounds[/] \x1b[31m")
    shown = visible(hostile)[:40]
    app = make_app(daniel)
    called: list[str] = []
    app.action_quit = lambda: called.append("quit")  # type: ignore[method-assign]
    app.action_screenshot = lambda *a, **k: called.append("screenshot")  # type: ignore[method-assign]
    screens = [
        (lambda: DecideScreen(case_for(minji, "B")), ["#decide-subject"], "acct_H"),
        (lambda: BatchScreen("acct_H"), ["#batch-cases", "#batch-title"], shown),
        (lambda: ReviewScreen(a.appeal_id), ["#case-panel", "#appeal-panel"], shown),
        (lambda: CompareScreen([d.decision_id]), ["DecisionCard Static"], "[@click=app.quit]"),
        (lambda: NoticeScreen(decision_id=d.decision_id), ["#notice-subject"], "[@click=app.quit]"),
        (HistoryScreen, ["#history-table"], "[@click=app.quit]"),
    ]
    # wide enough that the history's last column (reasoning) is never cut at the right
    # edge, whatever the marks column holds by the time the screen paints
    async with app.run_test(size=(240, 48)) as pilot:
        await settle(pilot)
        for factory, selectors, literal in screens:
            await app.push_screen(factory())
            await settle(pilot)
            name = type(app.screen).__name__
            # a loaded machine may need many rounds of workers (the history screen at load
            # ~10 took over 5 s); the loop ends as soon as the text is there
            deadline = time.monotonic() + 30
            while literal not in screen_text(app) and time.monotonic() < deadline:
                await pilot.pause(0.1)
                await settle(pilot)
            text = screen_text(app)
            assert literal in text, f"{name}: {text[-1500:]}"
            await click_all_over(pilot, selectors)
            await settle(pilot)
            assert app.is_running and called == [], name
            app.pop_screen()
            await settle(pilot)
        text = screen_text(app)
        assert "\x1b" not in text and "\x00" not in text
