"""History screen (F4): rows, filters, paging, opening, comparing, exporting."""

from __future__ import annotations

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.compare import CompareScreen
from appeals_tui.ui.screens.export import ExportScreen
from appeals_tui.ui.screens.history import HistoryScreen
from appeals_tui.ui.widgets.lead_decision_card import DecisionCard
from tests.leads_data import many, seed_known, write
from tests.ui.conftest import settle


def status(app) -> str:
    return str(app.screen.query_one("#history-status").render())


def row_ids(app) -> list[str]:
    table = app.screen.query_one("#history-table")
    return [key.value for key in table.rows]


async def open_history(pilot) -> None:
    await pilot.press("f4")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HistoryScreen)


async def test_lists_every_decision_with_superseded_marked(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        assert row_ids(pilot.app) == ["D7", "D6", "D5", "D4", "D3", "D2", "D1"]
        assert "1-7 of 7" in status(pilot.app)
        table = pilot.app.screen.query_one("#history-table")
        assert "superseded→D5" in str(table.get_row("D1")[7])


async def test_filter_line_and_bad_filter(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("slash")
        await pilot.press(*"moderator:daniel current", "enter")
        await settle(pilot)
        assert row_ids(pilot.app) == ["D4", "D3"]
        box = pilot.app.screen.query_one("#history-query")
        box.value = "outcome:maybe"
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        error = pilot.app.screen.query_one("#history-error")
        assert error.has_class("-visible") and "maybe" in str(error.render())


async def test_paging(sessions):
    lead = sessions("seoyeon")
    write(lead.ws, many(120))
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        assert "1-50 of 120" in status(pilot.app) and len(row_ids(pilot.app)) == 50
        await pilot.press("n")
        await settle(pilot)
        assert "51-100 of 120" in status(pilot.app)
        await pilot.press("pagedown")
        await settle(pilot)
        assert "101-120 of 120" in status(pilot.app) and len(row_ids(pilot.app)) == 20
        await pilot.press("n")  # no page beyond the last
        await settle(pilot)
        assert "101-120" in status(pilot.app)
        await pilot.press("p")
        await settle(pilot)
        assert "51-100" in status(pilot.app)


async def test_enter_opens_decision_in_full(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("down", "down", "enter")  # D5, which superseded D1
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CompareScreen)
        (card,) = screen.query(DecisionCard)
        body = card.plain_text()
        assert "(D5)" in body and "Supersession chain" in body and "D1 2026-11-02" in body
        assert "recommended: restrict_reach under CSS-4" in body
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HistoryScreen)


async def test_mark_and_compare(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("space", "space", "c")  # marks D7 and D6
        await settle(pilot)
        cards = list(pilot.app.screen.query(DecisionCard))
        assert [c.decision_id for c in cards] == ["D7", "D6"]


async def test_export_modal_writes_file_with_progress(sessions, tmp_path):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    target = tmp_path / "h.jsonl"
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("x")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ExportScreen)
        modal.query_one("#export-format").value = "jsonl"
        await pilot.pause()
        modal.query_one("#export-path").value = str(target)
        await pilot.click("#export-start")
        await settle(pilot)
        assert modal.written == 7
        assert modal.query_one("#export-progress").percentage == 1.0
        assert "7 / 7 decisions scanned" in str(modal.query_one("#export-rate").render())
        assert f"exported 7 record(s) to {target}" in str(
            modal.query_one("#export-status").render()
        )
        assert len(target.read_text(encoding="utf-8").splitlines()) == 7
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HistoryScreen)


async def test_export_to_an_unwritable_path_says_so_in_place(sessions, tmp_path):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("x")
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#export-path").value = "/proc/x.csv"
        await pilot.click("#export-start")
        await settle(pilot)
        status = str(modal.query_one("#export-status").render())
        assert "not exported: path: cannot write /proc/x.csv" in status and ".part" not in status
        assert modal.written is None and pilot.app.is_running


async def test_export_asks_before_replacing_an_existing_file(sessions, tmp_path):
    from appeals_tui.ui.widgets.appeal_dialogs import AppealConfirm

    lead = sessions("seoyeon")
    seed_known(lead.ws)
    target = tmp_path / "keep.csv"
    target.write_text("precious\n", encoding="utf-8")
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        await pilot.press("x")
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#export-path").value = str(target)
        await pilot.click("#export-start")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AppealConfirm)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "precious\n"
        assert "not exported" in str(modal.query_one("#export-status").render())
        await pilot.click("#export-start")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert modal.written == 7 and "precious" not in target.read_text(encoding="utf-8")


async def test_status_line_is_above_the_footer_not_under_it(sessions):
    from textual.widgets import Footer

    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        for key, status_id in (
            ("f4", "#history-status"),
            ("f2", "#queue-status"),
            ("f3", "#appeals-status"),
        ):
            await pilot.press(key)
            await settle(pilot)
            status_bar = pilot.app.screen.query_one(status_id)
            footer = pilot.app.screen.query_one(Footer)
            assert status_bar.region.height == 1
            assert not status_bar.region.overlaps(footer.region), key


async def test_inverted_date_range_says_why_the_list_is_empty(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_history(pilot)
        box = pilot.app.screen.query_one("#history-query")
        box.value = "since:2026-11-20 until:2026-11-01"
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert row_ids(pilot.app) == []
        error = pilot.app.screen.query_one("#history-error")
        assert error.has_class("-visible")
        assert "'since' (2026-11-20) is after 'until' (2026-11-01)" in str(error.render())
        box.value = ""
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert row_ids(pilot.app) and not error.has_class("-visible")


async def test_rows_drawn_before_the_table_measured_them_are_redrawn_at_full_width(
    sessions, monkeypatch
):
    """On a loaded machine the screen may draw the table after a page's rows are added
    but before the table is idle and has measured them; those drawings were cached at
    the column labels' widths and stayed on screen (every column cut to its label,
    the reasoning cut to "reasoning"'s 9 cells) until something else redrew the rows.
    Here the table is drawn right after the rows are added, as the screen would then."""
    from textual.geometry import Region

    from tests.leads_data import REASONING

    show = HistoryScreen._show

    def show_and_draw(self, result) -> None:
        show(self, result)
        table = self.query_one("#history-table")
        table.render_lines(Region(0, 0, table.size.width, table.size.height))

    monkeypatch.setattr(HistoryScreen, "_show", show_and_draw)
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(200, 36)) as pilot:
        await open_history(pilot)
        table = pilot.app.screen.query_one("#history-table")
        lines = [table.render_line(y).text for y in range(table.size.height)]
        assert "moderator" in lines[0] and "reasoning" in lines[0]
        shown = [line for line in lines if "D7" in line]
        assert shown and f"{REASONING} (D7)"[:60] in shown[0], lines[:3]
