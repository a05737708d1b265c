"""Appeals queue (F3): rows, overdue, filters, claim refused for own decision, filing."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TextArea

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.appeals_queue import AppealsQueueScreen
from appeals_tui.ui.screens.file_appeal import FileAppealScreen
from appeals_tui.ui.screens.review import ReviewScreen
from tests.ui.appeal_fixtures import appealed, removal
from tests.ui.conftest import settle


async def open_queue(pilot) -> AppealsQueueScreen:
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AppealsQueueScreen)
    return screen


async def test_queue_lists_and_highlights_overdue(sessions, clock):
    _, a = appealed(sessions)
    clock.advance(days=8)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        due = table.get_row_at(0)[2]
        assert "OVERDUE" in due.plain and "red" in str(due.style)
        screen.query_one("#flt-moderator", Input).value = "daniel"
        screen.query_one("#flt-moderator", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 0


async def test_claim_own_decision_refused(sessions):
    appealed(sessions)
    app = make_app(sessions("minji"))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_queue(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("c")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("reviewed by someone else" in m for m in messages), messages
        assert sessions("minji").ws.get("appeals", "A-000001")["status"] == "open"


async def test_claim_then_open_review(sessions):
    appealed(sessions)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_queue(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("c")
        await settle(pilot)
        assert sessions("daniel").ws.get("appeals", "A-000001")["reviewer"] == "daniel"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReviewScreen)


async def test_file_appeal_through_tui(sessions):
    d = removal(sessions("minji"), "S2")
    app = make_app(sessions("daniel"))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_queue(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FileAppealScreen)
        modal.query_one("#file-decision", Input).value = d.decision_id
        await pilot.press("ctrl+s")  # no grounds: refused in place
        await settle(pilot)
        assert app.screen is modal and "grounds" in str(modal.query_one("#file-error").render())
        modal.query_one("#file-grounds", TextArea).text = "The contact ID belongs to a fan club."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(DataTable).row_count == 1
    appeal = sessions("daniel").ws.get("appeals", "A-000001")
    assert appeal["decision_id"] == d.decision_id and appeal["grounds"].startswith("The contact")


async def test_file_appeal_refusal_is_in_sight_at_80x24(sessions):
    app = make_app(sessions("daniel"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        screen.query_one(DataTable).focus()
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        modal.query_one("#file-decision", Input).value = "D-999999"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = modal.query_one("#file-error")
        assert error.has_class("-visible")
        box = modal.query_one("#file-box")
        assert box.region.contains_region(error.region)  # scrolled into view


async def test_paging_with_keys_and_no_page_past_the_end(sessions, monkeypatch):
    from appeals_tui.ui.screens import appeals_queue

    monkeypatch.setattr(appeals_queue, "PAGE", 2)
    for subject in ("S1", "S2", "S3"):
        appealed(sessions, subject)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 2 and app_focus_is_table(pilot, table)
        await pilot.press("pagedown")  # the table must not swallow it
        await settle(pilot)
        assert table.row_count == 1 and "page 2/2" in str(
            screen.query_one("#appeals-status").render()
        )
        await pilot.press("n")  # past the end: stays on the last full page
        await settle(pilot)
        assert table.row_count == 1 and screen.page_offset == 2
        await pilot.press("p")
        await settle(pilot)
        assert table.row_count == 2 and screen.page_offset == 0


def app_focus_is_table(pilot, table) -> bool:
    return pilot.app.focused is table
