"""The footer (widgets/footer.py): each screen's keys, rebuilt when they change and only then."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets._footer import FooterKey

from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.screens.dashboard import DashboardScreen
from appeals_tui.ui.screens.queue import QueueScreen
from appeals_tui.ui.widgets.footer import AppFooter
from tests.conftest import case_for
from tests.leads_data import seed_known

from .conftest import settle, until

CASE_KEYS = {"Back", "Claim", "Decide", "Escalate", "Note", "Work account", "Notice", "Reload"}


def keys(screen) -> list[str]:
    """The descriptions the screen's footer shows, left to right."""
    return [k.description for k in screen.query_one(Footer).query(FooterKey)]


async def test_case_footer_has_the_case_keys_and_the_queue_footer_is_kept(app, minji):
    case_for(minji, "S1")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.total > 0)
        queue = app.screen
        shown = list(queue.query_one(Footer).query(FooterKey))
        assert {"Claim", "Decide", "Sort"} <= {k.description for k in shown}

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.view)
        case = app.screen
        assert CASE_KEYS <= set(keys(case)) and "Open" not in keys(case)
        # drawn on the bottom line at 80x24 too (the first keys fit)
        back = next(k for k in case.query_one(Footer).query(FooterKey) if k.description == "Back")
        assert back.region.y == 23 and back.region.width and back.region.right <= 80

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue
        # pushing and popping the case screen changed none of the queue's keys: its
        # footer was not rebuilt (Textual's rebuilds it twice, as many key widgets each)
        assert list(queue.query_one(Footer).query(FooterKey)) == shown


async def test_footer_follows_focus(app, minji):
    case_for(minji, "S1")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.total > 0)
        queue = app.screen
        assert "Claim" in keys(queue)
        # an input consumes letters: `c` types into the filter, so Claim leaves the footer
        queue.query_one(Input).focus()
        await settle(pilot)
        assert "Claim" not in keys(queue) and "Quit" in keys(queue)
        queue.query_one(DataTable).focus()
        await settle(pilot)
        assert "Claim" in keys(queue)


async def test_footer_follows_the_screen_state(sessions):
    lead = sessions("seoyeon")
    seed_known(lead.ws)
    async with make_app(lead).run_test(size=(120, 36)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen)
        # mark and compare act on the profiles table: shown only on its tab
        assert "Mark" not in keys(dashboard)
        await pilot.press("2")
        await settle(pilot)
        assert {"Mark", "Compare"} <= set(keys(dashboard))
        await pilot.press("1")
        await settle(pilot)
        assert "Mark" not in keys(dashboard) and "Rates" in keys(dashboard)


class LateScreen(Screen[None]):
    """A screen whose `check_action` reads a widget its `on_mount` adds."""

    BINDINGS = [Binding("x", "poke", "Poke")]

    def compose(self) -> ComposeResult:
        yield Container(id="box")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#box").mount(Static("late", id="late"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.query_one("#late") is not None if action == "poke" else True


async def test_footer_waits_for_a_screen_that_is_not_ready_when_it_composes():
    """The footer composes before its screen's `on_mount`: a `check_action` that reads
    what `on_mount` adds fails then; the keys come once the screen has refreshed."""

    class LateApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(LateScreen())

    app = LateApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, LateScreen) and "Poke" in keys(app.screen)
