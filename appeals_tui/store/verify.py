"""Independent integrity check of a workspace's files.

Why: `verify` must not trust what the running process holds in memory; it
re-reads snapshot and journal from disk, checks every line's checksum, the
journal record order and the audit hash chain, and names the first broken seq.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appeals_tui.store.audit import VerifyResult, check_chain
from appeals_tui.store.journal import JOURNAL, SNAPSHOT, bulk, decode_line

__all__ = ["verify_files"]


def _lines(data: bytes) -> list[bytes]:
    """Complete lines only: an unterminated tail is a torn, unacknowledged append."""
    return data.split(b"\n")[:-1]


def verify_files(directory: Path, acknowledged_seq: int = 0) -> VerifyResult:
    with bulk():
        return _verify(directory, acknowledged_seq)


def _verify(directory: Path, acknowledged_seq: int) -> VerifyResult:
    events: list[dict[str, Any]] = []
    records = 0
    damage: tuple[int, str] | None = None
    soft: str = ""
    snap_path, journal_path = directory / SNAPSHOT, directory / JOURNAL

    snap_lines = _lines(snap_path.read_bytes())
    header: dict[str, Any] = {}
    for lineno, line in enumerate(snap_lines, start=1):
        try:
            obj = decode_line(line)
        except ValueError as exc:
            damage = (len(events) + 1, f"{snap_path}: line {lineno}: {exc}")
            break
        records += 1
        if lineno == 1:
            header = obj
        elif lineno > 2:
            events.append(obj)
    if damage is None and len(snap_lines) < 2:
        damage = (1, f"{snap_path}: truncated (no header or state)")
    listed = header.get("events")
    if damage is None and listed != len(events):
        what = f"{snap_path}: header lists {listed} events, file has {len(events)}"
        if isinstance(listed, int) and listed > len(events):
            what = f"event {len(events) + 1} missing ({what})"
        damage = (len(events) + 1, what)

    if damage is None and journal_path.exists():
        jlines = _lines(journal_path.read_bytes())
        expected_r = 1
        for lineno, line in enumerate(jlines, start=1):
            try:
                obj = decode_line(line)
            except ValueError as exc:
                damage = (len(events) + 1, f"{journal_path}: line {lineno}: {exc}")
                break
            records += 1
            if lineno == 1:
                if obj.get("generation") != header.get("generation"):
                    break  # stale journal, already folded into the snapshot
                continue
            if obj.get("r") != expected_r and not soft:
                soft = f"{journal_path}: line {lineno}: record {obj.get('r')} out of order (expected {expected_r})"
            expected_r += 1
            events.extend(obj.get("events", []))

    broken, problem = check_chain(events)
    if broken is None and damage is not None:
        broken, problem = damage
    if broken is None and soft:
        problem = soft
    if broken is None and not problem and events and events[-1]["seq"] < acknowledged_seq:
        last = events[-1]["seq"]
        broken = last + 1
        problem = f"event {broken} missing (files end at event {last}, event {acknowledged_seq} was acknowledged)"
    if broken is None and not problem and not events and acknowledged_seq:
        broken, problem = 1, f"event 1 missing (no events on disk, {acknowledged_seq} acknowledged)"
    return VerifyResult(not problem, len(events), records, broken, problem)
