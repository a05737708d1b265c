"""Batch: one draft, one decision per checked case of the account; failures reported per case."""

from __future__ import annotations

from textual.widgets import SelectionList, Static

from appeals_tui.services import cases, notices
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.ui.screens.batch import BatchScreen
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.screens.notice import NoticeScreen
from appeals_tui.ui.widgets.appeal_dialogs import AppealConfirm
from tests.conftest import GLAMOUR, case_for, report

from .conftest import import_rows, settle

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


async def open_batch(pilot, case_id: str) -> BatchScreen:
    """From the case screen, `b` works the whole account."""
    await settle(pilot)
    await pilot.app.push_screen(CaseScreen(case_id))
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BatchScreen)
    return pilot.app.screen


async def test_batch_decides_each_case_and_reports_conflicts(app, minji, session_for, tmp_path):
    rows = [report(f"M-{i}", f"M{i}", account="acct_multi") for i in range(1, 4)]
    import_rows(minji, tmp_path, rows)
    first, second, third = (case_for(minji, f"M{i}") for i in range(1, 4))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_batch(pilot, first)
        listing = screen.query_one(SelectionList)
        assert set(listing.selected) == {first, second, third}
        screen.query_one("#batch-form").load(
            DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
        )
        cases.claim(session_for("daniel"), third)  # taken by someone else meanwhile
        await pilot.press("ctrl+s")
        await settle(pilot)
        results = str(screen.query_one("#batch-results", Static).render())
        assert f"{first}  saved" in results and f"{second}  saved" in results
        assert f"{third}  not saved" in results
        decided = {d["case_id"] for d in minji.ws.all("decisions")}
        assert decided == {first, second}
        assert len({d["decision_id"] for d in minji.ws.all("decisions")}) == 2
        assert listing.option_count == 1  # only the conflicting case is left


async def test_batch_prefills_from_the_case_draft(app, minji):
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(CaseScreen(cid))
        await settle(pilot)
        app.screen.draft = DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
        await pilot.press("b")
        await settle(pilot)
        form = app.screen.query_one("#batch-form")
        assert form.draft().reasoning == REASON and form.draft().clause_ids == ["KR-1"]
        await pilot.press("escape")
        assert isinstance(app.screen, CaseScreen)


async def test_batch_list_has_focus_and_space_unchecks_the_first_case(app, minji, tmp_path):
    rows = [report(f"M-{i}", f"M{i}", account="acct_multi") for i in range(1, 3)]
    import_rows(minji, tmp_path, rows)
    first, second = (case_for(minji, f"M{i}") for i in range(1, 3))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(CaseScreen(first))
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        listing = app.screen.query_one(SelectionList)
        assert app.focused is listing
        assert str(listing.render_line(0).text).startswith("▐yes▌")
        await pilot.press("space")  # no Down needed first: a case is highlighted
        await pilot.pause()
        assert set(listing.selected) == {first, second} - {listing.get_option_at_index(0).value}
        assert str(listing.render_line(0).text).startswith("▐no ▌")


async def test_batch_offers_the_notices_of_its_decisions_one_after_another(app, minji, tmp_path):
    rows = [report(f"N-{i}", f"N{i}", account="acct_notices") for i in range(1, 3)]
    import_rows(minji, tmp_path, rows)
    first = case_for(minji, "N1")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_batch(pilot, first)
        screen.query_one("#batch-form").load(
            DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        made = [
            d["decision_id"] for d in sorted(minji.ws.all("decisions"), key=lambda d: d["case_id"])
        ]
        assert len(made) == 2 and sorted(screen.made) == sorted(made)
        assert isinstance(app.screen, AppealConfirm)
        await pilot.press("y")
        await settle(pilot)
        seen = []
        for n in (1, 2):
            notice = app.screen
            assert isinstance(notice, NoticeScreen) and notice.sub_title.endswith(f"{n} of 2")
            seen.append(notice.decision_id)
            if n == 1:
                await pilot.press("ctrl+s")  # send the first, skip the second for now
                await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
        assert seen == screen.made and app.screen is screen
        assert notices.notices_for(minji, seen[0])[0].sent
        assert notices.notices_for(minji, seen[1]) == []
        await pilot.press("ctrl+n")  # the owed notices can be reopened from the batch
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.decision_id == seen[0]
