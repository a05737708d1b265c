"""Command palette entries: every main screen, plus the screen-specific commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import palette_entries

if TYPE_CHECKING:
    from .app import AppealsApp

#: a palette entry: name, help text, what choosing it does
Command = tuple[str, str, Callable[[], Any]]

__all__ = ["ScreensProvider"]


class ScreensProvider(Provider):
    """ "Go to …" for every main screen, and the palette commands the current screen
    declares with its keys (`ui/keys.py`: one declaration feeds footer, help and palette)."""

    def _commands(self) -> list[Command]:
        """Every palette entry: the sections, help, QA, then the current screen's bindings
        marked for the palette (those the screen allows now)."""
        app = cast("AppealsApp", self.app)
        commands: list[Command] = [
            (f"Go to {entry.title}", entry.description, partial(app.action_main, entry.mode))
            for entry in app.main
        ]
        commands.append(("Help", "Keys and what they do here", app.action_help))
        commands.append(
            (
                "QA reviews",
                "Blind re-reviews assigned to you; samples and agreement (leads)",
                self._open_qa,
            )
        )
        # `self.screen` is the screen the palette was opened from; `app.screen` would be
        # the palette itself, which has no commands of its own.
        screen = self.screen
        for name, help_text, action in palette_entries(screen):
            if not screen.check_action(action, ()):
                continue  # the screen hides this action (e.g. lead-only keys for moderators)
            commands.append((name, help_text, partial(screen.run_action, action)))
        return commands

    def _open_qa(self) -> None:
        """Open QA sampling (a palette entry with no key of its own)."""
        from .screens.qa import QAScreen

        self.app.push_screen(QAScreen())

    async def discover(self) -> Hits:
        """All entries, shown before anything is typed."""
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Entries matching what is typed, best first."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
