"""TinyDB over the workspace's live state: the embedded backend's tables and queries.

Why: TinyDB is the embedded document and query layer; we extend it at its own
seams instead of around it.
- `StateStorage` (a TinyDB `Storage`) hands TinyDB the replica's live tables
  (`{table: {doc_id: doc}}`, doc ids being the record keys). Its `write` is
  refused: stock TinyDB writes the whole database on every change, while ours go
  through `Workspace.transaction()` -- one fsynced journal line, versioned and
  audited -- and reach these tables when the replica applies them.
- `JournalTable` (`TinyDB.table_class`) reads one record by doc id without
  decoding the rest of a table still on disk, keeps TinyDB's query cache valid
  with a per-table change stamp, and reaches the replica's secondary indexes
  (`lookup`, `top`), which the replica keeps current on every applied change.
- `document_class` is `Stored`: a match is the stored dict itself, not a copy
  (a history search over 100k decisions must not copy them). Treat it as
  read-only, like everything a `Store` returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, cast

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Table

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.index import Index, KeyFunc

if TYPE_CHECKING:
    from appeals_tui.store.replica import Replica

__all__ = ["StateStorage", "JournalTable", "JournalDB", "Stored"]

Doc = dict[str, Any]
Tables = dict[str, dict[str, Doc]]
_REFUSED = "the workspace database is read-only here; write through Workspace.transaction()"


class Stored(dict[str, Any]):
    """`JournalTable.document_class`: "constructing" one hands back the stored doc
    itself (its doc id is its key), so a search copies nothing."""

    def __new__(cls, doc: Mapping[str, Any], doc_id: str) -> Any:  # noqa: D102
        return doc


class StateStorage(Storage):
    """TinyDB storage over a `Replica`'s live state; `write` is refused."""

    def __init__(
        self, replica: Replica, mutex: threading.RLock, refresh: Callable[[], object]
    ) -> None:
        self.replica = replica
        self.mutex = mutex  # the workspace's: decoding a table on disk happens once
        self.refresh = refresh

    def read(self) -> Tables:
        """Every table as it is now (others' writes applied; tables still on disk
        decoded): TinyDB calls it to list the tables."""
        with self.mutex:
            self.refresh()
            return {name: self.replica.docs(name) for name in self.replica.names()}

    def write(self, data: dict[str, dict[str, Any]]) -> NoReturn:
        raise StoreError(_REFUSED)


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

    def lookup(self, name: str, func: KeyFunc, value: Hashable, multi: bool = False) -> list[Doc]:
        """Docs filed under `value` in index `name`, in the order they entered it."""
        with self._state.mutex:
            return self.index(name, func, multi).bucket(value)

    # TinyDB says dict[str, Mapping] (invariant); ours holds the store's plain dicts
    def _read_table(self) -> dict[str, Doc]:  # type: ignore[override]  # see above
        self._sync()
        return self._state.replica.docs(self.name)

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> NoReturn:
        raise StoreError(_REFUSED)


class JournalDB(TinyDB):
    """TinyDB wired to StateStorage and JournalTable."""

    table_class = JournalTable  # type: ignore[assignment]  # a Table; TinyDB types it exactly

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        return cast(JournalTable, super().table(name, **kwargs))  # table_class builds it

    def close(self) -> None:
        """Nothing to flush: the workspace owns the files."""
