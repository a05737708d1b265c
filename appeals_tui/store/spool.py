"""What every backend's staging (protocol v5) shares: staged events spooled to disk,
and the digests of staged records put into the chain in bounded batches.

Why: a staged import of a million reports must not hold its records, their
digests or its events in memory, yet once published the chain must cover every
staged record exactly as a transaction's last event covers its writes (attest.py).
Staged events cannot be hashed while staging: they continue the chain from the
head at publish time, which other writers move meanwhile. So they are kept
unchained in a temp file and chained, in order, as they are published.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from appeals_tui.store import audit
from appeals_tui.store.attest import digest, record_name

__all__ = ["EventSpool", "IdCounters", "DIGESTS_PER_EVENT", "STAGED_RECORDS_EVENT"]

Doc = dict[str, Any]

#: staged record digests per "records.imported" event (about 150 bytes each)
DIGESTS_PER_EVENT = 1000
#: the event that carries staged records' digests (payload["records"], as attest.py)
STAGED_RECORDS_EVENT = "records.imported"
_WRITE = 1 << 20


class EventSpool:
    """Unchained events and record digests of one staging, in a temp file.

    `record(table, key, doc)` notes a staged record's digest; every
    DIGESTS_PER_EVENT of them become one "records.imported" event, so the digests
    of a million records are a thousand bounded events, never one huge payload.
    """

    def __init__(self, actor: str, clock: Callable[[], datetime], directory: Path | None = None):
        self.actor, self._clock = actor, clock
        self._file: BinaryIO = tempfile.TemporaryFile(dir=directory, prefix=".events.")  # noqa: SIM115
        #: lines not written yet: written ~1 MB at a time (a write per event, each a
        #: chance for the staging's sender thread to take the GIL, cost ~20 µs an event)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._digests: dict[str, str] = {}
        self.count = 0

    def record(self, table: str, key: str, doc: Doc, whole: bytes | None = None) -> None:
        """Note a staged record's digest (`whole`: its attest.canonical bytes, if made)."""
        self._digests[record_name(table, key)] = digest(doc, whole)
        if len(self._digests) >= DIGESTS_PER_EVENT:
            self.flush_digests()

    def event(self, type: str, entity: str, payload: Doc) -> None:  # noqa: A002
        """An event to chain at publish (its `at` is now, like a transaction's)."""
        at = audit.utc_iso(self._clock())
        self._put(self._entry(at, type, entity, payload))
        self.count += 1

    def _entry(self, at: str, type: str, entity: str, payload: Doc) -> bytes:  # noqa: A002
        """What the spool keeps of an event: written as JSON at once (the bytes a deep
        copy, txn.copy_doc, would have given), read back by `chained`."""
        return orjson.dumps([at, self.actor, type, entity, payload]) + b"\n"

    def _put(self, entry: bytes) -> None:
        self._pending.append(entry)
        self._pending_size += len(entry)
        if self._pending_size >= _WRITE:
            self._write()

    def _write(self) -> None:
        self._file.write(b"".join(self._pending))
        self._pending, self._pending_size = [], 0

    def flush_digests(self) -> None:
        if self._digests:
            digests, self._digests = self._digests, {}
            self.event(STAGED_RECORDS_EVENT, "workspace", {"records": digests})

    def chained(self, seq: int, prev_hash: str) -> Iterator[Doc]:
        """The spooled events as audit events continuing the chain from (seq, prev_hash),
        read back in order a line at a time."""
        for line in self._rewind():
            seq += 1
            event = self.chained_event(line, seq, prev_hash)
            prev_hash = event["hash"]
            yield event

    @staticmethod
    def chained_event(line: bytes, seq: int, prev_hash: str) -> Doc:
        """One spooled line as the audit event at `seq` after `prev_hash`, hashed."""
        at, actor, type_, entity, payload = orjson.loads(line)
        event = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "type": type_,
            "entity": entity,
            "payload": payload,
            "prev_hash": prev_hash,
        }
        event["hash"] = audit.event_hash(event)
        return event

    def _rewind(self) -> BinaryIO:
        """The spool file from its start, every event in it (the digests batched)."""
        self.flush_digests()
        self._write()
        self._file.flush()
        self._file.seek(0)
        return self._file

    def pending(self) -> int:
        """How many events `chained` will yield (the digests not yet batched included)."""
        return self.count + (1 if self._digests else 0)

    def close(self) -> None:
        self._file.close()


class IdCounters:
    """Ids a staging hands out: from each counter's committed value when first used;
    publish checks nobody else moved the counter and commits the last one."""

    def __init__(self, committed: Callable[[str], int]) -> None:
        self._committed = committed
        self.start: dict[str, int] = {}
        self.last: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        if prefix not in self.start:
            self.start[prefix] = self.last[prefix] = self._committed(prefix)
        self.last[prefix] += 1
        return f"{prefix}-{self.last[prefix]:06d}"

    def check(self, now: Callable[[str], int]) -> None:
        """ConflictError if a counter moved since this staging first read it."""
        from appeals_tui.domain.errors import ConflictError

        for prefix, start in self.start.items():
            if now(prefix) != start:
                raise ConflictError(
                    f"ids {prefix}-… were handed out by someone else during this import; "
                    "nothing was saved; run it again"
                )
