"""Helpers shared by the embedded workspace's store tests (a module of its own name:
`conftest` is ambiguous once tests/store/contract/ has one too)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from appeals_tui.store import Workspace
from appeals_tui.store.journal import JOURNAL, decode_line, encode_line


def fixed_clock() -> Callable[[], datetime]:
    ticks = itertools.count()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))


def journal_lines(path: Path) -> list[bytes]:
    """The journal's complete lines (without newlines)."""
    return (path / JOURNAL).read_bytes().split(b"\n")[:-1]


def write_journal_lines(path: Path, lines: list[bytes]) -> None:
    (path / JOURNAL).write_bytes(b"".join(line + b"\n" for line in lines))


def reencode(line: bytes, edit: Callable[[dict], None]) -> bytes:
    """Decode a line, let `edit` change it, re-encode with a valid checksum."""
    obj = decode_line(line)
    edit(obj)
    return encode_line(obj)[:-1]


def add_cases(ws: Workspace, n: int, actor: str = "alice") -> list[str]:
    """n transactions, each inserting a case and logging an event."""
    keys = []
    for _ in range(n):
        with ws.transaction(actor) as txn:
            key = txn.next_id("C")
            txn.insert("cases", key, {"status": "open", "title": f"case {key}"})
            txn.event("case.opened", key, {"title": f"case {key}"})
        keys.append(key)
    return keys
