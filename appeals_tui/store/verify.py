"""Independent integrity check of a workspace's files.

Why: `verify` must not trust what the running process holds in memory; it
re-reads snapshot and journal from disk, checks every line's checksum, the
journal record order and the audit hash chain, and names the first broken seq.
Then it replays the record digests the chain carries (attest.py) and compares
them with every record and meta value on disk, naming the first divergence by
table, id and field: an edited, added or deleted record is found even when its
line's checksum was fixed up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appeals_tui.domain.progress import EVERY, Progress
from appeals_tui.store.attest import META_TABLE, digest, divergence, record_name
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
    """`progress(bytes_read, total_bytes, "verifying")` as the files are read, then the
    chain (read only: stopping anywhere changes nothing)."""
    with bulk():
        return _verify(directory, acknowledged_seq, progress)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class _Scan:
    """What one pass over the files found."""

    events: list[dict[str, Any]]
    records: int
    damage: tuple[int, str] | None
    soft: str
    state: _State


def _verify(directory: Path, acknowledged_seq: int, progress: Progress | None) -> VerifyResult:
    scan = _scan(directory, "", progress)
    events, damage, soft = scan.events, scan.damage, scan.soft
    broken, problem = check_chain(events, progress)
    if progress:
        progress(len(events), len(events), "checking the chain")
    if broken is None and damage is not None:
        broken, problem = damage
    where: tuple[str, str, str] | None = None
    if broken is None and not soft:

        def reread(name: str) -> Any:  # only digests were kept: read one doc again
            return _scan(directory, name).state.captured

        found = scan.state.compare(events, reread)
        if found is not None:
            broken, problem, where = found
    if broken is None and soft:
        problem = soft
    if broken is None and not problem and events and events[-1]["seq"] < acknowledged_seq:
        last = events[-1]["seq"]
        broken = last + 1
        problem = f"event {broken} missing (files end at event {last}, event {acknowledged_seq} was acknowledged)"
    if broken is None and not problem and not events and acknowledged_seq:
        broken, problem = 1, f"event 1 missing (no events on disk, {acknowledged_seq} acknowledged)"
    result = VerifyResult(not problem, len(events), scan.records, broken, problem)
    if events:
        result.head = f"{events[-1].get('seq')}:{events[-1].get('hash')}"
    if where is not None:
        result.table, result.record, result.field = where
    return result


def _scan(directory: Path, capture: str, progress: Progress | None = None) -> _Scan:
    events: list[dict[str, Any]] = []
    records = 0
    damage: tuple[int, str] | None = None
    soft: str = ""
    snap_path, journal_path = directory / SNAPSHOT, directory / JOURNAL

    header: dict[str, Any] = {}
    bounds: dict[int, int] = {}
    first_event, lineno = 3, 0
    state = _State(capture)
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
                    state.sections(header)
                elif lineno >= first_event:
                    events.append(obj)
                else:
                    state.snapshot_line(lineno, obj)
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
            state.journal_record(obj)
    if progress:
        progress(total, total, "verifying")
    return _Scan(events, records, damage, soft, state)


class _State:
    """Digests of the records and meta values the files hold, in file order."""

    def __init__(self, capture: str = "") -> None:
        self.digests: dict[str, str] = {}  # name -> digest (the docs are not kept)
        self.capture, self.captured = capture, None
        self.tables: list[tuple[int, int, str]] = []  # (first line, count, table)

    def sections(self, header: dict[str, Any]) -> None:
        found = (header.get("tables") or {}).items()
        self.tables = sorted((sec[1], sec[0], name) for name, sec in found)

    def _table_at(self, lineno: int) -> str | None:
        for first, count, name in self.tables:
            if first <= lineno < first + count:
                return name
        return None

    def _put(self, table: str, key: Any, value: Any) -> None:
        name = record_name(table, str(key))
        self.digests[name] = digest(value)
        if name == self.capture:
            self.captured = value

    def snapshot_line(self, lineno: int, obj: Any) -> None:
        if lineno == 2:
            for key, value in (obj.get("meta") or {}).items():
                self._put(META_TABLE, key, value)
            for table, docs in (obj.get("tables") or {}).items():  # format 1
                for key, doc in docs.items():
                    self._put(table, key, doc)
            return
        table = self._table_at(lineno)
        if table is not None and isinstance(obj, list) and len(obj) == 2:
            self._put(table, obj[0], obj[1])

    def journal_record(self, rec: dict[str, Any]) -> None:
        for op in rec.get("ops", []):
            if op[0] == "put":
                self._put(op[1], op[2], op[3])
            elif op[0] == "meta":
                self._put(META_TABLE, op[1], op[2])

    def compare(
        self, events: list[dict[str, Any]], reread: Callable[[str], Any]
    ) -> tuple[int, str, tuple[str, str, str]] | None:
        """(seq, problem, (table, id, field)) of the first record unlike the chain."""
        expected: dict[str, tuple[str, int]] = {}
        for ev in events:
            for name, value in ((ev.get("payload") or {}).get("records") or {}).items():
                expected[name] = (value, ev.get("seq", 0))
        if not expected:
            return None  # schema 1 files, never opened by a program that attests records
        for name, have in self.digests.items():
            table, _, key = name.partition("/")
            want = expected.get(name)
            if want is None and table == META_TABLE:
                continue  # written by create() before the chain began (schema_version)
            if want is None:
                return (
                    len(events) + 1,
                    f"{table} {key}: not in the audit chain (added outside the app?)",
                    (table, key, ""),
                )
            if have != want[0]:
                what = divergence(reread(name), want[0])
                field = what.split("'")[1] if what.startswith("field '") else ""
                return (
                    want[1],
                    f"{table} {key}: {what} (last written at event {want[1]})",
                    (table, key, field),
                )
        for name, (_, seq) in expected.items():
            if name not in self.digests:
                table, _, key = name.partition("/")
                return (
                    seq,
                    f"{table} {key}: missing (deleted?); the audit chain has it at event {seq}",
                    (table, key, ""),
                )
        return None
