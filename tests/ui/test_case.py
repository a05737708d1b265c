"""Case screen: content, reports, account history, timeline, precedents, notes, claim, escalate."""

from __future__ import annotations

from textual.widgets import Static, TextArea

from appeals_tui.services import cases, decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.widgets.dialogs import TextPrompt
from tests.conftest import GLAMOUR, case_for

from .conftest import settle

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def rendered(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_case(pilot, case_id: str) -> CaseScreen:
    await pilot.app.push_screen(CaseScreen(case_id))
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)
    return pilot.app.screen


async def test_case_shows_content_reports_history_and_precedents(app, minji, session_for):
    daniel = session_for("daniel")
    s2 = case_for(minji, "S2")
    decisions.decide(daniel, s2, DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON))
    s1 = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, s1)
        assert "AI로 그린 실화 S1" in rendered(screen, "#case-content")
        assert "acct_S1" in rendered(screen, "#case-subject")
        reports = rendered(screen, "#case-reports")
        assert "R-1" in reports and "R-6" in reports and "tf_kcsc" in reports
        assert "case.opened" in rendered(screen, "#case-timeline")
        assert "Answer the factors in Decide" in rendered(screen, "#case-precedents")
        assert "No notes yet" in rendered(screen, "#case-notes")
        # a decided case ranks precedents by its own decision
        await pilot.press("escape")
        screen = await open_case(pilot, s2)
        assert "geo_block" in rendered(screen, "#case-decision")
        assert "Ranked by this case's decision" in rendered(screen, "#case-precedents")


async def test_claim_note_and_escalate_from_the_case(app, minji):
    cid = case_for(minji, "S3")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, cid)
        await pilot.press("c")
        await settle(pilot)
        assert minji.ws.get("cases", cid)["assignee"] == "minji"
        assert "claimed by minji" in rendered(screen, "#case-subject")

        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(TextArea).insert("Same account posted three of these today.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "three of these" in rendered(screen, "#case-notes")
        assert [n.text for n in cases.notes_for(minji, f"case:{cid}")] == [
            "Same account posted three of these today."
        ]

        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Possible minor in panel 3; needs child safety.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert minji.ws.get("cases", cid)["escalated"] is True
        assert "escalated" in rendered(screen, "#case-subject")


async def test_escalation_without_a_reason_is_refused_in_place(app, minji):
    cid = case_for(minji, "S3")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_case(pilot, cid)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not minji.ws.get("cases", cid).get("escalated")
        # the refusal is shown in the still-open dialog, next to the text box
        assert isinstance(app.screen, TextPrompt)
        error = app.screen.query_one("#prompt-error")
        assert error.has_class("-visible") and "note" in str(error.render())
        app.screen.query_one(TextArea).insert("Possible minor in panel 3; needs child safety.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt)
        assert minji.ws.get("cases", cid)["escalated"] is True


async def test_empty_note_is_refused_in_place_and_escape_cancels(app, minji):
    cid = case_for(minji, "S3")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_case(pilot, cid)
        await pilot.press("N")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert app.screen.query_one("#prompt-error").has_class("-visible")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert cases.notes_for(minji, f"case:{cid}") == []


async def test_the_top_case_read_ahead_is_shown_without_reading_it_again(
    app, minji, session_for, monkeypatch
):
    """The queue reads its top case's view ahead; opening that case shows that view
    (read once), and once another user's change was seen it is read afresh."""
    from appeals_tui.services import case_view as views
    from appeals_tui.ui.screens import case as case_screen
    from appeals_tui.ui.screens import queue as queue_screen

    reads: list[str] = []
    real = views.case_view

    def counted(session, case_id):
        reads.append(case_id)
        return real(session, case_id)

    monkeypatch.setattr(views, "case_view", counted)  # the queue imports it when it warms
    monkeypatch.setattr(case_screen, "case_view", counted)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        top = pilot.app.screen.highlighted_case()
        assert isinstance(pilot.app.screen, queue_screen.QueueScreen) and reads == [top]
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CaseScreen) and screen.view is not None
        assert screen.view.case.case_id == top and reads == [top]  # not read again
        assert top in rendered(screen, "#case-subject")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # used once: the next open reads
        await settle(pilot)
        assert reads == [top, top]

    reads.clear()
    async with make_app(minji).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        top = pilot.app.screen.highlighted_case()
        cases.claim(session_for("daniel"), top)  # another user's change, then seen
        await pilot.pause(pilot.app.POLL_SECONDS + 0.5)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert reads == [top, top]  # the view read ahead was older than that change
        assert "claimed by daniel" in rendered(pilot.app.screen, "#case-subject")
