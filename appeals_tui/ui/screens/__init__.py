"""The app's top-level screens, one per mode; each module adds its entry to `MAIN_SCREENS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

__all__ = ["MainScreen", "main_screens"]


@dataclass(frozen=True)
class MainScreen:
    """A mode of the app: its name, the key that opens it, and how to build it."""

    mode: str
    title: str
    key: str
    description: str
    factory: Callable[[], Screen[Any]]


def main_screens() -> list[MainScreen]:
    """Every top-level screen, in the order of their function keys."""
    entries: list[MainScreen] = []
    # Each screen module is imported here so the app, help and palette agree.
    from . import appeals_queue, dashboard, history, policy, queue

    entries.extend([queue.ENTRY, appeals_queue.ENTRY, policy.ENTRY, history.ENTRY, dashboard.ENTRY])
    return sorted(entries, key=lambda e: int(e.key.removeprefix("f")))
