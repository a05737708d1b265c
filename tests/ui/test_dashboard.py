"""Dashboard (F5): rates, inconsistent profiles, compare, canonical mark, QA, snapshot."""

from __future__ import annotations

import pytest

from appeals_tui.ui.app import make_app
from appeals_tui.ui.commands import ScreensProvider
from appeals_tui.ui.screens.compare import CompareScreen
from appeals_tui.ui.screens.dashboard import DashboardScreen
from appeals_tui.ui.screens.qa import QAScreen
from appeals_tui.ui.widgets.lead_decision_card import DecisionCard
from tests.leads_data import seed_known
from tests.ui.conftest import settle


async def open_dashboard(pilot) -> DashboardScreen:
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DashboardScreen)
    return pilot.app.screen


def cells(table, key) -> list[str]:
    return [str(c) for c in table.get_row(key)]


async def test_renders_rates_with_counts(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        summary = str(screen.query_one("#dashboard-summary").render())
        assert (
            "5 decisions (+2 by appeal outcomes" in summary
            and "66.7%" in summary
            and "1 inconsistent" in summary
        )
        moderators = screen.query_one("#rates-moderator")
        assert moderators.row_count == 3
        assert cells(moderators, "minji") == [
            "minji",
            "2",
            "1",
            "50.0%",
            "2",
            "1",
            "50.0%",
            "50.0%",
            "0",
        ]
        seoyeon = cells(moderators, "seoyeon")
        assert seoyeon[1:4] == ["0", "0", "—"] and seoyeon[6] == "—" and seoyeon[8] == "3"
        assert cells(screen.query_one("#rates-clause"), "CSS-1")[6] == "100.0%"


async def test_lists_profiles_opens_compare_and_marks_canonical(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        screen.query_one("#dashboard-tabs").active = "tab-profiles"
        await pilot.pause()
        table = screen.query_one("#profiles")
        keys = [k.value for k in table.rows]
        assert keys == ["#1", "#1/D5", "#1/D3", "#1/D2"]
        assert cells(table, "#1")[4] == "3 actions"
        table.focus()
        await pilot.pause()
        info = str(screen.query_one("#profile-info").render())
        assert "restrict_reach×1" in info and "promotion illegal" in info
        await pilot.press("enter")  # on the group header: the whole group side by side
        await settle(pilot)
        compare = pilot.app.screen
        assert isinstance(compare, CompareScreen)
        assert [c.decision_id for c in compare.query(DecisionCard)] == ["D5", "D3", "D2"]
        await pilot.press("right", "m")  # D3 is the one to follow
        await settle(pilot)
        assert lead.ws.get("decisions", "D3")["canonical"] is True
        event = [e for e in lead.ws.events() if e["type"] == "precedent.canonical"][-1]
        assert event["actor"] == "seoyeon" and "D5" in event["payload"]["reason"]
        assert "canonical" in compare.query(DecisionCard)[1].plain_text()
        await pilot.press("escape")
        await settle(pilot)
        assert cells(screen.query_one("#profiles"), "#1/D3")[6] == "★"


async def test_mark_rows_then_compare(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        screen.query_one("#dashboard-tabs").active = "tab-profiles"
        await pilot.pause()
        screen.query_one("#profiles").focus()
        await pilot.press("down", "space", "down", "space", "c")  # D5 (space moves on), D2
        await settle(pilot)
        assert [c.decision_id for c in pilot.app.screen.query(DecisionCard)] == ["D5", "D2"]


async def test_moderators_see_permission_denied(sessions):
    async with make_app(sessions("minji")).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        assert "only lead" in str(screen.query_one("#dashboard-summary").render())
        assert not screen.query_one("#dashboard-tabs").display


async def test_q_opens_qa_and_lead_draws_a_sample(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_dashboard(pilot)
        await pilot.press("q")
        await settle(pilot)
        qa_screen = pilot.app.screen
        assert isinstance(qa_screen, QAScreen)
        qa_screen.query_one("#qa-size").value = "2"
        qa_screen.query_one("#qa-seed").value = "7"
        qa_screen.query_one("#qa-reviewer").value = "daniel"
        await pilot.click("#qa-draw-button")
        await settle(pilot)
        assert qa_screen.query_one("#qa-batches").row_count == 1
        assert lead.ws.count("qa") == 1


async def test_reviewer_answers_blind(sessions):
    from appeals_tui.services import qa

    lead = sessions("seoyeon")
    seed_known(lead.ws)
    batch = qa.draw_sample(lead, 1, seed=7, reviewer="daniel")
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        pilot.app.push_screen(QAScreen())
        await settle(pilot)
        screen = pilot.app.screen
        assert not screen.query_one("#qa-draw").display  # drawing is for leads
        screen.query_one("#qa-batches").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#qa-items").row_count == 1
        screen.query_one("#qa-action").value = "restrict_reach"
        screen.query_one("#qa-clauses").value = "CSS-4"
        screen.query_one("#qa-reasoning").value = "Glamorizing comic without contact or price."
        await pilot.click("#qa-submit")
        await settle(pilot)
        review = lead.ws.get("qa", batch.batch_id)["items"][0]["review"]
        assert review["action"] == "restrict_reach" and review["clause_ids"] == ["CSS-4"]


@pytest.mark.parametrize(
    ("size", "since", "reviewer", "expected"),
    [
        ("abc", "", "daniel", "whole number"),
        ("-5", "", "daniel", "size"),
        ("2", "2026-13-45", "daniel", "2026-13-45"),
        ("2", "", "nobody", "nobody"),
    ],
)
async def test_bad_draw_input_is_refused_in_place(sessions, size, since, reviewer, expected):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        pilot.app.push_screen(QAScreen())
        await settle(pilot)
        screen = pilot.app.screen
        assert pilot.app.focused is screen.query_one("#qa-batches")
        for name, value in (("size", size), ("since", since), ("reviewer", reviewer)):
            screen.query_one(f"#qa-{name}").value = value
        screen.query_one("#qa-reviewer").focus()
        await pilot.press("enter")  # enter in the draw row draws
        await settle(pilot)
        error = screen.query_one("#qa-draw-error")
        assert error.has_class("-visible") and expected in str(error.render())
        assert lead.ws.count("qa") == 0 and pilot.app.is_running


async def test_blind_review_without_action_is_refused_in_place(sessions):
    from appeals_tui.services import qa

    lead = sessions("seoyeon")
    seed_known(lead.ws)
    batch = qa.draw_sample(lead, 1, seed=7, reviewer="daniel")
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        pilot.app.push_screen(QAScreen())
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("enter")
        await settle(pilot)
        screen.query_one("#qa-reasoning").focus()
        await pilot.press(*"Looks fine to me.", "enter")
        await settle(pilot)
        error = str(screen.query_one("#qa-review-error").render())
        assert "action" in error and "Select.NULL" not in error
        assert lead.ws.get("qa", batch.batch_id)["items"][0]["review"] is None


def test_dashboard_snapshot(sessions, snap_compare):
    lead = sessions("seoyeon")
    seed_known(lead.ws)

    async def run_before(pilot) -> None:
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(make_app(lead), terminal_size=(120, 36), run_before=run_before)


async def test_mark_and_compare_only_on_the_profiles_tab(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await open_dashboard(pilot)
        screen = pilot.app.screen

        def footer_actions() -> set[str]:
            return {b.binding.action for b in screen.active_bindings.values() if b.enabled}

        assert "compare" not in footer_actions()  # Rates tab
        await pilot.press("c")
        await settle(pilot)
        assert pilot.app.screen is screen  # nothing compared behind the user's back
        await pilot.press("2")
        await settle(pilot)
        assert {"compare", "toggle_mark"} <= footer_actions()


def test_every_action_has_its_own_chart_marker():
    from appeals_tui.domain.models import Action
    from appeals_tui.ui.widgets.chart_plots import ACTION_MARKERS

    assert set(ACTION_MARKERS) == {a.value for a in Action}
    assert len(set(ACTION_MARKERS.values())) == len(ACTION_MARKERS)


def footer_actions(app) -> set[str]:
    return {
        b.binding.action.split("(", 1)[0]
        for b in app.active_bindings.values()
        if b.enabled and b.binding.show
    }


async def test_lead_keys_are_hidden_from_moderators(sessions):
    async with make_app(sessions("minji")).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        shown = footer_actions(pilot.app)
        assert not shown & {"open_qa", "reload", "tab", "toggle_mark", "compare"}
        await pilot.press("q")
        await settle(pilot)
        assert pilot.app.screen is screen  # the key does nothing, QA is not opened

        names = [n for n, _, _ in ScreensProvider(screen)._commands()]
        assert "QA sampling" not in names and "Reload dashboard" not in names
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        screen = await open_dashboard(pilot)
        assert {"open_qa", "reload", "tab"} <= footer_actions(pilot.app)
        names = [n for n, _, _ in ScreensProvider(screen)._commands()]
        assert "QA sampling" in names


def test_weekly_chart_snapshot_at_80x24(sessions, snap_compare):
    """Stacked bars (no mark hidden under another), whole-number ticks, legend outside."""
    lead = sessions("seoyeon")
    seed_known(lead.ws)

    async def run_before(pilot) -> None:
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        chart = pilot.app.screen.query_one("#chart-weeks")
        legend = str(chart.query_one("#weeks-legend").render())
        plot = chart.query_one("ActionsOverTimePlot")
        assert "remove_content" in legend and legend.strip()
        assert not plot.region.overlaps(chart.query_one("#weeks-legend").region)

    assert snap_compare(make_app(lead), terminal_size=(80, 24), run_before=run_before)


def test_count_ticks_are_whole_numbers():
    from appeals_tui.ui.widgets.chart_plots import count_ticks

    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(10) == [0, 3, 6, 9, 12]
    assert count_ticks(0) == [0, 1]
    assert all(isinstance(t, int) for t in count_ticks(57))
