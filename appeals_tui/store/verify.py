"""Independent integrity check of a workspace's files.

Why: `verify` must not trust what the running process holds in memory; it
re-reads snapshot and journal from disk, checks every line's checksum, the
journal record order and the audit hash chain, and names the first broken seq.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from appeals_tui.domain.progress import EVERY, Progress
from appeals_tui.store.audit import VerifyResult, check_chain
from appeals_tui.store.journal import JOURNAL, SNAPSHOT, bulk, decode_line
from appeals_tui.store.lazy import line_chunks

__all__ = ["verify_files"]


_MOVED = "not where the header's table of contents says (lines added or removed?)"


def _layout(header: dict[str, Any]) -> tuple[int, dict[int, int]]:
    """First event line, and line number -> offset of each section start (format 2)."""
    if header.get("snapshot") != 2:
        return 3, {}
    sections = header.get("tables") or {}
    first_event = 3 + sum(sec[0] for sec in sections.values())
    bounds = {sec[1]: sec[2] for sec in sections.values()}
    bounds[first_event] = header.get("events_at", -1)
    return first_event, bounds


def _lines(data: bytes) -> list[bytes]:
    """Complete lines only: an unterminated tail is a torn, unacknowledged append."""
    return data.split(b"\n")[:-1]


def verify_files(
    directory: Path, acknowledged_seq: int = 0, progress: Progress | None = None
) -> VerifyResult:
    """`progress(bytes_read, total_bytes, "verifying")` as the files are read (read only:
    stopping anywhere changes nothing)."""
    with bulk():
        return _verify(directory, acknowledged_seq, progress)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _verify(directory: Path, acknowledged_seq: int, progress: Progress | None) -> VerifyResult:
    events: list[dict[str, Any]] = []
    records = 0
    damage: tuple[int, str] | None = None
    soft: str = ""
    snap_path, journal_path = directory / SNAPSHOT, directory / JOURNAL

    header: dict[str, Any] = {}
    first_event, bounds, lineno = 3, {}, 0
    total = _size(snap_path) + _size(journal_path)
    if progress:
        progress(0, total, "verifying")
    with open(snap_path, "rb") as fh:  # streamed: the snapshot may be hundreds of MB
        for pos, lines in line_chunks(fh, 0, os.fstat(fh.fileno()).st_size):
            if progress:
                progress(pos, total, "verifying")
            for line in lines:
                lineno += 1
                if bounds.get(lineno, pos) != pos:
                    damage = (len(events) + 1, f"{snap_path}: line {lineno}: {_MOVED}")
                    break
                pos += len(line) + 1
                try:
                    obj = decode_line(line)
                except ValueError as exc:
                    damage = (len(events) + 1, f"{snap_path}: line {lineno}: {exc}")
                    break
                records += 1
                if lineno == 1:
                    header = obj
                    first_event, bounds = _layout(header)
                elif lineno >= first_event:
                    events.append(obj)
            if damage is not None:
                break
    if damage is None and lineno < 2:
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
        done = _size(snap_path)
        for lineno, line in enumerate(jlines, start=1):
            done += len(line) + 1
            if progress and lineno % EVERY == 0:
                progress(done, total, "verifying")
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

    if progress:
        progress(total, total, "verifying")
    broken, problem = check_chain(events, progress)
    if progress:
        progress(len(events), len(events), "checking the chain")
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
