"""Noticing changes: what a screen that stays open compares to know it is stale.

Every committed write (ours, or another process's) appends an audit event, so the
head of the audit chain is a change counter. Reading it first picks up other
processes' writes; on the embedded backend that is a few `stat` calls when nothing
changed.
"""

from __future__ import annotations

from .session import Session

__all__ = ["change_counter"]


def change_counter(session: Session) -> int:
    """The sequence number of the last committed change (grows with every write)."""
    return session.ws.head().seq
