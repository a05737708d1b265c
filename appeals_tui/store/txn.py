"""Txn: the pending changes of one `Workspace.transaction()`.

Why: a transaction must be all-or-nothing. Nothing here touches the workspace
state; changes are buffered (and deep-copied through orjson, which also rejects
unserialisable values early). On commit the workspace writes them through
TinyDB's Table API, which turns them into one journal record (store/table.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

import orjson

from appeals_tui.domain.errors import ConflictError, NotFound, StoreError
from appeals_tui.store import audit
from appeals_tui.store.attest import META_TABLE, digest, record_name

__all__ = ["Txn", "RecordNotFound", "copy_doc", "check_names", "updated_doc"]


class RecordNotFound(NotFound, StoreError):
    """`Txn.update` of a key that does not exist (catchable as NotFound or StoreError)."""


def copy_doc(value: Any) -> Any:
    """A deep copy through orjson (which also rejects values JSON can't hold)."""
    return orjson.loads(orjson.dumps(value))


def check_names(table: str, key: str) -> None:
    if not isinstance(table, str) or not table:
        raise StoreError(f"table name must be a non-empty string, not {table!r}")
    if not isinstance(key, str) or not key:
        raise StoreError(f"document key must be a non-empty string, not {key!r}")


def updated_doc(
    table: str,
    key: str,
    current: dict[str, Any] | None,
    fields: dict[str, Any],
    expected_version: int | None,
) -> dict[str, Any]:
    """`current` with `fields` merged and its version + 1: the optimistic-version rule
    every backend's `Transaction.update` applies (NotFound, ConflictError when stale)."""
    if current is None:
        raise RecordNotFound(f"{table} {key} not found")
    version = current.get("version", 0)
    if expected_version is not None and version != expected_version:
        raise ConflictError(
            f"{table} {key} changed since you loaded it "
            f"(version {expected_version}, now {version}); reload and try again"
        )
    new: dict[str, Any] = copy_doc({**current, **fields})
    new["version"] = version + 1
    return new


class Tables(Protocol):
    """What a transaction reads: the replica's committed state."""

    def get(self, table: str, key: str) -> dict[str, Any] | None: ...

    def docs(self, table: str) -> dict[str, dict[str, Any]]: ...

    def names(self) -> list[str]: ...


class Txn:
    """Buffered writes; reads see this transaction's own pending writes."""

    def __init__(
        self,
        tables: Tables,
        meta: dict[str, Any],
        actor: str,
        clock: Callable[[], datetime],
        last_seq: int,
        last_hash: str,
    ) -> None:
        self._tables, self._meta = tables, meta
        self.actor = actor
        self._clock = clock
        self._puts: dict[tuple[str, str], dict[str, Any]] = {}
        self._meta_puts: dict[str, Any] = {}
        self._events: list[dict[str, Any]] = []
        self._seq, self._hash = last_seq, last_hash
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this transaction has already ended")

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        self._check_open()
        doc = self._puts.get((table, key))
        return doc if doc is not None else self._tables.get(table, key)

    def all(self, table: str) -> list[dict[str, Any]]:
        """Current docs of `table` including pending ones (for migrations)."""
        self._check_open()
        merged = dict(self._tables.docs(table))
        merged.update({k: d for (t, k), d in self._puts.items() if t == table})
        return list(merged.values())

    def insert(self, table: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
        check_names(table, key)
        if self.get(table, key) is not None:
            raise ConflictError(f"{table} {key} already exists")
        new: dict[str, Any] = copy_doc(doc)
        new["version"] = 1
        self._puts[(table, key)] = new
        return new

    def update(
        self,
        table: str,
        key: str,
        fields: dict[str, Any],
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        check_names(table, key)
        new = updated_doc(table, key, self.get(table, key), fields, expected_version)
        self._puts[(table, key)] = new
        return new

    def meta(self, key: str, default: Any = None) -> Any:
        self._check_open()
        if key in self._meta_puts:
            return self._meta_puts[key]
        return self._meta.get(key, default)

    def set_meta(self, key: str, value: Any) -> None:
        self._check_open()
        self._meta_puts[key] = copy_doc(value)

    def next_id(self, prefix: str) -> str:
        """Per-prefix monotonic counter kept in meta: next_id("C") -> "C-000001"."""
        counter = f"next_id:{prefix}"
        n = int(self.meta(counter, 0)) + 1
        self.set_meta(counter, n)
        return f"{prefix}-{n:06d}"

    def event(self, type: str, entity: str, payload: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        self._check_open()
        return self._append_event(type, entity, payload)

    def _append_event(self, type: str, entity: str, payload: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
        ev = audit.make_event(
            seq=self._seq + 1,
            at=self._clock(),
            actor=self.actor,
            type=type,
            entity=entity,
            payload=copy_doc(payload),
            prev_hash=self._hash,
        )
        self._events.append(ev)
        self._seq, self._hash = ev["seq"], ev["hash"]
        return ev

    def docs(self, table: str) -> dict[str, dict[str, Any]]:
        """Committed docs of `table` merged with this transaction's (for migrations)."""
        self._check_open()
        merged = dict(self._tables.docs(table))
        merged.update({k: d for (t, k), d in self._puts.items() if t == table})
        return merged

    def meta_items(self) -> list[tuple[str, Any]]:
        self._check_open()
        return list({**self._meta, **self._meta_puts}.items())

    def table_names(self) -> list[str]:
        """Every table with records (for migrations)."""
        self._check_open()
        names = dict.fromkeys(self._tables.names())
        names.update(dict.fromkeys(t for t, _ in self._puts))
        return list(names)

    def _writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(table, key, doc) of every record written, for TinyDB's Table API."""
        return [(t, k, d) for (t, k), d in self._puts.items()]

    def _attest(self, written: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Put the digest of every record and meta value written into the chain.

        They go into the last event's payload (one is added when the transaction
        logged none), which is then re-hashed: it is the chain's newest link."""
        digests = {record_name(t, k): digest(d) for t, k, d in written}
        digests.update({record_name(META_TABLE, k): digest(v) for k, v in self._meta_puts.items()})
        if not digests:
            return
        if not self._events:
            self._append_event("records.changed", "workspace", {})
        last = self._events[-1]
        last["payload"]["records"] = {**last["payload"].get("records", {}), **digests}
        last["hash"] = audit.event_hash(last)
        self._hash = last["hash"]

    def _seal(
        self, written: list[tuple[str, str, dict[str, Any]]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The meta values and audit events of this transaction's journal record,
        `written` (the records as TinyDB wrote them) attested in the chain."""
        self._attest(written)
        return dict(self._meta_puts), self._events

    def _close(self) -> None:
        self._open = False
