"""TinyDB over the workspace's live state: the embedded backend's tables, queries and writes.

Why: TinyDB is the embedded document and query layer; we extend it at its own
seams instead of around it.
- `StateStorage` (a TinyDB `Storage`) hands TinyDB the replica's live tables
  (`{table: {doc_id: doc}}`, doc ids being the record keys) and carries what stock
  TinyDB has no notion of: the workspace lock (`refresh` under the shared lock,
  `exclusive` for a transaction) and the journal. Its whole-database `write` is
  refused: stock TinyDB rewrites the database on every change (seconds at 100k
  decisions) and has no write-ahead log. Instead, `journal()` (exclusive lock held)
  collects TinyDB's writes and, when it ends, writes them as one fsynced journal
  line before any of it reaches the live tables, then applies that line record by
  record to the tables and their secondary indexes (`Replica.commit`). A
  transaction, a small staged import and a big one's finishing writes all go this
  way; journal replay (on open, or another process's writes) applies the lines
  already on disk with the same `Replica.apply`.
- `JournalTable` (`TinyDB.table_class`) reads one record by doc id without
  decoding the rest of a table still on disk, keeps TinyDB's query cache valid
  with a per-table change stamp, and reaches the replica's secondary indexes
  (`lookup`, `top`), which the replica keeps current on every applied change.
  Its `_update_table` runs TinyDB's own insert/update/upsert logic on a
  `PendingTable` (the committed docs read through, copied before TinyDB changes
  them) and hands what it wrote to the open journal batch; outside one it refuses.
  Records are never removed (no delete in the Store protocol; the audit chain
  would report them missing), so `remove`/`truncate` are refused too.
- `document_class` is `Stored`: a match is the stored dict itself, not a copy
  (a history search over 100k decisions must not copy them). Treat it as
  read-only, like everything a `Store` returns. A write passes a `Keyed` doc
  (TinyDB's `Document` for our string doc ids).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, cast

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Table

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.index import Index, KeyFunc
from appeals_tui.store.lock import FileLock
from appeals_tui.store.txn import check_names, copy_doc

if TYPE_CHECKING:
    from appeals_tui.store.replica import Replica

__all__ = [
    "StateStorage",
    "JournalTable",
    "JournalDB",
    "JournalBatch",
    "PendingTable",
    "Copies",
    "TableReads",
    "Stored",
    "Keyed",
]

Doc = dict[str, Any]
_REFUSED = (
    "the workspace database is written only through Workspace.transaction() "
    "(one journal line per change); this write was refused"
)
_NO_REMOVE = "workspace records are never removed (the audit chain attests every one)"


class Stored(dict[str, Any]):
    """`JournalTable.document_class`: "constructing" one hands back the stored doc
    itself (its doc id is its key), so a search copies nothing."""

    def __new__(cls, doc: Mapping[str, Any], doc_id: str) -> Any:  # noqa: D102
        return doc


class Keyed(Stored):
    """A record to write under its key: TinyDB's `Document` (a mapping with a
    `doc_id`) for our string ids. `Table.insert`/`upsert` take its `doc_id`."""

    def __new__(cls, doc: Mapping[str, Any], doc_id: str) -> Keyed:  # noqa: D102
        return dict.__new__(cls)

    def __init__(self, doc: Mapping[str, Any], doc_id: str) -> None:
        super().__init__(doc)
        self.doc_id = doc_id


@dataclass
class JournalBatch:
    """TinyDB's writes collected for one journal record (see `StateStorage.journal`)."""

    actor: str
    #: (table, key, doc) as TinyDB's updaters left them, in write order
    puts: list[tuple[str, str, Doc]] = field(default_factory=list)
    #: the newest doc of each key written here (later writes in the batch read it)
    latest: dict[tuple[str, str], Doc] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    events: list[Doc] = field(default_factory=list)

    def add(self, table: str, written: Iterable[tuple[str, Doc]]) -> None:
        for key, doc in written:
            self.puts.append((table, key, doc))
            self.latest[(table, key)] = doc

    def record(self, r: int) -> Doc | None:
        """The journal record (format: store/journal.py), None when nothing changed."""
        ops: list[list[Any]] = [["put", t, k, d] for t, k, d in self.puts]
        ops += [["meta", k, v] for k, v in self.meta.items()]
        if not ops and not self.events:
            return None
        return {"r": r, "actor": self.actor, "ops": ops, "events": self.events}


class PendingTable(MutableMapping[str, Doc]):
    """One table as TinyDB's write updaters see it: committed docs (and this batch's)
    read through; a doc TinyDB may change in place is a copy, so nothing reaches the
    live state before the journal line is written. `written()` is what changed."""

    def __init__(self, name: str, replica: Replica, batch: JournalBatch) -> None:
        self._name, self._rep, self._batch = name, replica, batch
        self._set: dict[str, Doc] = {}
        self._copies: dict[str, tuple[Doc, Doc]] = {}  # key -> (as read, copy handed out)

    def _current(self, key: str) -> Doc | None:
        doc = self._batch.latest.get((self._name, key))
        return doc if doc is not None else self._rep.get(self._name, key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return key in self._set or key in self._copies or self._current(key) is not None

    def __getitem__(self, key: str) -> Doc:
        doc = self._set.get(key)
        if doc is not None:
            return doc
        held = self._copies.get(key)
        if held is not None:
            return held[1]
        found = self._current(key) if isinstance(key, str) else None
        if found is None:
            raise KeyError(key)
        copy: Doc = copy_doc(found)  # TinyDB's update changes it in place
        self._copies[key] = (found, copy)
        return copy

    def __setitem__(self, key: str, doc: Doc) -> None:
        check_names(self._name, key)
        self._copies.pop(key, None)
        self._set[key] = doc  # TinyDB hands over its own dict(document)

    def __delitem__(self, key: str) -> NoReturn:
        raise StoreError(_NO_REMOVE)

    def clear(self) -> NoReturn:  # TinyDB's truncate: refused before reading the table
        raise StoreError(_NO_REMOVE)

    def __iter__(self) -> Iterator[str]:
        """Every key (TinyDB's updates by query scan them): decodes the table."""
        keys = dict.fromkeys(self._rep.docs(self._name))
        keys.update(dict.fromkeys(k for t, k in self._batch.latest if t == self._name))
        return iter(list(keys))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def written(self) -> list[tuple[str, Doc]]:
        """Docs set, and copies TinyDB changed (a read for a query is no write)."""
        out = list(self._set.items())
        out += [(k, copy) for k, (was, copy) in self._copies.items() if copy != was]
        return out


class Copies(Mapping[str, Doc]):
    """A table as `StateStorage.read` hands it to TinyDB: each doc a fresh copy."""

    def __init__(self, state: StateStorage, name: str) -> None:
        self._state, self._name = state, name

    def __getitem__(self, key: str) -> Doc:
        with self._state.mutex:
            doc = self._state.replica.get(self._name, key)
        if doc is None:
            raise KeyError(key)
        copy: Doc = copy_doc(doc)
        return copy

    def __iter__(self) -> Iterator[str]:
        with self._state.mutex:
            return iter(list(self._state.replica.docs(self._name)))

    def __len__(self) -> int:
        with self._state.mutex:
            return self._state.replica.count(self._name)


class StateStorage(Storage):
    """TinyDB storage over a `Replica`'s live state, the workspace lock and the journal;
    a whole-database `write` is refused (see the module docstring)."""

    def __init__(self, replica: Replica, mutex: threading.RLock, lock: FileLock) -> None:
        self.replica = replica
        self.mutex = mutex  # the workspace's: decoding a table on disk happens once
        self.lock = lock
        #: TinyDB's writes of the journal record being made, if one is
        self.batch: JournalBatch | None = None

    def refresh(self) -> bool:
        """Pick up other processes' writes (replaying their journal lines); True if
        anything changed. Two `stat` calls when nothing did."""
        with self.mutex:
            if self.lock.held == "exclusive":
                return False  # caught up by `exclusive`; no one else can write now
            if self.replica.unchanged():
                return False
            with self.lock.shared():
                return self.replica.catch_up()

    # TinyDB says dict tables; ours are read-only Copies views (TinyDB only reads them)
    def read(self) -> dict[str, Mapping[str, Doc]]:  # type: ignore[override]  # see above
        """Every table as it is now (others' writes applied), each a `Copies` view:
        TinyDB calls it to list the tables; our `JournalTable` reads the live state
        through `_read_table` instead. A stock TinyDB table on this storage gets
        copies, so an update it makes before `write` refuses it changes nothing."""
        with self.mutex:
            self.refresh()
            return {name: Copies(self, name) for name in self.replica.names()}

    def write(self, data: dict[str, dict[str, Any]]) -> NoReturn:
        raise StoreError(_REFUSED)

    @contextmanager
    def exclusive(self) -> Iterator[Replica]:
        """A write section: this process's mutex and the workspace lock held
        exclusively, the replica caught up with every other process's writes."""
        with self.mutex, self.lock.exclusive():
            self.replica.catch_up()
            yield self.replica

    @contextmanager
    def journal(self, actor: str, durable: bool = True) -> Iterator[JournalBatch]:
        """Collect the TinyDB writes made inside as one journal record (inside
        `exclusive`). On a normal exit it is appended to the journal and fsynced,
        then applied to the live tables and indexes; on an error nothing is.
        `durable=False` applies it in memory only, for a caller that writes a new
        snapshot of the result (a big staged import: its rename is the commit)."""
        if self.lock.held != "exclusive":
            raise StoreError(_REFUSED)
        if self.batch is not None:
            raise StoreError("a journal record is already being written")
        batch = self.batch = JournalBatch(actor)
        try:
            yield batch
        finally:
            self.batch = None
        record = batch.record(self.replica.next_r)
        if record is None:
            return
        if durable:
            self.replica.commit(record)
        else:
            self.replica.apply(record)


class JournalTable(Table):
    """A TinyDB table of the workspace: doc ids are the record keys (strings)."""

    # TinyDB declares int ids and its Document class; ours are the record keys and the
    # stored dicts themselves (see Stored), which TinyDB handles as it would its own.
    document_id_class = str  # type: ignore[assignment]  # string keys, see above
    document_class = Stored  # type: ignore[assignment]  # plain dicts, see above

    def __init__(self, storage: Storage, name: str, cache_size: int = 10, **_: Any) -> None:
        super().__init__(storage, name, cache_size=cache_size)
        self._stamp: tuple[int, int] | None = None

    @property
    def _state(self) -> StateStorage:
        return cast(StateStorage, self._storage)  # our JournalDB always builds it so

    def _sync(self) -> None:
        state = self._state
        state.refresh()
        stamp = state.replica.stamp(self.name)
        if stamp != self._stamp:
            self._query_cache.clear()
            self._stamp = stamp

    # TinyDB types results as list[Document]; ours are the stored dicts (see Stored)
    def search(self, cond: QueryLike) -> list[Doc]:  # type: ignore[override]  # see above
        with self._state.mutex:
            self._sync()
            return cast(list[Doc], super().search(cond))

    # string ids, and a list back for doc_ids, where TinyDB's stub overloads say int
    def get(  # type: ignore[override]  # see above
        self,
        cond: QueryLike | None = None,
        doc_id: str | None = None,
        doc_ids: Iterable[str] | None = None,
    ) -> Any:
        """By doc id: that record alone (a table still on disk decodes one line)."""
        if cond is None and (doc_id is not None or doc_ids is not None):
            with self._state.mutex:
                self._state.refresh()
                rep = self._state.replica
                if doc_id is not None:
                    return rep.get(self.name, str(doc_id))
                return rep.get_many(self.name, [str(key) for key in doc_ids or ()])
        with self._state.mutex:
            return cast(Any, super()).get(cond, doc_id, doc_ids)  # TinyDB: int ids only

    # the stored dicts, not TinyDB Documents (see Stored)
    def all(self) -> list[Doc]:  # type: ignore[override]  # see above
        with self._state.mutex:
            self._sync()
            return list(self._read_table().values())

    def __len__(self) -> int:
        with self._state.mutex:
            self._state.refresh()
            return self._state.replica.count(self.name)

    def index(
        self, name: str, func: KeyFunc, multi: bool = False, order: KeyFunc | None = None
    ) -> Index:
        """The replica's secondary index `name` on this table (built on first use, then
        kept current by every applied change); call with the state mutex held."""
        self._state.refresh()
        return self._state.replica.index(self.name, name, func, multi, order)

    def docs(self) -> dict[str, Doc]:
        """The whole table, key -> doc (decoded now if it was still on disk)."""
        with self._state.mutex:
            return self._read_table()

    def lookup(self, name: str, func: KeyFunc, value: Hashable, multi: bool = False) -> list[Doc]:
        """Docs filed under `value` in index `name`, in the order they entered it."""
        with self._state.mutex:
            return self.index(name, func, multi).bucket(value)

    # TinyDB says dict[str, Mapping] (invariant); ours holds the store's plain dicts
    def _read_table(self) -> dict[str, Doc]:  # type: ignore[override]  # see above
        self._sync()
        return self._state.replica.docs(self.name)

    # TinyDB's updaters take the table's dict; ours is a PendingTable (see there)
    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        """TinyDB's write step: its updater runs on a `PendingTable` and what it wrote
        joins the open journal batch (the journal line and the live state come when
        the batch ends). No batch open: a write around the journal, refused."""
        state = self._state
        batch = state.batch
        if batch is None:
            raise StoreError(_REFUSED)
        with state.mutex:
            pending = PendingTable(self.name, state.replica, batch)
            updater(cast(dict[int, Mapping[Any, Any]], pending))
            batch.add(self.name, pending.written())
            self._query_cache.clear()

    def _get_next_id(self) -> NoReturn:
        if self._state.batch is None:
            raise StoreError(_REFUSED)
        raise StoreError(f"{self.name}: write a Keyed(doc, key) record: doc ids are record keys")


class JournalDB(TinyDB):
    """TinyDB wired to StateStorage and JournalTable."""

    table_class = JournalTable  # type: ignore[assignment]  # a Table; TinyDB types it exactly

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        return cast(JournalTable, super().table(name, **kwargs))  # table_class builds it

    def close(self) -> None:
        """Nothing to flush: the workspace owns the files."""


class TableReads:
    """What a transaction reads (`txn.Tables`), through TinyDB: records by doc id
    (`JournalTable.get`), whole tables for migrations (`JournalTable.docs`)."""

    def __init__(self, db: JournalDB) -> None:
        self._db = db

    def get(self, table: str, key: str) -> Doc | None:
        doc: Doc | None = self._db.table(table).get(doc_id=key)
        return doc

    def docs(self, table: str) -> dict[str, Doc]:
        return self._db.table(table).docs()

    def names(self) -> list[str]:
        return cast(StateStorage, self._db.storage).replica.names()
