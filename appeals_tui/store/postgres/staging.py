"""Staged writes on PostgreSQL (protocol v5): big imports in bounded memory.

Why: a transaction (store.py) buffers its writes in memory and holds the writer
lock from its first statement, so a million-report import needed gigabytes and
held every other writer back. A staging opens a connection of its own and one
database transaction on it, takes only the import lock (a session advisory lock:
one staging at a time), and COPYs its records in as they come, in batches: rows
of a transaction nobody else can see until it commits (MVCC), so other writers
and readers go on. Staged events are spooled on the client (spool.py) because
they continue the chain from the head at publish time. `publish` takes the writer
lock, runs `finish` as a transaction's body, COPYs the staged events chained from
there and COMMITs: all of it, or (error, kill -9, lost connection: the server
rolls back) none of it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from appeals_tui.domain.errors import ConflictError, StoreError
from appeals_tui.store.attest import canonical
from appeals_tui.store.postgres import migrations
from appeals_tui.store.postgres.bulk import (
    Encoded,
    copy_encoded,
    copy_events,
    encode_record,
    fast_text,
)
from appeals_tui.store.postgres.connect import connect, translate_errors
from appeals_tui.store.postgres.event_lines import LineSpool
from appeals_tui.store.spool import EventSpool, IdCounters
from appeals_tui.store.txn import check_names

if TYPE_CHECKING:
    from appeals_tui.store.postgres.store import PostgresStore
    from appeals_tui.store.protocol import Transaction

__all__ = ["PgStaging", "IMPORT_LOCK", "staging"]

Doc = dict[str, Any]
#: the session advisory lock one staging holds (CHAIN_LOCK + 1 is the migrations')
IMPORT_LOCK = migrations.CHAIN_LOCK + 2
#: staged records sent per COPY
BATCH = 2000
#: bytes of event lines written to the publish's COPY at a time
_EVENT_CHUNK = 64 << 10
#: batches handed to the sender thread that may wait while it sends one (`_Sender`)
_AHEAD = 4


class _Sender:
    """COPYs batches on the staging's connection from a thread of its own.

    Why: the server's work on a batch (index entries on million-row tables) and the
    client's on the next one (encoding, digests, reading the file) then overlap on two
    cores instead of taking turns; a COPY waits on its socket with the GIL released.
    At most `_AHEAD` batches wait while another is sent (memory stays bounded, a few
    MB): the server's pace comes in bursts (a checkpoint, a WAL flush, index pages
    splitting), and with one batch of room the staging waited for them (~0.7 s of a
    100k import at 1M decisions) though the server keeps up on average. An error is
    kept and raised in the staging's own thread at its next send or at `drain`.
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._queue: queue.Queue[dict[str, list[Encoded]] | None] = queue.Queue(_AHEAD)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def send(self, rows: dict[str, list[Encoded]]) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="appeals-copy", daemon=True)
            self._thread.start()
        self._queue.put(rows)

    def _run(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self._error is None:  # after an error the rest is dropped (rolled back)
                try:
                    for table, records in rows.items():
                        copy_encoded(self._conn, table, records)
                except BaseException as exc:  # noqa: BLE001 - raised in the staging's thread
                    self._error = exc
            self._queue.task_done()
        self._queue.task_done()

    def drain(self) -> None:
        """Wait until every batch handed over is sent; raise the first error."""
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


class PgStaging:
    """New records (COPYed as they come, uncommitted) and spooled events of one staging."""

    def __init__(
        self,
        store: PostgresStore,
        conn: psycopg.Connection,
        actor: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.actor = actor
        self._store, self._conn = store, conn
        #: per table, the records not sent yet, already encoded (bulk.encode_record)
        self._rows: dict[str, list[Encoded]] = {}
        self._fast = fast_text(conn)
        self._sender = _Sender(conn)
        self._buffered = 0
        # events spooled as pieces of their COPY lines where lines may be sent (the
        # publish then only hashes and joins them: event_lines.py)
        self._events = LineSpool(actor, clock) if self._fast else EventSpool(actor, clock)
        self._ids = IdCounters(self._committed)
        self._published = False

    def _committed(self, prefix: str) -> int:
        from appeals_tui.store.postgres.pgtext import encode_str

        def run(conn: psycopg.Connection) -> int:
            row = conn.execute(
                "SELECT n FROM counters WHERE prefix = %s", (encode_str(prefix),)
            ).fetchone()
            return int(row[0]) if row else 0

        return int(self._store._read(run))

    def next_id(self, prefix: str) -> str:
        return self._ids.next_id(prefix)

    def add(self, table: str, key: str, doc: Doc) -> None:
        check_names(table, key)
        if self._published:
            raise StoreError("this staging was published already")
        new = {**doc, "version": 1}  # encoded and digested at once: no deep copy needed
        rows = self._rows.get(table)
        if rows is None:
            rows = self._rows[table] = []
        whole = canonical(new)
        # JSON escapes every character COPY text or pgtext would change (\\, tab, line
        # ends, NUL, MARK: all control characters), so without a backslash in it no
        # string of the record needs looking at again
        rows.append(encode_record(table, key, new, self._fast, b"\\" not in whole))
        self._events.record(table, key, new, whole)
        self._buffered += 1
        if self._buffered >= BATCH:
            self._send()

    def event(self, type: str, entity: str, payload: Doc) -> None:  # noqa: A002
        self._events.event(type, entity, payload)

    def _send(self) -> None:
        rows, self._rows, self._buffered = self._rows, {}, 0
        with translate_errors(self._store.where):
            if rows:
                self._sender.send(rows)

    def publish(self, finish: Callable[[Transaction], None] | None = None) -> None:
        from appeals_tui.store.postgres.store import COMMITS, PgTxn

        if self._published:
            raise StoreError("this staging was published already")
        self._send()
        store, conn = self._store, self._conn
        if isinstance(self._events, LineSpool):
            self._events.settle()  # its digest helper done before the writer lock is taken
        with translate_errors(store.where):
            self._sender.drain()
            head, counters = store._take_writer_lock(conn, begin=False)
            txn = PgTxn(store, conn, self.actor, store.clock, head)
            txn._known_counters = counters
            self._ids.check(lambda prefix: counters.get(prefix, 0))
            for prefix, last in self._ids.last.items():
                txn._counters[prefix] = last
                txn._counters_dirty.add(prefix)
                txn.wrote = True
            try:
                if finish is not None:
                    finish(txn)
            finally:
                txn._close()
            if txn.wrote:
                txn.attest()
            txn.flush(bump=COMMITS)
            # one COPY, sent as it is made: the server stores what it has while the next
            # events are hashed (a COPY per batch made them take turns); the chain is
            # checked once, over all of them, at its end (schema 4's statement trigger)
            spool = self._events
            events = (
                spool.lines(txn._seq, txn._hash)
                if isinstance(spool, LineSpool)
                else spool.chained(txn._seq, txn._hash)
            )
            copy_events(conn, events, chunk=_EVENT_CHUNK)
            conn.execute("COMMIT")
        self._published = True

    def close(self) -> None:
        self._sender.stop()
        self._events.close()


def _try_lock(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (IMPORT_LOCK,)).fetchone()
    return bool(row and row[0])


def _take_import_lock(conn: psycopg.Connection, timeout: float) -> None:
    from appeals_tui.store import lock as file_lock

    start = time.monotonic()
    told = False
    while not _try_lock(conn):
        waited = time.monotonic() - start
        if waited >= timeout:
            raise ConflictError(
                f"another import is running on this database (waited {timeout:g}s); try again"
            )
        if not told and waited >= 1.0 and file_lock.WAIT_NOTICE is not None:
            told = True
            file_lock.WAIT_NOTICE("waiting for another import on this database to finish …")
        time.sleep(0.05)


@contextmanager
def staging(store: PostgresStore, actor: str, timeout: float) -> Iterator[PgStaging]:
    """A connection of its own, the import lock, one database transaction; rolled back
    unless published, and the connection closed (which also frees the lock)."""
    conn = connect(store.url, autocommit=True)
    try:
        with translate_errors(store.where):
            _take_import_lock(conn, timeout)
            conn.execute("BEGIN")
        st = PgStaging(store, conn, actor, store.clock)
        try:
            yield st
        finally:
            st.close()
            if (
                not conn.closed
                and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
            ):
                with suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
    finally:
        conn.close()
