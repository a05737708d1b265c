"""Notice screen: literal rendering, language switch, edit + send, don't send with reason."""

from __future__ import annotations

from textual.widgets import Button, Input, Select, Static, TextArea

from appeals_tui.services import appeals, cases, notices
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.notice import NoticeScreen
from appeals_tui.ui.screens.review import ReviewScreen
from tests.ui.appeal_fixtures import appealed, removal
from tests.ui.conftest import settle


async def open_notice(pilot, **ids) -> NoticeScreen:
    screen = NoticeScreen(**ids)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_edit_and_send(sessions):
    minji = sessions("minji")
    d = removal(minji)
    async with make_app(minji).run_test(size=(120, 36)) as pilot:
        screen = await open_notice(pilot, decision_id=d.decision_id)
        area = screen.query_one("#notice-text", TextArea)
        assert "KakaoTalk" in area.text and "이의" in area.text  # KR case: Korean
        screen.query_one("#notice-lang", Select).value = "en"
        await settle(pilot)
        assert "How to appeal" in area.text
        area.text = area.text + "\nWe are sorry for the delay."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "sent (edited)" in str(screen.query_one("#notice-log", Static).render())
    [sent] = notices.notices_for(minji, d.decision_id)
    assert sent.sent and sent.edited and sent.lang == "en"
    assert sent.body.endswith("We are sorry for the delay.")


async def test_dont_send_needs_reason(sessions):
    minji = sessions("minji")
    d = removal(minji)
    async with make_app(minji).run_test(size=(120, 36)) as pilot:
        screen = await open_notice(pilot, decision_id=d.decision_id)
        screen.query_one("#notice-dont-btn", Button).press()  # not a click: the error box moves it
        await settle(pilot)
        error = screen.query_one("#notice-error", Static)
        assert error.has_class("-visible") and "reason" in str(error.render())
        screen.query_one("#notice-reason", Input).value = "The account was deleted by the user."
        screen.query_one("#notice-dont-btn", Button).press()  # not a click: the error box moves it
        await settle(pilot)
        assert "not sent: The account" in str(screen.query_one("#notice-log", Static).render())
    [kept] = notices.notices_for(minji, d.decision_id)
    assert kept.sent is False and kept.not_sent_reason.startswith("The account")


async def test_dont_send_by_keyboard_enter_in_the_reason(sessions):
    minji = sessions("minji")
    d = removal(minji)
    async with make_app(minji).run_test(size=(120, 36)) as pilot:
        screen = await open_notice(pilot, decision_id=d.decision_id)
        screen.query_one("#notice-reason", Input).focus()
        await pilot.press(*"User deleted the post", "enter")
        await settle(pilot)
        assert "not sent: User deleted" in str(screen.query_one("#notice-log", Static).render())
    [kept] = notices.notices_for(minji, d.decision_id)
    assert kept.sent is False


async def test_hostile_text_literal_and_no_private_notes(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    _, a = appealed(sessions)
    cases.add_note(daniel, f"appeal:{a.appeal_id}", "Private: appellant is a known spammer")
    hostile = "[bold red]Overturned[/] $account \x1b[31m; the handle is a fan page."
    appeals.resolve_appeal(daniel, a.appeal_id, "overturned", hostile)
    async with make_app(daniel).run_test(size=(120, 36)) as pilot:
        screen = await open_notice(pilot, appeal_id=a.appeal_id)
        body = screen.query_one("#notice-text", TextArea).text
        assert "[bold red]Overturned[/] $account" in body
        assert "known spammer" not in body
    assert minji.ws.get("appeals", a.appeal_id)["outcome"] == "overturned"


async def test_reachable_from_review_with_n(sessions):
    d, a = appealed(sessions)
    app = make_app(sessions("daniel"))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(ReviewScreen(a.appeal_id))
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen)
        assert app.screen.decision_id == d.decision_id
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
