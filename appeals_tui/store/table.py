"""TinyDB as a read-only query layer over the workspace's live in-memory state.

Why: stock TinyDB tables read the whole database from storage and write it all
back on every change. Here `_read_table` hands TinyDB the live dict (no copy),
and writes are refused: they must go through `Workspace.transaction()` so they
are journaled, versioned and audited. The query cache is invalidated by a
per-table change stamp that every applied change (own or refreshed) bumps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Document, Table

from appeals_tui.domain.errors import StoreError

__all__ = ["StateStorage", "JournalTable", "JournalDB"]

Tables = dict[str, dict[str, dict[str, Any]]]
_REFUSED = "the workspace database is read-only here; write through Workspace.transaction()"


class StateStorage(Storage):
    """TinyDB storage that exposes the workspace state; `write` is refused."""

    def __init__(
        self,
        tables: Callable[[], Tables],
        table: Callable[[str], dict[str, dict[str, Any]]],
        stamp: Callable[[str], tuple[int, int]],
        refresh: Callable[[], object],
    ) -> None:
        self._tables = tables
        self.table = table
        self.stamp = stamp
        self.refresh = refresh

    def read(self) -> Tables:
        """Every table (decodes those still on disk): TinyDB calls it only to list them."""
        return self._tables()

    def write(self, data: dict[str, dict[str, Any]]) -> NoReturn:
        raise StoreError(_REFUSED)


class JournalTable(Table):
    """A Table whose documents are keyed by string ids (doc.doc_id == the key)."""

    document_id_class = str  # type: ignore[assignment]

    def __init__(self, storage: Storage, name: str, cache_size: int = 10, **_: Any) -> None:
        super().__init__(storage, name, cache_size=cache_size)
        self._stamp: tuple[int, int] | None = None

    def _sync(self) -> None:
        storage: StateStorage = self._storage  # type: ignore[assignment]
        storage.refresh()
        stamp = storage.stamp(self.name)
        if stamp != self._stamp:
            self._query_cache.clear()
            self._stamp = stamp

    def search(self, cond: QueryLike) -> list[Document]:
        self._sync()
        return super().search(cond)

    def _read_table(self) -> dict[str, Mapping]:  # type: ignore[override]
        self._sync()
        storage: StateStorage = self._storage  # type: ignore[assignment]
        return storage.table(self.name)

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> NoReturn:
        raise StoreError(_REFUSED)


class JournalDB(TinyDB):
    """TinyDB wired to StateStorage and JournalTable."""

    table_class = JournalTable

    def close(self) -> None:
        """Nothing to flush: the workspace owns the files."""
