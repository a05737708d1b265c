"""The screen never lies: one regression test per row of issue #13's table.

Each test drives the real app over a real workspace; each failed before its fix.
"""

from __future__ import annotations

from textual.widgets import (
    DataTable,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TextArea,
)

from appeals_tui.domain.models import FACTORS
from appeals_tui.services import appeals, cases, decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.store import Workspace
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.appeals_queue import AppealsQueueScreen
from appeals_tui.ui.screens.batch import BatchScreen
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.screens.decide import DecideScreen
from appeals_tui.ui.screens.help import HelpScreen, help_rows
from appeals_tui.ui.screens.policy import PolicyScreen
from appeals_tui.ui.screens.queue import QueueScreen
from appeals_tui.ui.screens.review import ReviewScreen
from appeals_tui.ui.widgets.appeal_dialogs import AppealConfirm
from appeals_tui.ui.widgets.factor_list import FactorList
from appeals_tui.ui.widgets.media_viewer import MediaViewer
from tests.conftest import GLAMOUR, PROMO, case_for, factors, removal, report

from .conftest import import_rows, settle, until

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def errors(screen) -> str:
    box = screen.query_one("#form-errors", Static)
    return str(box.render()) if box.has_class("-visible") else ""


async def test_claiming_an_appeal_keeps_the_cursor_on_it(sessions):
    minji = sessions("minji")
    for subject in ("S1", "S2", "S3"):
        d = removal(minji, subject)
        appeals.file_appeal(minji, d.decision_id, "It is only a story, the ID is a fan page.")
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AppealsQueueScreen)
        await pilot.press("down", "down")
        chosen = screen._current().appeal.appeal_id
        await pilot.press("c")
        await settle(pilot)
        assert sessions("daniel").ws.get("appeals", chosen)["reviewer"] == "daniel"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReviewScreen)
        assert pilot.app.screen.appeal_id == chosen


def _tab_stops(screen) -> list:
    """Focusable widgets that take no input (a scroll container: typing there goes nowhere)."""
    inputs = (OptionList, Select, Input, TextArea, SelectionList, MediaViewer)
    return [w for w in screen.focus_chain if not isinstance(w, inputs)]


async def test_decide_and_batch_have_no_hidden_tab_stop(app, minji, tmp_path):
    import_rows(minji, tmp_path, [report(f"M-{i}", f"M{i}", account="acct_m") for i in (1, 2)])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(DecideScreen(case_for(minji, "S1")))
        await settle(pilot)
        screen = app.screen
        assert _tab_stops(screen) == []
        factors_list = screen.query_one(FactorList)
        factors_list.highlighted = len(FACTORS) - 1
        await pilot.press("tab")  # from the last factor: the next field takes the keys
        assert app.focused is screen.query_one("#action-select")
        await pilot.press("escape")
        await settle(pilot)
        await app.push_screen(BatchScreen("acct_m"))
        await settle(pilot)
        assert _tab_stops(app.screen) == []


async def test_error_box_follows_the_form_after_a_refused_save(app, minji):
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(DecideScreen(cid))
        await settle(pilot)
        screen = app.screen
        screen.form.load(DecisionDraft("remove_content", ["CSS-3"], factors(), REASON))
        await until(pilot, lambda: screen.form.divergence_required)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no_action under CSS-0" in errors(screen)
        screen.query_one(FactorList).set_factors(dict(PROMO))  # now the rubric agrees
        await until(pilot, lambda: "no_action under CSS-0" not in errors(screen))
        assert "no_action under CSS-0" not in errors(screen)
        assert screen.form.problems == [] and minji.ws.count("decisions") == 0
        screen.query_one(FactorList).set_factors(dict(GLAMOUR))  # and now it does not
        await until(pilot, lambda: "geo_block under KR-1" in errors(screen))
        assert "geo_block under KR-1" in errors(screen)


async def test_case_screen_shows_a_batch_decision_without_reload(app, minji, tmp_path):
    import_rows(minji, tmp_path, [report(f"M-{i}", f"M{i}", account="acct_m") for i in (1, 2)])
    first = case_for(minji, "M1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(CaseScreen(first))
        await settle(pilot)
        assert "Not decided yet" in text_of(app.screen, "#case-decision")
        await pilot.press("b")
        await settle(pilot)
        app.screen.query_one("#batch-form").load(
            DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AppealConfirm)
        await pilot.press("n", "escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        decision_id = minji.ws.get("cases", first)["decision_id"]
        assert decision_id in text_of(app.screen, "#case-decision")


async def test_dashboard_counts_a_new_decision_without_reload(session_for):
    lead = session_for("seoyeon")
    cid = case_for(lead, "S1")
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert text_of(pilot.app.screen, "#dashboard-summary").startswith("0 decisions")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.app.push_screen(DecideScreen(cid))
        await settle(pilot)
        pilot.app.screen.form.load(DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON))
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("n")
        await pilot.press("f5")
        await settle(pilot)
        assert text_of(pilot.app.screen, "#dashboard-summary").startswith("1 decisions")


async def test_other_processes_writes_show_up_without_moving_the_cursor(app, minji, ws_path, clock):
    app.POLL_SECONDS = 0.1
    other = Workspace.open(ws_path, clock=clock)  # another process's view of the workspace
    try:
        from appeals_tui.services.session import Session

        daniel = Session.open(other, "daniel", clock=clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            queue = app.screen
            await pilot.press("down")
            here = queue.highlighted_case()
            table = queue.query_one(DataTable)
            last = str(table.coordinate_to_cell_key((table.row_count - 1, 0)).row_key.value)
            cases.claim(daniel, last)
            for _ in range(30):
                await pilot.pause(0.1)
                if "daniel" in table.get_row(last)[1].plain:
                    break
            assert "claimed daniel" in table.get_row(last)[1].plain
            assert queue.highlighted_case() == here
            # an open draft survives another process's write to its own case
            await pilot.press("d")
            await settle(pilot)
            decide = app.screen
            await pilot.press("y", "n")
            cases.claim(daniel, here)
            for _ in range(30):
                await pilot.pause(0.1)
                if "daniel" in text_of(decide, "#decide-subject"):
                    break
            assert "claimed by daniel" in text_of(decide, "#decide-subject")
            assert decide.form.draft().factors == {FACTORS[0]: True, FACTORS[1]: False}
    finally:
        other.close()


async def test_f2_from_a_case_goes_to_the_queue_and_keeps_the_draft(app, minji):
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(CaseScreen(cid))
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and len(app.screen_stack) == 1
        await app.push_screen(DecideScreen(cid))
        await settle(pilot)
        assert app.screen.form.draft().factors == {FACTORS[0]: True}


async def test_policy_rubric_key_and_palette_show_the_rubric(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PolicyScreen)
        tabs = screen.query_one(TabbedContent)
        await pilot.press("g")
        await settle(pilot)
        assert tabs.active == "policy-tab-rubric"
        assert screen.query_one("#policy-rubric").region.height > 0
        await pilot.press("g")  # a second g is not typed into the clause search
        await settle(pilot)
        assert screen.query_one("#policy-search-input", Input).value == ""
        assert tabs.active == "policy-tab-rubric"
        await pilot.press("l")
        await settle(pilot)
        assert tabs.active == "policy-tab-clauses"
        await pilot.press("ctrl+p")
        await pilot.press(*"Show rubric")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert tabs.active == "policy-tab-rubric"


async def test_a_decision_needs_every_factor_answered(app, minji):
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(DecideScreen(cid))
        await settle(pilot)
        screen = app.screen
        screen.form.set_action("geo_block")
        screen.form.set_clauses(["KR-1"])
        screen.query_one("#reasoning").text = REASON
        await pilot.press("y", "n")  # two of ten answered
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "factors: missing answer(s): first_person_provider" in errors(screen)
        assert "depicts_commercial_sex" not in errors(screen)
        assert minji.ws.count("decisions") == 0


async def test_decide_shows_the_caption_media_and_report_reasons(app, minji):
    cid = case_for(minji, "S1")
    case = minji.ws.get("cases", cid)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(DecideScreen(cid))
        await settle(pilot)
        screen = app.screen
        assert case["content_text"] in text_of(screen, "#decide-content")
        assert case["media_description"] in text_of(screen, "#decide-media")
        assert "sexual_services" in text_of(screen, "#decide-reports")
        form = screen.query_one("#decision-form").region
        for selector in ("#decide-content", "#reasoning", "#factor-list"):
            assert form.overlaps(screen.query_one(selector).region), selector


async def test_help_lists_our_keys_once_and_every_footer_key(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        queue = app.screen
        rows = help_rows(queue)
        listed = [k for r in rows for k in r.keys]
        texts = " ".join(r.text for r in rows)
        assert "Page Left" not in texts and "Cursor" not in texts
        assert listed.count("ctrl+p") == 1 and len(listed) == len(set(listed))
        for key in ("n", "p", "?", "f1", "c", "d", "enter"):
            assert key in listed, key
        footer = [
            app.get_key_display(a.binding)
            for a in queue.active_bindings.values()
            if a.binding.show and a.binding.description
        ]
        assert footer and all(k in listed for k in footer), (footer, listed)
        assert {r.group for r in rows} == {"navigate", "act", "screens"}
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "d")  # Decide: its keys and the factor list's, no scroll keys
        await settle(pilot)
        decide = app.screen
        assert isinstance(decide, DecideScreen)
        texts = " ".join(r.text for r in help_rows(decide))
        listed = [k for r in help_rows(decide) for k in r.keys]
        for noise in ("Scroll", "Page Left", "Focus Next", "Copy"):
            assert noise not in texts, noise
        for key in ("y", "n", "ctrl+s", "ctrl+n", "ctrl+g", "esc"):
            assert any(key == k or key.replace("ctrl+", "^") == k for k in listed), (key, listed)


async def test_review_says_the_appeal_window_closes_for_a_future_date(sessions):
    minji = sessions("minji")
    d = removal(minji, "S1")
    a = appeals.file_appeal(minji, d.decision_id, "It is only a story, the ID is a fan page.")
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(ReviewScreen(a.appeal_id))
        await settle(pilot)
        panel = text_of(pilot.app.screen, "#appeal-panel")
        assert "window closed" not in panel and "appeal window closes 2027-" in panel


def test_decisions_service_still_refuses_partial_factors(minji):
    """The rule the factor list relies on lives in the service."""
    import pytest

    from appeals_tui.domain.errors import ValidationError

    draft = DecisionDraft("geo_block", ["KR-1"], {FACTORS[0]: True}, REASON)
    with pytest.raises(ValidationError, match="missing answer"):
        decisions.decide(minji, case_for(minji, "S1"), draft)


async def test_use_guidance_right_after_the_last_answer_takes_the_final_guidance(app, minji):
    """ctrl+g pressed before the debounced live view caught up must not take stale guidance."""
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(DecideScreen(cid))
        await settle(pilot)
        screen = app.screen
        assert screen.guidance is not None and screen.guidance.action == "no_action"
        await pilot.press(*("y" if PROMO[f] else "n" for f in FACTORS), "ctrl+g")
        await settle(pilot)
        draft = screen.form.draft()
        assert (draft.action, draft.clause_ids) == ("remove_content", ["CSS-3"])
        assert app.focused is screen.query_one("#reasoning")
