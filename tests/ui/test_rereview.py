"""Policy screen impact view, publish from the TUI, and the re-review queue (Pilot)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, OptionList, Static, TextArea

from appeals_tui.paths import data_dir
from appeals_tui.services import demo
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.compare import CompareScreen
from appeals_tui.ui.screens.policy import PolicyScreen
from appeals_tui.ui.screens.rereview import RereviewScreen
from appeals_tui.ui.widgets.dialogs import TextPrompt
from appeals_tui.ui.widgets.factor_checklist import FactorChecklist
from appeals_tui.ui.widgets.supersede_dialog import SupersedeDialog

from .conftest import settle

DRAFT = str(data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json")


@pytest.fixture
def demo_ws(tmp_path):
    path = tmp_path / "demo"
    demo.build_demo(path)
    ws = Workspace.open(path)
    yield ws
    ws.close()


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def check_impact(pilot, path: str) -> PolicyScreen:
    await pilot.press("f6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PolicyScreen)
    await pilot.press("i")
    draft_input = screen.query_one("#policy-draft-input", Input)
    assert draft_input.has_focus
    draft_input.value = path
    await pilot.press("enter")
    await settle(pilot)
    return screen


async def test_impact_view_groups_counts_and_opens_samples_without_changing_anything(demo_ws):
    lead = Session.open(demo_ws, "seoyeon")
    head = demo_ws.head()
    async with make_app(lead).run_test(size=(160, 48)) as pilot:
        screen = await check_impact(pilot, "/no/such/draft.json")
        assert "no such draft file" in text_of(screen, "#policy-impact")
        screen = await check_impact(pilot, DRAFT)
        summary = text_of(screen, "#policy-impact")
        assert "2 of 24 standing decisions would get different guidance" in summary
        assert "restrict_reach → remove_content (CSS-4): 1" in summary
        assert "Per clause applied (the decisions' own clauses): CSS-4 1, CSS-8 1" in summary
        table = screen.query_one("#policy-impact-table", DataTable)
        assert table.row_count == 2 and table.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CompareScreen)
        await pilot.press("escape")
        await settle(pilot)
    assert demo_ws.head() == head


async def test_publish_then_confirm_and_supersede_from_the_queue(demo_ws):
    lead = Session.open(demo_ws, "seoyeon")
    async with make_app(lead).run_test(size=(160, 48)) as pilot:
        screen = await check_impact(pilot, DRAFT)
        await pilot.press("P")
        await settle(pilot)
        prompt = pilot.app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one(TextArea).text = "짧음"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "reason: required" in text_of(prompt, "#prompt-error")
        assert lead.library.library_version == "2026.06-1"
        prompt.query_one(
            TextArea
        ).text = "12월부터 성매매를 미화하는 서사는 삭제합니다. Removed from December."
        await pilot.press("ctrl+s")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, RereviewScreen)
        assert "policy library 2026.12-draft: 0 of 2 done" in text_of(queue, "#rereview-summary")
        clauses = screen.query_one("#policy-clauses", OptionList)
        shown = [str(clauses.get_option_at_index(i).prompt) for i in range(clauses.option_count)]
        assert any(s.startswith("CSS-4 v3") for s in shown)  # the Policy screen follows
        table = queue.query_one("#rereview-table", DataTable)
        assert table.row_count == 2
        first = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await pilot.press("c")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, TextPrompt)
        confirm.query_one(
            TextArea
        ).text = "탈출을 그린 이야기라서 결정을 유지합니다. It shows leaving."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 of 2 done" in text_of(queue, "#rereview-summary")
        assert demo_ws.get("decisions", first)["superseded_by"] is None
        await pilot.press("c")  # already confirmed: a warning, no prompt
        await settle(pilot)
        assert pilot.app.screen is queue
        await pilot.press("down", "s")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, SupersedeDialog)
        second = dialog.item.decision_id
        dialog.query_one(
            "#supersede-reasoning", TextArea
        ).text = "CSS-4 v3에 따라 미화 서사는 삭제합니다. Removed under v3."
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = text_of(dialog, "#supersede-error")
        assert error.startswith("divergence_reason: required")
        divergence = dialog.query_one("#supersede-divergence", Input)
        assert divergence.has_focus
        divergence.value = "The confirmed twin shows an exit; this one glamorizes the money."
        # the factor editor starts from the decision's answers; a lead changes one
        checklist = dialog.query_one(FactorChecklist)
        old_factors = demo_ws.get("decisions", second)["factors"]
        assert checklist.factors == old_factors
        box = dialog.query_one("#factor-location_details")
        box.scroll_visible(animate=False)
        await settle(pilot)
        await pilot.click(box)
        await settle(pilot)
        assert checklist.factors["location_details"] is not old_factors["location_details"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert "2 of 2 done" in text_of(queue, "#rereview-summary")
        new_id = demo_ws.get("decisions", second)["superseded_by"]
        new = demo_ws.get("decisions", new_id)
        assert new["library_version"] == "2026.12-draft" and new["action"] == "remove_content"
        changed = {k for k in old_factors if new["factors"][k] != old_factors[k]}
        assert changed == {"location_details"}


async def test_moderators_see_why_not(demo_ws):
    minji = Session.open(demo_ws, "minji")
    async with make_app(minji).run_test(size=(80, 24)) as pilot:
        screen = await check_impact(pilot, DRAFT)
        assert "only leads may see a policy draft's impact" in text_of(screen, "#policy-impact")
        screen.query_one("#policy-impact-table", DataTable).focus()
        await pilot.press("R")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, RereviewScreen)
        assert "only leads may see the re-review queue" in text_of(queue, "#rereview-summary")
