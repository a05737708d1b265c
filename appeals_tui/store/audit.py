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

from appeals_tui.domain.progress import EVERY, Progress

__all__ = ["GENESIS", "VerifyResult", "canonical", "event_hash", "make_event", "check_chain"]

GENESIS = "0" * 64


@dataclass
class VerifyResult:
    """Outcome of Workspace.verify(); `problem` is a sentence for the user ("" when ok)."""

    ok: bool
    events_checked: int
    records_checked: int
    first_broken_seq: int | None
    problem: str


def canonical(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: reproducible with any JSON library."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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
