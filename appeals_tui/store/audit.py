"""SHA-256 hash-chained audit events: hashing and chain checking, pure functions.

Why: moderators' decisions are contestable, so the history must be tamper
evident. Each event's hash covers its canonical JSON (without "hash") including
the previous event's hash; editing, removing or reordering any event breaks the
chain at a seq we can name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from appeals_tui.domain.progress import EVERY, Progress

__all__ = [
    "GENESIS",
    "VerifyResult",
    "canonical",
    "event_hash",
    "event_pieces",
    "make_event",
    "check_chain",
    "parse_head",
    "check_head",
]

GENESIS = "0" * 64


@dataclass
class VerifyResult:
    """Outcome of Workspace.verify(); `problem` is a sentence for the user ("" when ok)."""

    ok: bool
    events_checked: int
    records_checked: int
    first_broken_seq: int | None
    problem: str
    #: "SEQ:HASH" of the last event on disk ("" when there is none)
    head: str = ""
    #: where a record diverges from the chain (table, id, field; "" when unknown)
    table: str = ""
    record: str = ""
    field: str = ""


def canonical(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: reproducible with any JSON library.

    The definition is the stdlib's text below. orjson writes the very same bytes for
    text, whole numbers, booleans, null, lists and dicts with text keys (same escapes
    and key order for every code point: tests/store/test_audit_canonical.py) ~30x
    faster, which a staged import's thousand-digest events need; anything else (a
    float, a subclass, a non-text key, a lone surrogate) is left to the stdlib."""
    if _orjson_safe(obj):
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # e.g. a lone surrogate: the stdlib's own outcome below
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _orjson_safe(value: Any) -> bool:
    """Only exact JSON types whose orjson text is the stdlib's (no floats: their repr
    differs, e.g. 1e+16 vs 1e16)."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-(2**63) <= value < 2**63)
    if kind is dict:  # loops, not all(generator): every published event is walked
        for key, item in value.items():
            if type(key) is not str or not _orjson_safe(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if not _orjson_safe(item):
                return False
        return True
    return False


def event_pieces(
    at: str,
    actor: str,
    event_type: str,
    entity: str,
    payload: Any,
) -> tuple[bytes, bytes] | None:
    """(head, tail) of the canonical JSON of the event with these fields, whatever its
    seq and prev_hash: `canonical(event) == head + canonical(prev_hash) + b',"seq":' +
    canonical(seq) + tail` (its keys sorted: actor, at, entity, payload, prev_hash, seq,
    type). None where `canonical` would not write the event with orjson (a float, a
    subclass, a lone surrogate): then it is made whole once seq and prev_hash are known.

    Why: a staged import's events are chained at publish, under the writer lock; their
    canonical bytes around seq and prev_hash are made while staging instead
    (store/postgres/event_lines.py)."""
    if not (
        type(at) is str
        and type(actor) is str
        and type(event_type) is str
        and type(entity) is str
        and _orjson_safe(payload)
    ):
        return None
    dumps = orjson.dumps
    try:
        head = b"".join(
            (
                b'{"actor":',
                dumps(actor),
                b',"at":',
                dumps(at),
                b',"entity":',
                dumps(entity),
                b',"payload":',
                dumps(payload, option=orjson.OPT_SORT_KEYS),
                b',"prev_hash":',
            )
        )
        tail = b',"type":' + dumps(event_type) + b"}"
    except orjson.JSONEncodeError:
        return None  # e.g. a lone surrogate
    return head, tail


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in event.items() if k != "hash"})).hexdigest()


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def make_event(
    *,
    seq: int,
    at: datetime,
    actor: str,
    type: str,  # noqa: A002 - the field is called "type" in the event
    entity: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    event = {
        "seq": seq,
        "at": utc_iso(at),
        "actor": actor,
        "type": type,
        "entity": entity,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    event["hash"] = event_hash(event)
    return event


def check_chain(
    events: Sequence[Mapping[str, Any]], progress: Progress | None = None
) -> tuple[int | None, str]:
    """Return (first broken seq, problem) or (None, "") for a chain starting at seq 1."""
    last_pos = {ev.get("seq"): i for i, ev in enumerate(events)}
    expected, prev = 1, GENESIS
    for i, ev in enumerate(events):
        if progress and i % EVERY == 0:
            progress(i, len(events), "checking the chain")
        seq = ev.get("seq")
        if seq != expected:
            if last_pos.get(expected, -1) > i:
                return expected, f"event {expected} out of order"
            if isinstance(seq, int) and seq > expected:
                return expected, (
                    f"event {expected} missing (chain jumps from {expected - 1} to {seq})"
                )
            return expected, f"event {seq} out of order (expected event {expected})"
        if event_hash(ev) != ev.get("hash"):
            return seq, f"event {seq}: hash does not match its contents (edited?)"
        if ev.get("prev_hash") != prev:
            return seq, f"event {seq}: prev_hash does not match event {seq - 1}'s hash"
        prev = ev["hash"]
        expected += 1
    return None, ""


def parse_head(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as `verify --head` prints it; ValueError says what is wrong."""
    seq, _, digest_hex = text.strip().partition(":")
    if not seq.isdigit() or int(seq) < 1 or len(digest_hex) != 64:
        raise ValueError(f"'{text}': expected SEQ:HASH as `appeals verify --head` prints it")
    return int(seq), digest_hex.lower()


def check_head(event: Mapping[str, Any] | None, last_seq: int, expect: tuple[int, str]) -> str:
    """Why the store no longer holds the head `expect` recorded earlier ("" if it does).

    `event` is the store's event at the expected seq (None when there is none):
    a head kept outside the workspace catches a cut tail, a rollback to an older
    copy and a chain rewritten and re-hashed from some point on."""
    seq, want = expect
    if event is None:
        return (
            f"expected head {seq}:{want[:12]}… is gone: the chain ends at event {last_seq} "
            "(tail cut, or rolled back to an older copy)"
        )
    have = str(event.get("hash"))
    if have != want:
        return (
            f"event {seq} is not the one recorded as head {seq}:{want[:12]}… "
            f"(now {have[:12]}…): the history was rewritten or replaced"
        )
    return ""
