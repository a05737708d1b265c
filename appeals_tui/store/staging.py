"""Staged writes on the embedded workspace (protocol v5): big imports in bounded memory.

Why: one transaction holds its writes in memory and the workspace lock throughout,
so a million-report import needed gigabytes and locked everyone out. A staging
writes its new records, as they come, to anonymous temp files in the workspace
directory (already in the snapshot's line format, one file per table) and its
events to a spool (spool.py), holding only the import lock (one staging at a
time; other writers are not affected). `publish` then takes the workspace lock.
A small staging (under SMALL_BYTES) becomes one ordinary journal record with the
finishing transaction's writes (rewriting a big workspace's snapshot for a few
reports would hold the lock for seconds). A big one is written as a new snapshot,
as a compaction does: the current state plus the
finishing transaction's writes, each table followed by its staged lines (copied
byte for byte), and the events followed by the staged ones, chained from the
head. The snapshot's rename is the single point where all of it becomes visible:
a crash before it leaves the old files (the temp files vanish with the process,
being unlinked from the start), after it the new ones. The lock is held for as
long as a compaction of the result takes; reads never wait on it.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from appeals_tui.domain.errors import ConflictError, StoreError
from appeals_tui.store import journal as jf
from appeals_tui.store.carry import carry_sidecars
from appeals_tui.store.lazy import _key_of, record_chunks
from appeals_tui.store.lock import FileLock
from appeals_tui.store.spool import EventSpool, IdCounters
from appeals_tui.store.txn import check_names

if TYPE_CHECKING:
    from appeals_tui.store.protocol import Transaction
    from appeals_tui.store.replica import Replica
    from appeals_tui.store.workspace import Workspace

__all__ = ["WorkspaceStaging", "IMPORT_LOCK", "staging"]

Doc = dict[str, Any]
#: stagings up to this many bytes of records publish as one journal record
SMALL_BYTES = 4 << 20
#: up to this many staged records, saved indexes are carried over to the new snapshot
CARRY_STAGED = 200_000
#: held by the one staging of a workspace (imports one at a time; others never take it)
IMPORT_LOCK = "import.lock"
_COPY = 1 << 20


class WorkspaceStaging:
    """New records and events of one staging (see the module docstring)."""

    def __init__(self, ws: Workspace, actor: str, clock: Callable[[], datetime]) -> None:
        self.actor = actor
        self._ws = ws
        self._files: dict[str, BinaryIO] = {}
        self._counts: dict[str, int] = {}
        self._events = EventSpool(actor, clock, ws.path)
        #: the staged events as published (kept for the index file when few)
        self._chained: list[Doc] = []
        #: table -> keys and line sizes of the staged lines as written to the snapshot
        self._appended: dict[str, tuple[list[str], array[int]]] = {}
        self.ids = IdCounters(lambda prefix: int(ws.meta(f"next_id:{prefix}", 0) or 0))
        self._published = False

    def next_id(self, prefix: str) -> str:
        return self.ids.next_id(prefix)

    def add(self, table: str, key: str, doc: Doc) -> None:
        check_names(table, key)
        if self._published:
            raise StoreError("this staging was published already")
        new = {**doc, "version": 1}  # written out at once: no deep copy needed
        fh = self._files.get(table)
        if fh is None:
            fh = self._files[table] = tempfile.TemporaryFile(  # noqa: SIM115 - kept to publish
                dir=self._ws.path, prefix=".stage."
            )
        fh.write(jf.encode_line([key, new]))
        self._counts[table] = self._counts.get(table, 0) + 1
        self._events.record(table, key, new)

    def event(self, type: str, entity: str, payload: Doc) -> None:  # noqa: A002
        self._events.event(type, entity, payload)

    def publish(self, finish: Callable[[Transaction], None] | None = None) -> None:
        if self._published:
            raise StoreError("this staging was published already")
        for fh in self._files.values():
            fh.flush()
        self._ws._publish_staged(self, finish)
        self._published = True

    def staged_count(self) -> int:
        return sum(self._counts.values())

    def staged_bytes(self) -> int:
        return sum(fh.tell() for fh in self._files.values())

    def staged(self, rep: Replica) -> Iterator[tuple[str, Iterator[tuple[str, Doc]]]]:
        """Per table, its staged (key, doc) records, read back from the temp file as
        they are consumed: a small staging is published as TinyDB inserts into one
        journal record. A key the table already holds: ConflictError, nothing saved."""
        for table, fh in self._files.items():
            yield table, self._records(rep, table, fh)

    def _records(self, rep: Replica, table: str, fh: BinaryIO) -> Iterator[tuple[str, Doc]]:
        exists = _key_test(rep, table)
        fh.seek(0)
        for line in fh:
            key, doc = jf.decode_line(line[:-1])
            if exists is not None and exists(key):
                raise _exists(table, key)
            yield key, doc

    def chained(self, seq: int, prev_hash: str) -> Iterator[Doc]:
        """The staged events, chained on from event `seq` with hash `prev_hash`."""
        return self._events.chained(seq, prev_hash)

    def close(self) -> None:
        for fh in self._files.values():
            with suppress(OSError):
                fh.close()
        self._events.close()

    # -- used by Workspace._publish_staged (workspace lock held) --------------------

    def write_snapshot(self, rep: Replica) -> None:
        """The current state + staged records and events as a new snapshot, then a
        fresh journal (what a compaction does; the rename is the publish)."""
        old = rep.snap
        assert old is not None
        generation = old.header["generation"] + 1
        header: dict[str, Any] = {
            "generation": generation,
            "events": rep.last_seq + self._events.pending(),
            "last_hash": rep.last_hash,  # replaced by the staged chain's last hash
        }
        lazy = rep.lazy
        names = list(dict.fromkeys([*rep.names(), *self._files]))

        def tables() -> Iterator[tuple[str, Iterator[bytes]]]:
            for name in names:
                have: Iterator[bytes] = iter(())
                if name in lazy:
                    have = lazy[name].chunks()
                elif name in rep.tables:
                    have = record_chunks(rep.tables[name])
                yield name, self._table_chunks(rep, name, have)

        def events() -> Iterator[bytes]:
            yield from old.event_chunks()
            for ev in rep.jevents:
                yield jf.encode_line(ev)
            keep = self.staged_count() <= CARRY_STAGED  # for the events' index file
            for ev in self._events.chained(rep.last_seq, rep.last_hash):
                header["last_hash"] = ev["hash"]
                if keep:
                    self._chained.append(ev)
                yield jf.encode_line(ev)

        jf.write_snapshot(rep.path, header, rep.meta, tables(), events())
        jf.write_new_journal(rep.path, generation)
        self._carry(rep, old)

    def _carry(self, rep: Replica, old: jf.Snapshot) -> None:
        """Saved indexes of the old snapshot stay true for the new one (same record
        order; staged records appended), the staged keys being refiled by whoever loads
        them: cheaper than rebuilding each (seconds at 100k). Too many staged: rebuilt."""
        if self.staged_count() > CARRY_STAGED:
            return
        staged = {table: dict.fromkeys(names) for table, (names, _) in self._appended.items()}
        changed = {t: dict(keys) for t, keys in rep.changed.items()}
        for table, keys in staged.items():
            changed.setdefault(table, {}).update(keys)
        new = jf.open_snapshot(rep.path / jf.SNAPSHOT)
        try:
            rep._adopt_sidecars(new)
            events = [*rep.jevents, *self._chained]
            carry_sidecars(old, new, rep.lazy, changed, events, self._appended)
        finally:
            new.close()

    def _table_chunks(self, rep: Replica, table: str, have: Iterator[bytes]) -> Iterator[bytes]:
        yield from have
        fh = self._files.get(table)
        if fh is None:
            return
        exists = _key_test(rep, table)
        names: list[str] = []
        sizes = array("Q")
        keep = self.staged_count() <= CARRY_STAGED
        if keep:  # for the key map (see `_carry`)
            self._appended[table] = (names, sizes)
        fh.seek(0)
        rest = b""
        while chunk := fh.read(_COPY):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            block, rest = data[:cut], data[cut:]
            for line in block.split(b"\n")[:-1]:
                key = _key_of(line) or jf.decode_line(line)[0]
                if exists is not None and exists(key):
                    raise _exists(table, key)
                if keep:
                    names.append(key)
                    sizes.append(len(line) + 1)
            yield block


def _exists(table: str, key: str) -> ConflictError:
    return ConflictError(f"{table} {key} already exists; nothing of this import was saved")


def _key_test(rep: Replica, table: str) -> Callable[[str], bool] | None:
    """Whether a key is in the committed table (None: the table is empty)."""
    lazy = rep.lazy.get(table)
    if lazy is not None:
        on_disk = lazy.key_names()
        loaded = lazy.docs
        return lambda key: key in loaded or on_disk.get(key) is not None
    docs = rep.tables.get(table)
    if not docs:
        return None
    return docs.__contains__


@contextmanager
def staging(ws: Workspace, actor: str) -> Iterator[WorkspaceStaging]:
    """One staging at a time per workspace (the import lock, waited for like the
    workspace lock); the temp files go away on exit, published or not."""
    lock = FileLock(ws.path / IMPORT_LOCK, ws._lock.timeout)
    try:
        with lock.exclusive():
            st = WorkspaceStaging(ws, actor, ws.clock)
            try:
                yield st
            finally:
                st.close()
    finally:
        lock.close()
