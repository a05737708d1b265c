"""Review screen: each outcome through the TUI, refusals in place, conflict reload, snapshot."""

from __future__ import annotations

import pytest
from textual.widgets import RadioButton, Select, Static, TextArea

from appeals_tui.services import appeals, cases, strikes
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.notice import NoticeScreen
from appeals_tui.ui.screens.review import ReviewScreen
from appeals_tui.ui.widgets.appeal_dialogs import AppealConfirm, AppealPrompt
from tests.ui.appeal_fixtures import appealed
from tests.ui.conftest import settle


async def open_review(pilot, appeal_id: str) -> ReviewScreen:
    screen = ReviewScreen(appeal_id)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def error_of(screen) -> str:
    box = screen.query_one("#review-error", Static)
    return str(box.render()) if box.has_class("-visible") else ""


async def resolve(pilot, screen, outcome, reasoning, action=None, clause=None):
    screen.query_one(f"#outcome-{outcome}", RadioButton).value = True
    if action:
        screen.query_one("#outcome-action", Select).value = action
    if clause:
        screen.query_one("#outcome-clause", Select).value = clause
    screen.query_one("#outcome-reasoning", TextArea).text = reasoning
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_shows_case_decision_and_applied_clause(sessions):
    d, a = appealed(sessions)
    daniel = sessions("daniel")
    async with make_app(daniel).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        decision = str(screen.query_one("#decision-panel", Static).render())
        clause = daniel.library.get("CSS-3", d.clauses[0]["version"])
        assert clause.title in decision and "KakaoTalk" in decision
        case = str(screen.query_one("#case-panel", Static).render())
        assert "AI-generated webtoon" in case and "tf_kcsc" in case
        assert "fan page" in str(screen.query_one("#appeal-panel", Static).render())


@pytest.mark.parametrize(
    ("outcome", "action", "clause", "new_action"),
    [
        ("upheld", None, None, None),
        ("overturned", None, None, "no_action"),
        ("modified", "restrict_reach", "CSS-4", "restrict_reach"),
    ],
)
async def test_each_outcome(sessions, outcome, action, clause, new_action):
    d, a = appealed(sessions)
    app = make_app(sessions("daniel"))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        await resolve(
            pilot, screen, outcome, "Reviewed the panels again; see the appeal.", action, clause
        )
        assert error_of(screen) == ""
        assert isinstance(app.screen, AppealConfirm)  # the notice is offered
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.appeal_id == a.appeal_id
    ws = sessions("daniel").ws
    ws.refresh()
    done = ws.get("appeals", a.appeal_id)
    assert done["outcome"] == outcome
    if new_action is None:
        assert done["new_decision_id"] is None
    else:
        new = ws.get("decisions", done["new_decision_id"])
        assert new["action"] == new_action and new["supersedes"] == d.decision_id
        assert ws.get("decisions", d.decision_id)["superseded_by"] == new["decision_id"]


async def test_refusals_in_place(sessions):
    _, a = appealed(sessions)
    async with make_app(sessions("minji")).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        await resolve(pilot, screen, "upheld", "I still think my decision was right.")
        assert "someone else" in error_of(screen)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        await resolve(pilot, screen, "modified", "Lesser action is enough for this one.")
        assert "modified outcome needs" in error_of(screen)
        await resolve(pilot, screen, "overturned", "no")
        assert "reasoning" in error_of(screen)


async def test_conflict_offers_reload(sessions):
    _, a = appealed(sessions)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        appeals.claim_appeal(sessions("seoyeon"), a.appeal_id)  # someone else, meanwhile
        await resolve(pilot, screen, "upheld", "The booking handle is visible in panel 8.")
        assert "changed since you loaded it" in error_of(screen)
        assert screen.query_one("#review-reload-btn").display
        await pilot.click("#review-reload-btn")
        await settle(pilot)
        assert error_of(screen) == "" and "seoyeon" in str(
            screen.query_one("#review-title", Static).render()
        )


async def test_private_note_and_strike_dismissal(sessions):
    _, a = appealed(sessions)
    app = make_app(sessions("seoyeon"))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, AppealPrompt)
        app.screen.query_one(TextArea).text = "Appellant emailed twice; be kind."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "emailed twice" in str(screen.query_one("#notes-panel", Static).render())
        await pilot.press("d")
        await pilot.pause()
        prompt = app.screen
        prompt.query_one(TextArea).text = "short"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is prompt  # refused in place
        prompt.query_one(TextArea).text = "Verified survivor-support account; no strike."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "dismissed" in str(screen.query_one("#standing-panel", Static).render())
    assert cases.notes_for(sessions("seoyeon"), f"appeal:{a.appeal_id}")
    assert strikes.strikes_for(sessions("seoyeon"), "acct_S1")[0].status == "dismissed"


def test_review_snapshot(sessions, snap_compare):
    _, a = appealed(sessions)
    app = make_app(sessions("daniel"))

    async def run_before(pilot):
        await pilot.app.push_screen(ReviewScreen(a.appeal_id))
        await settle(pilot)
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


async def test_outcome_radios_show_the_choice_without_colour(sessions):
    _, a = appealed(sessions)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)

        def marks() -> list[str]:
            ids = ("upheld", "overturned", "modified")
            return [str(screen.query_one(f"#outcome-{o}", RadioButton).render())[:3] for o in ids]

        assert marks() == ["▐●▌", "▐○▌", "▐○▌"]
        screen.query_one("#outcome-modified", RadioButton).value = True
        await pilot.pause()
        assert marks() == ["▐○▌", "▐○▌", "▐●▌"]


async def test_overturn_records_the_factors_as_re_answered(sessions):
    d, a = appealed(sessions)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        screen = await open_review(pilot, a.appeal_id)
        box = screen.query_one("#outcome-factors").query_one("#factor-contact_means")
        assert box.value is True  # prefilled from the original decision
        box.value = False  # the "contact" was a fan page: answered wrongly
        await resolve(pilot, screen, "overturned", "The ID is a fan page, not a contact means.")
        assert error_of(screen) == ""
    ws = sessions("daniel").ws
    ws.refresh()
    new = ws.get("decisions", ws.get("appeals", a.appeal_id)["new_decision_id"])
    assert new["factors"]["contact_means"] is False
    assert new["factors"]["depicts_commercial_sex"] is True  # the rest carried over
