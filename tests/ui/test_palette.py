"""Command palette (ctrl+p): every main screen, help, and the current screen's own commands."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from appeals_tui.ui.keys import Key, palette_entries
from appeals_tui.ui.screens.queue import QueueScreen
from tests.conftest import case_for

from .conftest import settle


def offered(pilot) -> list[str]:
    commands = pilot.app.screen.query_one(CommandList)
    return [
        str(commands.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(commands.option_count)
    ]


async def test_palette_offers_main_screens_and_the_current_screens_commands(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CommandPalette)
        names = offered(pilot)
        for title in ("Queue", "Appeals", "History", "Dashboard", "Policy"):
            assert f"Go to {title}" in names
        assert "Help" in names
        for command, *_ in palette_entries(QueueScreen):
            assert command in names


async def test_a_screen_command_from_the_palette_runs_on_that_screen(app, minji):
    cid = case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Claim case")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)
        assert minji.ws.get("cases", cid)["assignee"] == "minji"


async def test_every_screen_with_palette_commands_names_real_actions(app):
    """A palette entry must name an action the screen has (else it silently does nothing)."""
    import importlib
    import pkgutil

    import appeals_tui.ui.screens as screens
    from appeals_tui.ui.base import AppealsScreen

    checked = 0
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"appeals_tui.ui.screens.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, AppealsScreen) and "BINDINGS" in vars(obj):
                for name, _help, action in palette_entries(obj):
                    method = action.split("(", 1)[0]
                    assert hasattr(obj, f"action_{method}"), (obj.__name__, name)
                    checked += 1
    assert checked >= 20


async def test_qa_reviews_reachable_from_the_palette_for_moderators(app, minji):
    from appeals_tui.ui.screens.qa import QAScreen

    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert "QA reviews" in offered(pilot)
        await pilot.press(*"QA reviews")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, QAScreen)


def test_keys_are_declared_once_per_screen():
    """Footer, help and palette come from one declaration: no screen keeps a parallel
    PALETTE list, and every palette command with a key is that key's own entry."""
    import importlib
    import pkgutil

    import appeals_tui.ui.screens as screens
    from appeals_tui.ui.base import AppealsScreen

    with_palette = 0
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"appeals_tui.ui.screens.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, AppealsScreen):
                assert "PALETTE" not in vars(obj), obj.__name__
                keyed = {b.action for b in vars(obj).get("BINDINGS", ())}
                only = {action for _n, _h, action in vars(obj).get("PALETTE_ONLY", ())}
                assert not keyed & only, (obj.__name__, keyed & only)
                with_palette += any(
                    isinstance(b, Key) and b.palette for b in vars(obj).get("BINDINGS", ())
                )
    assert with_palette >= 10
