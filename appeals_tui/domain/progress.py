"""The progress callback long operations take, so the CLI and the TUI can show it.

Services and the store call `progress(done, total, phase)` now and then (never per item in
a hot loop); the caller decides how to show it. The same call is where a Ctrl-C lands:
a callback may raise KeyboardInterrupt, so operations call it only where stopping is safe
(before anything is committed, or while only a temporary file is being written).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "EVERY"]

#: How many items a loop handles between calls: often enough for a smooth bar, rare enough
#: to cost nothing.
EVERY = 500


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        """`done` of `total` (None: not known yet) in the current `phase` (a short verb)."""
