"""Policy library screen (F6): clause search, full text with examples and versions, rubric."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from appeals_tui.ui.screens.policy import PolicyScreen

from .conftest import settle


async def test_policy_library_search_detail_and_rubric(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PolicyScreen)
        options = screen.query_one("#policy-clauses", OptionList)
        assert options.option_count == len(minji.library.all_latest())
        await pilot.press("slash", *"KR-1", "enter")
        await pilot.pause()
        assert options.get_option_at_index(0).id == "KR-1"
        detail = str(screen.query_one("#policy-detail", Static).render())
        clause = minji.library.latest("KR-1")
        assert clause.title in detail and "Allowed actions" in detail
        assert clause.examples_covered[0] in detail
        await pilot.press("g")
        await pilot.pause()
        rubric = str(screen.query_one("#policy-rubric", Static).render())
        assert minji.library.factors["contact_means"].question in rubric
        assert minji.library.rules[0].name in rubric
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "QueueScreen"
