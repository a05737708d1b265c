"""Noticing other processes' writes: what a screen that stays open polls.

The store picks up other processes' committed writes on every read; a screen that
only shows what it read earlier needs to ask. `poll` is cheap when nothing changed
(a few `stat` calls on the embedded backend).
"""

from __future__ import annotations

from .session import Session

__all__ = ["poll"]


def poll(session: Session) -> bool:
    """True if another process committed writes since this process last looked."""
    return session.ws.refresh()
