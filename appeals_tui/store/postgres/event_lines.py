"""Staged events spooled as pieces of their publish COPY lines and canonical JSON.

Why: a staged import chains its events at publish, under the writer lock, from the
head it finds then; making each one there cost ~11 µs of client CPU (read its spooled
JSON back, the canonical JSON of the whole event, its hash, its COPY line with the
jsonb walk), ~0.6 s of a 100k import's publish (its 50k `case.opened` events) while
every other writer waited. An event's canonical JSON is the same bytes around its seq
and prev_hash whatever they turn out to be (audit.event_pieces), and so is its COPY
line around seq, prev_hash and hash (copytext.event_middle): those pieces are made
while staging and `lines` only hashes `head + prev_hash + seq + tail` and joins the
line. An event either cannot say (a float, a lone surrogate, a NUL in `at`) is spooled
as `EventSpool` does and made whole at publish, as before: the same events, hashes and
rows either way (tests/store/postgres/test_pg_event_lines.py).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import Any

import orjson

from appeals_tui.store import audit
from appeals_tui.store.postgres.copytext import event_line, event_middle, verbatim
from appeals_tui.store.spool import EventSpool

__all__ = ["LineSpool"]

Doc = dict[str, Any]
#: an entry's header: its kind, then the sizes of its parts
_HEADER = struct.Struct("<BIII")
#: kinds of entries: an event as EventSpool's JSON line, or its pieces (head, tail, middle)
_WHOLE, _PIECES = 0, 1


class LineSpool(EventSpool):
    """An EventSpool whose events come back as COPY lines (`lines`), for a connection
    that speaks UTF-8 (bulk.fast_text): `chained`'s dicts are not made."""

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
        spool = self._rewind()
        read, unpack, size = spool.read, _HEADER.unpack, _HEADER.size
        sha256 = hashlib.sha256
        quoted, text = audit.canonical(prev_hash), verbatim(prev_hash)
        while header := read(size):
            kind, a, b, c = unpack(header)
            seq += 1
            if kind == _PIECES:
                head, tail, middle = read(a), read(b), read(c)
                number = str(seq).encode()
                hashed = sha256(b"".join((head, quoted, b',"seq":', number, tail))).hexdigest()
                line = b"".join((number, middle, text, b"\t", hashed.encode(), b"\n"))
                yield line
            else:
                event = self._whole(read(a), seq, prev_hash)
                hashed = event["hash"]
                yield event_line(event) or event
            # a hex digest: its JSON is itself quoted, its COPY text itself
            prev_hash = hashed
            quoted, text = b'"' + hashed.encode() + b'"', hashed.encode()

    @staticmethod
    def _whole(line: bytes, seq: int, prev_hash: str) -> Doc:
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
