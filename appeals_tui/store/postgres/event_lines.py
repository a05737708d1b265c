"""Staged events spooled as pieces of their publish COPY lines and canonical JSON.

Why: a staged import chains its events at publish, under the writer lock, from the
head it finds then; making each one there cost ~11 µs of client CPU (read its spooled
JSON back, the canonical JSON of the whole event, its hash, its COPY line with the
jsonb walk), ~0.6 s of a 100k import's publish (its 50k `case.opened` events) while
every other writer waited. An event's canonical JSON is the same bytes around its seq
and prev_hash whatever they turn out to be (audit.event_pieces), and so is its COPY
line around seq, prev_hash and hash (copytext.event_middle): those pieces are made
while staging and `lines` only hashes `head + prev_hash + seq + tail` and joins the
line. An event the pieces cannot say (a float, a lone surrogate, a NUL in `at`) is
spooled as `EventSpool` does and made whole at publish, as before: the same events,
hashes and rows either way (tests/store/postgres/test_pg_event_lines.py).
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from appeals_tui.store import audit
from appeals_tui.store.attest import canonical, record_name
from appeals_tui.store.digester import ENV as DIGESTER_ENV
from appeals_tui.store.digester import Digester
from appeals_tui.store.postgres.copytext import event_line, event_middle, verbatim
from appeals_tui.store.spool import DIGESTS_PER_EVENT, STAGED_RECORDS_EVENT, EventSpool

__all__ = ["LineSpool"]

Doc = dict[str, Any]
#: an entry's header: its kind, then the sizes of its parts
_HEADER = struct.Struct("<BIII")
#: kinds of entries: an event as EventSpool's JSON line, its pieces (head, tail,
#: middle), or a batch of record digests made by the digest helper (its `at`)
_WHOLE, _PIECES, _DIGESTS = 0, 1, 2


class LineSpool(EventSpool):
    """An EventSpool whose events come back as COPY lines (`lines`), for a connection
    that speaks UTF-8 (bulk.fast_text): `chained`'s dicts are not made. Past
    digester.AFTER records, their digests are made by a helper process (store/digester.py)
    where it can start: the spool then keeps each batch's `at` and takes its digests
    from the helper at publish."""

    def __init__(self, actor: str, clock: Callable[[], datetime]) -> None:
        super().__init__(actor, clock)
        self._digester: Digester | None = None
        self._starting: Digester | None = None  # started, not ready yet
        self._may_start = True
        self._records = 0  # digested here
        self._handed = 0  # handed to the helper since its last batch
        self._helpers = False  # the batch under way is the helper's

    def record(self, table: str, key: str, doc: Doc, whole: bytes | None = None) -> None:
        if not self._handed and not self._digests:  # a batch begins: whose is it?
            self._helpers = self._helpers_turn()
        if not self._helpers:
            super().record(table, key, doc, whole)
            self._records += 1
            return
        assert self._digester is not None
        self._digester.add(record_name(table, key), canonical(doc) if whole is None else whole)
        self._handed += 1
        if self._handed >= DIGESTS_PER_EVENT:
            self._cut()

    def _helpers_turn(self) -> bool:
        """Whether the batch beginning now goes to the digest helper: when it is ready
        and has taken what it was handed (else this thread digests it: waiting for the
        helper would cost more than digesting; forced with APPEALS_DIGEST_HELPER=1)."""
        helper = self._digester
        if helper is None:
            if not self._may_start:
                return False
            helper = self._take_helper()
            if helper is None:
                return False
        if os.environ.get(DIGESTER_ENV) == "1":
            helper.catch_up()
            return True
        return not helper.behind()

    def _take_helper(self) -> Digester | None:
        """The digest helper if it is ready to take records now: started once wanted,
        used from the first batch after it says it is ready (its interpreter starts
        meanwhile, ~0.05 s), forgotten if it cannot start or never says so."""
        if self._starting is None:
            if not Digester.wanted(self._records):
                return None
            self._starting = Digester.start()
            if self._starting is None:
                self._may_start = False
                return None
        state = self._starting.ready(wait=os.environ.get(DIGESTER_ENV) == "1")
        if state is False:
            return None
        self._digester = self._starting if state else None
        self._starting, self._may_start = None, False
        return self._digester

    def _cut(self) -> None:
        """The helper's batch so far becomes one "records.imported" event, at this spot
        and with this instant (as `flush_digests` makes one of the spool's own)."""
        assert self._digester is not None
        self._digester.cut()
        at = audit.utc_iso(self._clock()).encode()
        self._put(_HEADER.pack(_DIGESTS, len(at), 0, 0) + at)
        self.count += 1
        self._handed = 0

    def flush_digests(self) -> None:
        super().flush_digests()
        if self._digester is not None and self._handed:
            self._cut()

    def pending(self) -> int:
        return super().pending() + (1 if self._handed else 0)

    def settle(self) -> None:
        """Every digest made: the helper's last batch cut and waited for (StoreError if
        it stopped). Called before the publish takes the writer lock."""
        self.flush_digests()
        if self._digester is not None:
            self._digester.finish()

    def close(self) -> None:
        for helper in (self._digester, self._starting):
            if helper is not None:
                helper.close()
        super().close()

    def _entry(self, at: str, type: str, entity: str, payload: Doc) -> bytes:  # noqa: A002
        pieces = audit.event_pieces(at, self.actor, type, entity, payload)
        middle = None
        if pieces is not None:
            head, tail = pieces
            # the canonical bytes escape (with a backslash) every character COPY text
            # or pgtext would change: without one, nothing needs looking at again
            plain = b"\\" not in head and b"\\" not in tail
            middle = event_middle(at, self.actor, type, entity, payload, plain)
        if pieces is None or middle is None:
            whole = super()._entry(at, type, entity, payload)
            return _HEADER.pack(_WHOLE, len(whole), 0, 0) + whole
        return b"".join(
            (_HEADER.pack(_PIECES, len(head), len(tail), len(middle)), head, tail, middle)
        )

    def chained(self, seq: int, prev_hash: str) -> Iterator[Doc]:
        raise TypeError("a LineSpool's events are published as COPY lines: use lines()")

    def lines(self, seq: int, prev_hash: str) -> Iterator[bytes | Doc]:
        """The spooled events continuing the chain from (seq, prev_hash), in order: each
        one's COPY line (bulk.copy_events' columns), or the event itself where a line
        cannot say it (bulk.copy_events sends it with write_row)."""
        sha256 = hashlib.sha256
        quoted, text = audit.canonical(prev_hash), verbatim(prev_hash)
        for kind, head, tail, middle in self._entries():
            seq += 1
            if kind == _PIECES:
                number = str(seq).encode()
                hashed = sha256(b"".join((head, quoted, b',"seq":', number, tail))).hexdigest()
                line = b"".join((number, middle, text, b"\t", hashed.encode(), b"\n"))
                yield line
            else:
                event = self.chained_event(head, seq, prev_hash)
                hashed = event["hash"]
                yield event_line(event) or event
            # a hex digest: its JSON is itself quoted, its COPY text itself
            prev_hash = hashed
            quoted, text = b'"' + hashed.encode() + b'"', hashed.encode()

    def _entries(self) -> Iterator[tuple[int, bytes, bytes, bytes]]:
        """The spool's entries in order, as (kind, its three parts): a batch of the
        helper's digests made into its event's entry now."""
        self.settle()
        spool = self._rewind()
        read, unpack, size = spool.read, _HEADER.unpack, _HEADER.size
        batches = self._digester.batches() if self._digester is not None else iter(())
        while header := read(size):
            kind, a, b, c = unpack(header)
            if kind != _DIGESTS:
                yield kind, read(a), read(b), read(c)
                continue
            at = read(a).decode()
            digests = next(batches, None)
            assert digests is not None  # as many as were cut (Digester.batches)
            entry = self._entry(at, STAGED_RECORDS_EVENT, "workspace", {"records": digests})
            kind, a, b, c = unpack(entry[:size])
            yield (
                kind,
                entry[size : size + a],
                entry[size + a : size + a + b],
                entry[size + a + b :],
            )
