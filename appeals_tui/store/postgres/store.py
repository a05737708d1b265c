"""`PostgresStore`: the Store protocol on a PostgreSQL database.

Why: a team past one host keeps its records in the database it already runs,
backs up and replicates. Records live in typed, indexed columns (`columns.py`);
the services' questions become single SQL statements (`sqlbuild.py`); writers
are serialised by one transaction-scoped advisory lock, as the protocol
requires, so the audit chain grows one event at a time and a stale version is
a `ConflictError`, never a lost write. Every write happens as the connecting
role: PostgreSQL's grants and triggers (`migrations.py`) refuse what that role
may not do even when our services are bypassed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from appeals_tui.domain.errors import ConflictError, StoreError
from appeals_tui.domain.progress import Progress
from appeals_tui.domain.timeutil import iso, utcnow
from appeals_tui.store import audit
from appeals_tui.store.attest import META_TABLE, digest, divergence, record_name
from appeals_tui.store.audit import GENESIS, VerifyResult
from appeals_tui.store.postgres import migrations, rollups
from appeals_tui.store.postgres.bulk import EVENT_COLUMNS, event_row
from appeals_tui.store.postgres.columns import (
    SQL_TYPES,
    QueryColumn,
    TableSpec,
    from_row,
    spec_for,
    to_row,
)
from appeals_tui.store.postgres.connect import (
    DatabaseUnreachable,
    connect,
    reading_at,
    redact,
    server_on_host,
    snapshot,
    translate_errors,
)
from appeals_tui.store.postgres.pgtext import MARK, decode_json, decode_str, encode_json, encode_str
from appeals_tui.store.postgres.sqlbuild import (
    order_sql,
    param,
    qcol,
    ranking_batch_sql,
    ranking_sql,
    where_sql,
)
from appeals_tui.store.protocol import (
    EVERYTHING,
    ChainHead,
    Doc,
    Filter,
    Group,
    Join,
    Order,
    Page,
    Rows,
    Top,
)
from appeals_tui.store.schema import SCHEMA, Type
from appeals_tui.store.txn import check_names, copy_doc, updated_doc

if TYPE_CHECKING:
    from appeals_tui.store.postgres.staging import PgStaging

T = TypeVar("T")

__all__ = ["PostgresStore", "PgTxn"]

#: how long a writer waits for another writer before giving up (ConflictError)
LOCK_WAIT = 10.0
_IDLE = TransactionStatus.IDLE

#: the counters row every committed write transaction bumps (what `refresh` watches)
COMMITS = "~commits"
#: page totals kept (`_count_until_commit`); past this many, forgotten at once
_COUNTS_KEPT = 64
#: rows a streamed read (`iterate`) fetches first, and at most per round trip after
_FIRST_FETCH, _FETCH = 50, 2000


def _select_list(spec: TableSpec) -> sql.Composable:
    cols = [spec.key, *(c.name for c in spec.columns), "version", "extra"]
    return sql.SQL(", ").join(sql.Identifier(c) for c in cols)


def _from(spec: TableSpec) -> sql.Composable:
    return sql.Identifier(spec.sql)


def _key_cond(spec: TableSpec) -> sql.Composable:
    if spec.sql == "documents":
        return sql.SQL("tbl = %s AND key = %s")
    return sql.SQL("{} = %s").format(sql.Identifier(spec.key))


def _key_params(spec: TableSpec, key: str) -> tuple[Any, ...]:
    return (spec.name, encode_str(key)) if spec.sql == "documents" else (encode_str(key),)


def _event_doc(row: Mapping[str, Any]) -> Doc:
    return {
        "seq": row["seq"],
        "at": row["at"],
        "actor": decode_str(row["actor"]),
        "type": decode_str(row["type"]),
        "entity": decode_str(row["entity"]),
        "payload": decode_json(row["payload"]),
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }


def _plain(value: Any, kind: Type | None = None) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, str):
        return decode_str(value)
    return value


class PgTxn:
    """One write transaction. Writes are buffered and sent when something must see
    them (a store read, the commit): inserts of a table go as one COPY, so an import
    of 100k reports is a few statements, not 300k round trips."""

    def __init__(
        self,
        store: PostgresStore,
        conn: psycopg.Connection,
        actor: str,
        clock: Callable[[], datetime],
        head: ChainHead,
    ) -> None:
        self._store, self._conn = store, conn
        self.actor = actor
        self._clock = clock
        self._seq, self._hash = head.seq, head.hash
        self._open = True
        self.wrote = False
        self._new: dict[tuple[str, str], Doc] = {}  # inserted, not yet sent
        self._changed: dict[tuple[str, str], tuple[Doc, Doc]] = {}  # (as stored, now)
        self._events: list[Doc] = []
        # writers are serialised, so within one transaction these stay true:
        self._absent: set[tuple[str, str]] = set()  # keys a read found missing
        self._read_docs: dict[tuple[str, str], Doc] = {}  # docs read, as committed
        #: (table, field) whose `distinct` values were read in this transaction since it
        #: last sent rows of that table: no other writer can add any meanwhile
        self.settled: set[tuple[str, str]] = set()
        self._counters: dict[str, int] = {}  # prefix -> last id handed out
        self._counters_dirty: set[str] = set()
        self._known_counters: dict[str, int] = {}  # as committed, read with the lock
        self._fresh: set[str] = set()  # ids next_id handed out (no record has them)
        self._written: dict[tuple[str, str], Doc] = {}  # every record written, as now
        self._meta_written: dict[str, Any] = {}

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this transaction has already ended")

    def get(self, table: str, key: str) -> Doc | None:
        self._check_open()
        pending = self._new.get((table, key))
        if pending is not None:
            return pending
        changed = self._changed.get((table, key))
        if changed is not None:
            return changed[1]
        if (table, key) in self._absent:
            return None
        doc = self._read_docs.get((table, key))
        if doc is not None:
            return doc  # read again (a service's check, then its update): one round trip
        doc = self._store._get(self._conn, table, key)
        if doc is None:
            self._absent.add((table, key))
        else:
            self._read_docs[(table, key)] = doc
        return doc

    def insert(self, table: str, key: str, doc: Doc) -> Doc:
        check_names(table, key)
        if key not in self._fresh and self.get(table, key) is not None:
            raise ConflictError(f"{table} {key} already exists")
        if (table, key) in self._new:
            raise ConflictError(f"{table} {key} already exists")
        self._absent.discard((table, key))
        if self.settled:
            self.settled = {tf for tf in self.settled if tf[0] != table}
        new: Doc = copy_doc(doc)
        new["version"] = 1
        self._new[(table, key)] = new
        self._written[(table, key)] = new
        self.wrote = True
        return new

    def update(self, table: str, key: str, fields: Doc, expected_version: int | None = None) -> Doc:
        check_names(table, key)
        current = self.get(table, key)
        new = updated_doc(table, key, current, fields, expected_version)
        assert current is not None  # updated_doc raised NotFound otherwise
        ident = (table, key)
        if ident in self._new:
            self._new[ident] = new
        else:
            stored = self._changed[ident][0] if ident in self._changed else current
            self._changed[ident] = (stored, new)
        self._written[ident] = new
        self.wrote = True
        return new

    def meta(self, key: str, default: Any = None) -> Any:
        self._check_open()
        return self._store._meta(self._conn, key, default)

    def set_meta(self, key: str, value: Any) -> None:
        self._check_open()
        self.wrote = True
        self._meta_written[key] = copy_doc(value)
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (encode_str(key), Jsonb(encode_json(copy_doc(value)))),
        )

    def next_id(self, prefix: str) -> str:
        """Counted here and written once at flush: no other writer runs meanwhile."""
        self._check_open()
        self.wrote = True
        n = self._counters.get(prefix)
        if n is None:
            n = self._known_counters.get(prefix, 0)
        n += 1
        self._counters[prefix] = n
        self._counters_dirty.add(prefix)
        ident = f"{prefix}-{n:06d}"
        self._fresh.add(ident)
        return ident

    def attest(self) -> None:
        """Put the digest of every record and setting written into the chain (protocol
        v2): into the last event if it is still here to amend, else a new
        "records.changed" event (the last one already went to the server)."""
        digests = {record_name(t, k): digest(d) for (t, k), d in self._written.items()}
        meta = {**self._meta_written}
        meta.update({f"next_id:{p}": n for p, n in self._counters.items()})
        digests.update({record_name(META_TABLE, k): digest(v) for k, v in meta.items()})
        if not digests:
            return
        if not self._events:
            self._append("records.changed", "workspace", {})
        last = self._events[-1]
        last["payload"]["records"] = {**last["payload"].get("records", {}), **digests}
        last["hash"] = audit.event_hash(last)
        self._hash = last["hash"]

    def event(self, type: str, entity: str, payload: Doc) -> Doc:  # noqa: A002
        self._check_open()
        return self._append(type, entity, payload)

    def _append(self, type: str, entity: str, payload: Doc) -> Doc:  # noqa: A002
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
        self.wrote = True
        return ev

    def flush(self, bump: str | None = None, commit: bool = False) -> None:
        """Send the buffered writes (in the order a reader would expect them). Small
        batches go as one pipeline (one round trip), big ones as COPY; `bump` also
        counts a commit in the counters row of that name."""
        from appeals_tui.store.postgres.bulk import copy_events, copy_records

        new, self._new = self._new, {}
        changed, self._changed = self._changed, {}
        events, self._events = self._events, []
        by_table: dict[str, list[tuple[str, Doc]]] = {}
        for (table, key), doc in new.items():
            by_table.setdefault(table, []).append((key, doc))
        for ident in changed:
            self._read_docs.pop(ident, None)  # read from the server again once sent
        big = {t for t, rows in by_table.items() if len(rows) > 4}
        if big:
            for table in big:
                copy_records(self._conn, table, by_table[table])
        if len(events) > 4:
            copy_events(self._conn, events)
            events = []
        checks: list[tuple[psycopg.Cursor, str, str]] = []
        users_touched = any(t == "users" for t, _ in new) or any(t == "users" for t, _ in changed)
        with self._conn.pipeline():
            counts = [(p, self._counters[p]) for p in sorted(self._counters_dirty)]
            self._counters_dirty.clear()
            for prefix, n in counts:
                self._conn.execute(
                    "INSERT INTO counters (prefix, n) VALUES (%s, %s) "
                    "ON CONFLICT (prefix) DO UPDATE SET n = EXCLUDED.n",
                    (encode_str(prefix), n),
                )
            for table, rows in by_table.items():
                if table not in big:
                    for key, doc in rows:
                        self._insert_row(table, key, doc)
            for (table, key), (stored, doc) in changed.items():
                checks.append((self._update_row(table, key, stored, doc), table, key))
            if events:
                insert_events(self._conn, events)
            if bump:
                self._conn.execute(
                    "INSERT INTO counters (prefix, n) VALUES (%s, 1) ON CONFLICT (prefix) "
                    "DO UPDATE SET n = counters.n + 1",
                    (bump,),
                )
            if commit and not users_touched:
                self._conn.execute("COMMIT")
        for cur, table, key in checks:
            if cur.rowcount != 1:
                raise ConflictError(f"{table} {key} changed underneath this transaction; try again")
        users = [doc for (table, _), doc in new.items() if table == "users"]
        users += [
            doc
            for (table, _), (stored, doc) in changed.items()
            if table == "users"
            and (doc.get("role") != stored.get("role") or doc.get("login") != stored.get("login"))
        ]
        users += [
            stored
            for (table, _), (stored, doc) in changed.items()
            if table == "users" and login_of(doc) != login_of(stored)
        ]
        for user in users:
            provision_login(self._conn, user)
        if commit and users_touched:
            self._conn.execute("COMMIT")

    def _insert_row(self, table: str, key: str, doc: Doc) -> None:
        spec = spec_for(table)
        row = to_row(spec, key, doc)
        if spec.sql == "documents":
            row = {
                "tbl": table,
                "key": row[spec.key],
                "version": row["version"],
                "extra": row["extra"],
            }
        cols = list(row)
        self._conn.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                _from(spec),
                sql.SQL(", ").join(sql.Identifier(c) for c in cols),
                sql.SQL(", ").join(sql.Placeholder() * len(cols)),
            ),
            [row[c] for c in cols],
        )

    def _update_row(self, table: str, key: str, stored: Doc, new: Doc) -> psycopg.Cursor:
        """UPDATE only the columns that changed: the grants allow no more."""
        spec = spec_for(table)
        old_row, new_row = to_row(spec, key, stored), to_row(spec, key, new)
        if spec.sql == "documents":
            changed = ["version", "extra"]
        else:
            changed = [
                c for c in new_row if c == "version" or _raw(new_row[c]) != _raw(old_row.get(c))
            ]
        cur = self._conn.execute(
            sql.SQL("UPDATE {} SET {} WHERE {} AND version = %s").format(
                _from(spec),
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changed),
                _key_cond(spec),
            ),
            [new_row[c] for c in changed]
            + list(_key_params(spec, key))
            + [stored.get("version", 0)],
        )
        return cur

    def _close(self) -> None:
        self._open = False


def login_of(user: Doc) -> str | None:
    """The database role acting as a roster user: its `login`, else its name."""
    login = user.get("login") or user.get("name")
    return str(login) if login else None


def provision_login(conn: psycopg.Connection, user: Doc) -> None:
    """A roster user's database role is in the groups of every roster role mapped to
    that login (created if new); called after the users row is written."""
    login = login_of(user)
    if not login:
        return
    roles = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT role FROM users WHERE coalesce(login, name) = %s AND role IS NOT NULL",
            (encode_str(login),),
        ).fetchall()
        if r[0] in migrations.GROUPS
    ]
    conn.execute("SELECT appeals_sync_login(%s, %s::text[])", (login, roles))


def _raw(value: Any) -> Any:
    return value.obj if isinstance(value, Jsonb) else value


def insert_events(conn: psycopg.Connection, events: Sequence[Doc]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))})",
            [event_row(ev) for ev in events],
        )


class PostgresStore:
    """A Store on one PostgreSQL database, acting as the connecting role."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        lock_timeout: float = LOCK_WAIT,
        _create: bool = False,
    ) -> None:
        self.url = url
        self.where = redact(url)
        self._clock = clock or utcnow
        self._lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._txn: PgTxn | None = None
        #: what the CLI prints before a command (the embedded store warns of file modes)
        self.warnings: list[str] = []
        self._seen_seq: int | None = None
        #: (table, field) -> (last `ins` seen, its distinct values): see `distinct`
        self._distinct: dict[tuple[str, str], tuple[int, list[Any]]] = {}
        #: (table, field) -> (commit counter, its distinct values): other tables
        self._distinct_commits: dict[tuple[str, str], tuple[int, list[Any]]] = {}
        #: (table, condition, values) -> (commit counter, count): see `_count_until_commit`
        self._counts: dict[tuple[str, str, str], tuple[int, int]] = {}
        #: SQL table -> columns a plain btree index leads with (`_hop`)
        self._indexed_columns: dict[str, set[str]] = {}
        self._login: str | None = None
        self._rollups_present: set[str] | None = None
        self._conn: psycopg.Connection | None = connect(url, autocommit=True)
        self._on_host = server_on_host(self._conn)
        try:
            with translate_errors(self.where):
                if _create:
                    if migrations.schema_version(self._conn) is not None:
                        raise StoreError(f"an appeals database already exists at {self.where}")
                    migrations.apply_migrations(self._conn, self.where)
                else:
                    self._open_schema()
        except BaseException:
            self.close()
            raise

    def _open_schema(self) -> None:
        assert self._conn is not None
        state = migrations.open_state(self._conn)
        if state is None or state.version > migrations.SCHEMA_VERSION:
            migrations.check_version(self._conn, self.where)  # raises, saying what is wrong
            raise StoreError(f"no appeals database at {self.where}")  # (made meanwhile)
        version, missing = state.version, state.tables_missing
        self._login = state.login
        behind = version < migrations.SCHEMA_VERSION or bool(missing)
        if behind or state.reading_order_missing:
            owner = self._conn.execute(
                "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'appeals_schema'"
            ).fetchone()
            if not behind and (not owner or not owner[0]):
                return  # works without the newer indexes until the owner opens it
            if not owner or not owner[0]:
                needs = (
                    f"tables {', '.join(missing)}"
                    if missing and version >= migrations.SCHEMA_VERSION
                    else f"schema {migrations.SCHEMA_VERSION}"
                )
                raise StoreError(
                    f"database at {self.where} has schema {version}; this program needs "
                    f"{needs}: the database owner must run "
                    "`appeals migrate-schema` (or any command) once to upgrade it"
                )
            migrations.apply_migrations(self._conn, self.where)

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> PostgresStore:
        return cls(url, **kwargs)

    @classmethod
    def create(cls, url: str, **kwargs: Any) -> PostgresStore:
        return cls(url, _create=True, **kwargs)

    @staticmethod
    def exists(url: str) -> bool:
        conn = connect(url, autocommit=True)
        try:
            with translate_errors(redact(url)):
                return migrations.schema_version(conn) is not None
        finally:
            conn.close()

    @staticmethod
    def verify_url(url: str) -> VerifyResult:
        with PostgresStore(url) as store:
            return store.verify()

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> None:
        return None

    @property
    def groups_on_server(self) -> bool:
        return True  # GROUP BY in the database: only the groups cross the socket

    @property
    def server_on_host(self) -> bool:
        return self._on_host  # read from the first connection (connect.server_on_host)

    @property
    def media_dir(self) -> Path:
        """Where image bytes live: the shared directory the team names in
        `APPEALS_MEDIA_DIR` (the same mount on every client host, so images imported on
        one host show on another); without it, a local folder per database."""
        import hashlib
        import os

        import platformdirs

        shared = os.environ.get("APPEALS_MEDIA_DIR", "").strip()
        if shared:
            return Path(shared).expanduser()
        ident = hashlib.sha256(self.where.encode()).hexdigest()[:16]
        return Path(platformdirs.user_cache_dir("appeals-tui", appauthor=False)) / "media" / ident

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self._clock = value

    @property
    def database_role(self) -> str:
        """The authenticated database role (`current_user`): who is acting. Sessions map
        it to the roster user whose `login` (or, without one, name) it is."""
        if self._login is None:
            row = self._read(lambda c: c.execute("SELECT current_user").fetchone())
            assert row is not None  # SELECT current_user always returns one row
            self._login = str(row[0])
        return self._login

    # -- connection ------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = connect(self.url, autocommit=True)
        return self._conn

    def _read(self, fn: Callable[[psycopg.Connection], T]) -> T:
        """Run a read; a connection the server dropped (restart) is reopened once. Inside
        a transaction its buffered writes are sent first, so the read sees them."""
        with self._mutex:
            if self._txn is not None:
                with translate_errors(self.where):
                    self._txn.flush()
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    with translate_errors(self.where):
                        return fn(conn)
                except DatabaseUnreachable:
                    if self._txn is not None or attempt == 2 or not (conn.closed or conn.broken):
                        raise
            raise AssertionError("unreachable")

    # -- reads -----------------------------------------------------------------------

    def refresh(self) -> bool:
        row = self._read(
            lambda c: c.execute("SELECT n FROM counters WHERE prefix = %s", (COMMITS,)).fetchone()
        )
        seen = int(row[0]) if row else 0
        changed = self._seen_seq is not None and seen != self._seen_seq
        self._seen_seq = seen
        return changed

    def _get(self, conn: psycopg.Connection, table: str, key: str) -> Doc | None:
        spec = spec_for(table)
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                sql.SQL("SELECT {} FROM {} WHERE {}").format(
                    _select_list(spec), _from(spec), _key_cond(spec)
                ),
                _key_params(spec, key),
            )
            row = cur.fetchone()
        return None if row is None else from_row(spec, row)

    def get(self, table: str, key: str) -> Doc | None:
        return self._read(lambda c: self._get(c, table, key))

    def get_many(self, table: str, keys: Iterable[str]) -> list[Doc]:
        wanted = [k for k in keys]
        if not wanted:
            return []
        spec = spec_for(table)

        def run(conn: psycopg.Connection) -> list[Doc]:
            if spec.sql == "documents":
                cond: sql.Composable = sql.SQL("tbl = %s AND key = ANY(%s)")
                params: list[Any] = [table, wanted]
            else:
                cond = sql.SQL("{} = ANY(%s)").format(sql.Identifier(spec.key))
                params = [[encode_str(k) for k in wanted]]
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(
                    sql.SQL("SELECT {} FROM {} WHERE {}").format(
                        _select_list(spec), _from(spec), cond
                    ),
                    params,
                )
                found = {decode_str(r[spec.key]): from_row(spec, r) for r in cur}
            return [found[k] for k in wanted if k in found]

        return self._read(run)

    def _rows(
        self, conn: psycopg.Connection, spec: TableSpec, tail: sql.Composable, params: list[Any]
    ) -> list[Doc]:
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                sql.SQL("SELECT {} FROM {}{}").format(_select_list(spec), _from(spec), tail),
                params,
            )
            return [from_row(spec, r) for r in cur]

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        spec = spec_for(table)
        if field not in spec.queries:
            # an undeclared table or field: the doc's top-level field, like the embedded store
            return [d for d in self._scan(spec) if d.get(field) == value]
        flt = [Filter(field, value=value)] if value is not None else []
        if value is None:
            return []
        return self.query(table, flt).rows

    def _scan(self, spec: TableSpec) -> list[Doc]:
        params: list[Any] = []
        tail = sql.Composed([where_sql(spec, (), params), sql.SQL(" ORDER BY ins")])
        return self._read(lambda c: self._rows(c, spec, tail, params))

    def all(self, table: str) -> list[Doc]:
        """Every doc of a table in insertion order (small tables; exports use `iterate`)."""
        return self._scan(spec_for(table))

    def query(
        self,
        table: str,
        where: Sequence[Filter] = (),
        order: Sequence[Order] = (),
        page: Page = EVERYTHING,
    ) -> Rows:
        spec = spec_for(table)
        SCHEMA.table(table)
        params: list[Any] = []
        cond = where_sql(spec, where, params)
        limit: sql.Composable = sql.SQL("")
        if page.limit is not None:
            limit = sql.SQL(" LIMIT {}").format(sql.Literal(max(0, int(page.limit))))
        if page.offset:
            limit = sql.Composed(
                [limit, sql.SQL(" OFFSET {}").format(sql.Literal(int(page.offset)))]
            )
        tail = sql.Composed([cond, order_sql(spec, order), limit])

        def run(conn: psycopg.Connection) -> Rows:
            rows = self._rows(conn, spec, tail, params)
            if page.limit is None and not page.offset:
                total = len(rows)
            elif page.offset == 0 and page.limit is not None and len(rows) < page.limit:
                total = len(rows)
            else:
                total = self._count_until_commit(conn, spec, cond, params)
            return Rows(rows, total)

        return self._read(run)

    def _count_until_commit(
        self, conn: psycopg.Connection, spec: TableSpec, cond: sql.Composable, params: list[Any]
    ) -> int:
        """A page's total, kept until any commit (one indexed read to check): the queue
        asks the same count for every page and re-sort, and counting the 168k open cases
        of a 1M database reads each one's heap row (~0.5 s) where pages are recent."""
        key = (spec.sql, cond.as_string(conn), repr(params))
        row = conn.execute("SELECT n FROM counters WHERE prefix = %s", (COMMITS,)).fetchone()
        stamp = int(row[0]) if row else 0
        hit = self._counts.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        total = self._count(conn, spec, cond, params)
        if len(self._counts) >= _COUNTS_KEPT:
            self._counts.clear()
        self._counts[key] = (stamp, total)
        return total

    def _count(
        self, conn: psycopg.Connection, spec: TableSpec, cond: sql.Composable, params: list[Any]
    ) -> int:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}{}").format(_from(spec), cond), params
        ).fetchone()
        return int(row[0]) if row else 0

    def count(self, table: str, where: Sequence[Filter] = (), at_most: int | None = None) -> int:
        spec = spec_for(table)
        params: list[Any] = []
        cond = where_sql(spec, where, params)
        if at_most is not None:  # stops there: 66 index entries, not a text's 130k
            stmt = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {}{} LIMIT {}) x").format(
                _from(spec), cond, sql.Literal(max(0, int(at_most)))
            )
            row = self._read(lambda c: c.execute(stmt, params).fetchone())
            return int(row[0]) if row else 0
        return self._read(lambda c: self._count(c, spec, cond, params))

    def iterate(
        self, table: str, where: Sequence[Filter] = (), order: Sequence[Order] = ()
    ) -> Iterator[Doc]:
        """Streamed through a server-side cursor on a connection of its own, so a long
        export neither holds every row in memory nor blocks this store's other users."""
        spec = spec_for(table)
        SCHEMA.table(table)
        params: list[Any] = []
        tail = sql.Composed([where_sql(spec, where, params), order_sql(spec, order)])
        query = sql.SQL("SELECT {} FROM {}{}").format(_select_list(spec), _from(spec), tail)
        conn = connect(self.url)
        try:
            with translate_errors(self.where), conn.transaction():
                # A cursor is planned for all its rows (a million at 1M decisions), which
                # passes the JIT threshold: compiling took 70 ms before the first row and
                # as much again in the first fetch, for a stream whose reader may stop
                # after one line (`history --json | head -1`).
                conn.execute("SET LOCAL jit = off")
                with conn.cursor(name="appeals_iterate", row_factory=dict_row) as cur:
                    cur.execute(query, params)
                    # the first rows at once (a reader may want one line), then bigger
                    # fetches: a first fetch of 2,000 decoded 2,000 rows for one line
                    size = _FIRST_FETCH
                    while rows := cur.fetchmany(size):
                        for row in rows:
                            yield from_row(spec, row)
                        size = min(size * 8, _FETCH)
        finally:
            conn.close()

    def distinct(self, table: str, field: str, where: Sequence[Filter] = ()) -> list[Any]:
        spec = spec_for(table)
        q = qcol(spec, field)
        params: list[Any] = []
        cond = where_sql(spec, where, params)
        col = sql.Identifier(q.column)
        value = sql.SQL("unnest({})").format(col) if q.multi else col
        collate = sql.SQL(' COLLATE "C"') if q.field.type is Type.TEXT else sql.SQL("")
        stmt = sql.SQL(
            "SELECT v FROM (SELECT DISTINCT {} AS v FROM {}{}) d WHERE v IS NOT NULL ORDER BY v{}"
        ).format(value, _from(spec), cond, collate)
        hop = None
        if not where and not q.multi and spec.sql != "documents" and table != "decisions":
            hop = self._hop(spec, q)  # decisions' indexed fields: kept and topped up below
        if hop is not None and not q.field.indexed:
            return sorted(_plain(r[0]) for r in self._read(lambda c: c.execute(hop).fetchall()))
        if hop is not None:
            return self._distinct_until_commit(table, field, hop, [])
        if where or not q.field.indexed:
            rows = self._read(lambda c: c.execute(stmt, params).fetchall())
            return [_plain(r[0]) for r in rows]
        if table != "decisions":  # values may change: kept until the commit counter moves
            return self._distinct_until_commit(table, field, stmt, params)

        # A whole indexed column's values (precedents ask for the factor masks, clause ids
        # and jurisdictions in use on every call, decide included) scan the table: a
        # second or more each at 1M decisions. Decisions are never deleted and their
        # indexed fields never change once written (only outcome, supersession and the
        # canonical mark are updated), so the values seen so far stay; only rows
        # inserted since (`ins` above the last one seen) are asked about, for every
        # field kept at once (`_top_up`: one round trip, not two per field). Inside a
        # write transaction (it holds the writer lock) values read once stay true until
        # it sends rows of the table itself. Not for other tables: a case's media and
        # contacts grow.
        kept = self._distinct.get((table, field))
        txn = self._txn
        if kept is not None and txn is not None and (table, field) in txn.settled:
            return list(kept[1])
        if kept is None:
            last_stmt = sql.SQL("SELECT max(ins) FROM {}").format(_from(spec))
            if not q.multi:  # the first time: hop through the column's btree index
                stmt = self._hop(spec, q) or stmt

            def read(c: psycopg.Connection) -> tuple[int, list[Any]]:
                row = c.execute(last_stmt).fetchone()
                last = int(row[0]) if row and row[0] is not None else 0
                first: sql.SQL | sql.Composed = stmt
                if q.column == "q_clause_ids" and _has_table(c, "decision_clause_ids"):
                    # kept by the owner's insert trigger (migrations._READING_ORDER)
                    first = sql.SQL("SELECT v FROM decision_clause_ids")
                return last, sorted(_plain(r[0]) for r in c.execute(first, params).fetchall())

            self._distinct[(table, field)] = self._read(read)
        else:
            self._top_up(spec, table)
        if self._txn is not None:
            self._txn.settled.update(k for k in self._distinct if k[0] == table)
        return list(self._distinct[(table, field)][1])

    def _top_up(self, spec: TableSpec, table: str) -> None:
        """Bring every kept `distinct` of `table` up to date in one statement: the
        values of rows inserted since each was read, and the newest `ins` (one snapshot,
        so no row falls between the two)."""
        kept = [
            (f, seen, values) for (t, f), (seen, values) in self._distinct.items() if t == table
        ]
        parts: list[sql.Composable] = [sql.SQL("(SELECT max(ins) FROM {})").format(_from(spec))]
        params: list[Any] = []
        for f, seen, _ in kept:
            col = sql.Identifier(qcol(spec, f).column)
            if qcol(spec, f).multi:
                part = "ARRAY(SELECT DISTINCT u FROM {t} x, unnest(x.{c}) u WHERE x.ins > %s)"
            else:
                part = "ARRAY(SELECT DISTINCT {c} FROM {t} WHERE ins > %s)"
            parts.append(sql.SQL(part).format(t=_from(spec), c=col))
            params.append(seen)
        stmt = sql.SQL("SELECT {}").format(sql.SQL(", ").join(parts))
        row = self._read(lambda c: c.execute(stmt, params).fetchone())
        assert row is not None  # a SELECT of scalars returns one row
        last = int(row[0]) if row[0] is not None else 0
        for (f, seen, values), new in zip(kept, row[1:], strict=True):
            fresh = {_plain(v) for v in new or () if v is not None} - set(values)
            self._distinct[(table, f)] = (
                max(last, seen),
                sorted([*values, *fresh]) if fresh else values,
            )

    def _hop(self, spec: TableSpec, q: QueryColumn) -> sql.Composed | None:
        """A column's distinct values hop by hop through a btree index that leads with
        it, value to next value (a handful of jurisdictions among 1M rows: ~1 ms, not a
        scan of the table); None when no such index exists (then a hop would scan). An
        index of the non-null values serves too (`cases_assignee`: the queue's assignee
        choices were a 1.2 s scan at 1M cases); every hop step skips nulls anyway."""
        known = self._indexed_columns.get(spec.sql)
        if known is None:
            rows = self._read(
                lambda c: c.execute(
                    "SELECT a.attname FROM pg_index i "
                    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                    "WHERE i.indrelid = to_regclass(%s) AND i.indexprs IS NULL AND "
                    "(i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) "
                    "= format('(%%I IS NOT NULL)', a.attname))",
                    (spec.sql,),
                ).fetchall()
            )
            known = self._indexed_columns[spec.sql] = {str(r[0]) for r in rows}
        if q.column not in known:
            return None
        return sql.SQL(
            "WITH RECURSIVE s(v) AS ((SELECT min({c}) FROM {t}) UNION ALL "
            "SELECT (SELECT min({c}) FROM {t} WHERE {c} > s.v) FROM s WHERE s.v IS NOT NULL) "
            "SELECT v FROM s WHERE v IS NOT NULL"
        ).format(c=sql.Identifier(q.column), t=_from(spec))

    def _distinct_until_commit(
        self, table: str, field: str, stmt: sql.Composed, params: list[Any]
    ) -> list[Any]:
        """A whole indexed column's values (networks ask for every text key on each
        call: a scan of cases) kept until any commit (one indexed read to check)."""

        def read(c: psycopg.Connection) -> tuple[int, list[Any]]:
            row = c.execute("SELECT n FROM counters WHERE prefix = %s", (COMMITS,)).fetchone()
            stamp = int(row[0]) if row else 0
            hit = self._distinct_commits.get((table, field))
            if hit is not None and hit[0] == stamp:
                return hit
            return stamp, sorted(_plain(r[0]) for r in c.execute(stmt, params).fetchall())

        stamp, values = self._read(read)
        self._distinct_commits[(table, field)] = (stamp, values)
        return list(values)

    def aggregate(
        self,
        table: str,
        by: Sequence[str],
        where: Sequence[Filter] = (),
        sums: Sequence[str] = (),
        join: Join | None = None,
    ) -> list[Group]:
        spec = spec_for(table)
        kept = rollups.answer(self._rollups(), table, by, where, sums, join)
        if kept is not None:  # counted as the decisions were written (rollups.py)
            return self._groups(kept[0], [], kept[1], len(by), sums)
        params: list[Any] = []
        cond = where_sql(spec, where, params)
        keys: list[sql.Composable] = []
        text: list[bool] = []
        joins: list[sql.Composable] = []

        def group_by(alias: str, s: TableSpec, names: Sequence[str]) -> None:
            for name in names:
                q = qcol(s, name)
                col = sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(q.column))
                text.append(q.field.type is Type.TEXT)
                if q.multi:
                    # a computed column holds `Field.value`, already without duplicates:
                    # a plain unnest (which a parallel plan can run) groups it exactly
                    m = sql.Identifier(f"m{len(keys)}")
                    each = (
                        "LEFT JOIN LATERAL unnest({}) {}(v) ON true"
                        if q.computed
                        else "LEFT JOIN LATERAL (SELECT DISTINCT unnest({}) AS v) {} ON true"
                    )
                    joins.append(sql.SQL(" " + each).format(col, m))
                    keys.append(sql.SQL("{}.v").format(m))
                else:
                    keys.append(col)

        group_by("t", spec, by)
        source = sql.SQL("{} t").format(_from(spec))
        if join is not None:
            jspec = spec_for(join.table)
            on = qcol(spec, join.on)
            if on.multi:
                raise StoreError(f"{table}: a join follows a single-valued field, not {join.on}")
            jcond = where_sql(jspec, join.where, params)
            jkey = "key" if jspec.sql == "documents" else jspec.key
            source = sql.SQL(
                "(SELECT * FROM {}{}) t JOIN (SELECT * FROM {}{}) j ON j.{} = t.{}"
            ).format(
                _from(spec),
                cond,
                _from(jspec),
                jcond,
                sql.Identifier(jkey),
                sql.Identifier(on.column),
            )
            cond = sql.SQL("")
            group_by("j", jspec, join.by)
        totals = []
        for name in sums:
            q = qcol(spec, name)
            col: sql.Composable = sql.SQL("t.{}").format(sql.Identifier(q.column))
            if q.field.type is Type.BOOL:
                col = sql.SQL("{}::int").format(col)
            elif q.field.type not in (Type.INT, Type.FLOAT):
                col = sql.SQL("0")
            totals.append(sql.SQL("coalesce(sum({}), 0)").format(col))
        select = sql.SQL(", ").join([*keys, sql.SQL("count(*)"), *totals])
        group = sql.SQL(" GROUP BY {}").format(sql.SQL(", ").join(keys)) if keys else sql.SQL("")
        order: sql.Composable = sql.SQL("")
        if keys:
            order = sql.SQL(" ORDER BY {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{}{} ASC NULLS FIRST").format(
                        k, sql.SQL(' COLLATE "C"') if is_text else sql.SQL("")
                    )
                    for k, is_text in zip(keys, text, strict=True)
                )
            )
        stmt = sql.SQL("SELECT {} FROM {}{}{}{}{}").format(
            select, source, sql.Composed(joins), _alias_where(cond), group, order
        )
        return self._groups(stmt, params, text, len(keys), sums)

    def _rollups(self) -> set[str]:
        """The rollup tables this database has (looked up once: the owner's open adds
        them, and a reader without them asks the decisions)."""
        if self._rollups_present is None:
            self._rollups_present = {r.name for r in rollups.ROLLUPS} - set(
                self._read(rollups.missing)
            )
        return self._rollups_present

    def _groups(
        self,
        stmt: sql.Composed,
        params: list[Any],
        text: list[bool],
        n_keys: int,
        sums: Sequence[str],
    ) -> list[Group]:
        rows = self._read(lambda c: c.execute(stmt, params).fetchall())
        out = []
        # text keys only need un-escaping (tens of thousands of groups for day x action)
        decode = [decode_str if is_text else _plain for is_text in text]
        for r in rows:
            if not n_keys and r[0] == 0:
                continue
            key = tuple(
                None if v is None else f(v) for f, v in zip(decode, r[:n_keys], strict=True)
            )
            count = int(r[n_keys])
            sums_out = {n: _plain(v) for n, v in zip(sums, r[n_keys + 1 :], strict=True)}
            out.append(Group(key=key, count=count, sums=sums_out))
        return out

    def firsts(
        self,
        table: str,
        by: Sequence[str],
        keys: Sequence[tuple[Any, ...]],
        n: int,
        where: Sequence[Filter] = (),
        order: Sequence[Order] = (),
        fields: Sequence[str] = (),
    ) -> list[list[Doc]]:
        """One statement: for each key a LATERAL subquery walking the table in `order`
        (an index of the same order answers it without sorting the group). With
        `fields`, only their columns are read (no jsonb to decode)."""
        spec = spec_for(table)
        wanted = [qcol(spec, name) for name in fields]
        cols = [qcol(spec, name) for name in by]
        if any(q.multi for q in cols):
            raise StoreError(f"{table}: firsts groups by single-valued fields only")
        if any(v is None for k in keys for v in k):
            raise StoreError(f"{table}: firsts needs keys without None")
        if not keys:
            return []
        params: list[Any] = []
        arrays = []
        for i, q in enumerate(cols):
            params.append([param(q, k[i]) for k in keys])
            arrays.append(sql.SQL("%s::{}[]").format(sql.SQL(SQL_TYPES[q.kind])))
        names = [sql.Identifier(f"_k{i}") for i in range(len(cols))]
        cond = where_sql(spec, where, params)
        same = [
            sql.SQL("{} = k.{}").format(sql.Identifier(q.column), name)
            for q, name in zip(cols, names, strict=True)
        ]
        glue = sql.SQL(" AND " if where or spec.sql == "documents" else " WHERE ")
        stmt = sql.SQL(
            "SELECT k._ki, d.* FROM unnest({}) WITH ORDINALITY AS k({}, _ki) "
            "CROSS JOIN LATERAL (SELECT {} FROM {}{}{}{}{} LIMIT {}) d ORDER BY k._ki"
        ).format(
            sql.SQL(", ").join(arrays),
            sql.SQL(", ").join(names),
            _projection(wanted) if wanted else _select_list(spec),
            _from(spec),
            cond,
            glue,
            sql.SQL(" AND ").join(same),
            order_sql(spec, order),
            sql.Literal(max(0, int(n))),
        )

        def run(conn: psycopg.Connection) -> list[list[Doc]]:
            out: list[list[Doc]] = [[] for _ in keys]
            if wanted:  # plain tuples, decoded column by column: tens of thousands of rows
                rows = conn.execute(stmt, params).fetchall()
                for values, doc in zip(rows, _projected(wanted, rows, 1), strict=True):
                    out[values[0] - 1].append(doc)
                return out
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(stmt, params)
                for row in cur:
                    out[int(row.pop("_ki")) - 1].append(from_row(spec, row))
            return out

        return self._read(run)

    def top(
        self,
        ranking: str,
        match: Mapping[str, Any],
        n: int,
        exclude: Sequence[Filter] = (),
    ) -> list[Doc]:
        r = SCHEMA.ranking(ranking)
        spec = spec_for(r.table)
        tail, params = ranking_sql(spec, r, dict(match), n, exclude)
        return self._read(lambda c: self._rows(c, spec, tail, params))

    def tops(
        self, ranking: str, wanted: Sequence[Top], fields: Sequence[str] = ()
    ) -> list[list[Doc]]:
        """A few statements (`ranking_batch_sql`: one per kind of partition, a LATERAL
        walk each), sent in one pipeline: one round trip for the batch. With `fields`,
        only their columns are read, from the ranking's index alone."""
        r = SCHEMA.ranking(ranking)
        spec = spec_for(r.table)
        projected = [qcol(spec, name) for name in fields]
        select = _projection(projected) if projected else _select_list(spec)
        items = [(i, dict(w.match), max(0, int(w.n)), w.exclude) for i, w in enumerate(wanted)]
        stmts = ranking_batch_sql(spec, r, items, select, bool(projected))
        factory: Any = tuple_row if projected else dict_row

        def run(conn: psycopg.Connection) -> list[list[Doc]]:
            if len(stmts) == 1:
                cursors = [conn.cursor(row_factory=factory).execute(stmts[0][0], stmts[0][1])]
            else:
                with conn.pipeline():
                    cursors = [conn.cursor(row_factory=factory).execute(q, p) for q, p in stmts]
            out: list[list[Doc]] = [[] for _ in wanted]
            for cur in cursors:
                rows = cur.fetchall()
                cur.close()
                if projected:
                    for values, doc in zip(rows, _projected(projected, rows, 1), strict=True):
                        out[values[0]].append(doc)
                else:
                    for row in rows:
                        out[int(row.pop("_ki"))].append(from_row(spec, row))
            return out

        return self._read(run) if stmts else []

    def _meta(self, conn: psycopg.Connection, key: str, default: Any) -> Any:
        row = conn.execute("SELECT value FROM meta WHERE key = %s", (encode_str(key),)).fetchone()
        if key == "schema_version" and row is None:  # the records' layout, as embedded
            version = migrations.schema_version(conn)
            return None if version is None else migrations.layout(version)
        return default if row is None else decode_json(row[0])

    def meta(self, key: str, default: Any = None) -> Any:
        return self._read(lambda c: self._meta(c, key, default))

    # -- writes ----------------------------------------------------------------------

    @contextmanager
    def transaction(self, actor: str) -> Iterator[PgTxn]:
        """BEGIN and the writer lock go in one round trip, the buffered writes and
        COMMIT in another: a small transaction costs a few round trips in all."""
        with self._mutex:
            if self._txn is not None:
                raise StoreError("a transaction is already open on this store")
            conn = self._connection()
            try:
                with translate_errors(self.where):
                    try:
                        head, counters = self._take_writer_lock(conn)
                        txn = self._txn = PgTxn(self, conn, actor, self._clock, head)
                        txn._known_counters = counters
                        try:
                            yield txn
                        finally:
                            txn._close()
                        if txn.wrote:
                            txn.attest()
                        txn.flush(bump=COMMITS if txn.wrote else None, commit=True)
                    except BaseException:
                        if not conn.closed and conn.info.transaction_status != _IDLE:
                            conn.execute("ROLLBACK")
                        raise
            finally:
                self._txn = None

    def staging(self, actor: str) -> AbstractContextManager[PgStaging]:
        """A staged write (protocol v5, staging.py): COPYed as it comes on a connection
        of its own, visible to nobody until `publish` commits it with the chain."""
        from appeals_tui.store.postgres.staging import staging

        return staging(self, actor, max(self._lock_timeout, 60.0))

    def _take_writer_lock(
        self, conn: psycopg.Connection, begin: bool = True
    ) -> tuple[ChainHead, dict[str, int]]:
        """Writers one at a time (the protocol's serialisation); busy too long: exit 4.
        Returns the chain head and the id counters, read once the lock is held.
        `begin=False`: the connection is inside a transaction already (a staging)."""
        deadline = time.monotonic() + self._lock_timeout
        pause = 0.002
        # Two statements, sent together: the head and counters are read by a statement
        # that starts after the lock is held, so its snapshot (READ COMMITTED: one per
        # statement) sees the commit of the writer that held the lock before. Read in
        # the locking statement itself, they came from a snapshot taken before the lock
        # was granted, and a writer could miss its predecessor's last event ("audit
        # event N does not continue the chain", a spurious ConflictError).
        lock = "SELECT pg_try_advisory_xact_lock(%s)"
        read = (
            "SELECT e.seq, e.hash, c.counters FROM (SELECT 1) x "
            "LEFT JOIN LATERAL (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) e "
            "ON true LEFT JOIN LATERAL (SELECT json_object_agg(prefix, n) AS counters "
            "FROM counters) c ON true"
        )

        def attempt() -> tuple[psycopg.Cursor[Any], psycopg.Cursor[Any]]:
            with conn.pipeline():
                locked = conn.execute(lock, (migrations.CHAIN_LOCK,))
                return locked, conn.execute(read)

        if begin:
            with conn.pipeline():
                conn.execute("BEGIN")
                locked, state = conn.execute(lock, (migrations.CHAIN_LOCK,)), conn.execute(read)
        else:
            locked, state = attempt()
        while True:
            got, row = locked.fetchone(), state.fetchone()
            if got and got[0]:
                head = (
                    ChainHead(0, GENESIS)
                    if not row or row[0] is None
                    else ChainHead(int(row[0]), row[1])
                )
                counters = {decode_str(k): int(v) for k, v in ((row and row[2]) or {}).items()}
                return head, counters
            if time.monotonic() >= deadline:
                raise ConflictError(
                    f"the database is busy: {self._lock_holder(conn)} has been writing for "
                    f"over {self._lock_timeout:g} s; try again"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
            locked, state = attempt()

    @staticmethod
    def _lock_holder(conn: psycopg.Connection) -> str:
        row = conn.execute(
            "SELECT a.usename, a.pid, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.objid = (%s::bigint & x'ffffffff'::bigint) "
            "AND l.pid <> pg_backend_pid() LIMIT 1",
            (migrations.CHAIN_LOCK,),
        ).fetchone()
        return f"role {row[0]} (server pid {row[1]})" if row else "another writer"

    # -- audit -----------------------------------------------------------------------

    def _head(self, conn: psycopg.Connection) -> ChainHead:
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return ChainHead(0, GENESIS) if row is None else ChainHead(int(row[0]), row[1])

    def head(self) -> ChainHead:
        return self._read(self._head)

    def _events(self, cond: sql.Composable, params: Sequence[Any]) -> list[Doc]:
        def run(conn: psycopg.Connection) -> list[Doc]:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(
                    sql.SQL("SELECT {} FROM events WHERE {} ORDER BY seq").format(
                        sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS), cond
                    ),
                    params,
                )
                return [_event_doc(r) for r in cur]

        return self._read(run)

    def events(self, since_seq: int = 0) -> list[Doc]:
        return self._events(sql.SQL("seq > %s"), (since_seq,))

    def events_for(self, entities: Iterable[str]) -> list[Doc]:
        wanted = [encode_str(e) for e in dict.fromkeys(entities)]
        if not wanted:
            return []
        return self._events(sql.SQL("entity = ANY(%s)"), (wanted,))

    def iter_events(self) -> Iterator[Doc]:
        """Every event in seq order, streamed (verify, migrate)."""
        with translate_errors(self.where):
            yield from self._iter_events()

    def _iter_events(self, snap: str | None = None) -> Iterator[Doc]:
        conn = connect(self.url)
        if snap is not None:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        try:
            with translate_errors(self.where), conn.transaction():
                reading_at(conn, snap)
                with conn.cursor(name="appeals_events", row_factory=dict_row) as cur:
                    cur.itersize = 5000
                    cur.execute(
                        sql.SQL("SELECT {} FROM events ORDER BY seq").format(
                            sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
                        )
                    )
                    for row in cur:
                        yield _event_doc(row)
        finally:
            conn.close()

    def verify(self) -> VerifyResult:
        """Recompute the whole chain from the server's rows (streamed), then replay the
        record digests it carries against every record and setting (protocol v2)."""
        with translate_errors(self.where), snapshot(self.url) as (conn, snap):
            return self._verify_at(conn, snap)

    def _verify_at(self, conn: psycopg.Connection, snap: str) -> VerifyResult:
        """verify() inside one snapshot: `conn` holds it, other readers join `snap`."""
        expected_seq, prev, checked = 1, GENESIS, 0
        expected: dict[str, tuple[str, int]] = {}
        head = ""
        for ev in self._iter_events(snap):
            seq = ev["seq"]
            problem = ""
            if seq != expected_seq:
                problem = f"event {expected_seq} missing (next is {seq})"
                seq = expected_seq
            elif audit.event_hash(ev) != ev["hash"]:
                problem = f"event {seq}: hash does not match its contents (edited?)"
            elif ev["prev_hash"] != prev:
                problem = f"event {seq}: prev_hash does not match event {seq - 1}'s hash"
            if problem:
                return VerifyResult(False, checked, 0, seq, problem, head=head)
            for name, value in ((ev.get("payload") or {}).get("records") or {}).items():
                expected[name] = (value, seq)
            prev, expected_seq, checked = ev["hash"], expected_seq + 1, checked + 1
            head = f"{seq}:{ev['hash']}"
        result = VerifyResult(True, checked, 0, None, "", head=head)
        if expected:  # needs a role that reads every table (admins cannot read notes)
            self._replay(expected, result, conn, snap)
        return result

    def _replay(
        self,
        expected: dict[str, tuple[str, int]],
        result: VerifyResult,
        conn: psycopg.Connection,
        snap: str,
    ) -> None:
        from appeals_tui.store.postgres.bulk import iter_records, read_meta, record_tables

        seen: set[str] = set()

        def diverged(table: str, key: str, seq: int, what: str, field: str = "") -> None:
            result.ok, result.first_broken_seq, result.problem = (
                False,
                seq,
                f"{table} {key}: {what}",
            )
            result.table, result.record, result.field = table, key, field

        for key, value in read_meta(conn).items():
            name = record_name(META_TABLE, key)
            want = expected.get(name)
            if want is None:
                continue  # settings from before the chain began
            seen.add(name)
            result.records_checked += 1
            if digest(value) != want[0]:
                return diverged(META_TABLE, key, want[1], divergence(value, want[0]))
        for table in record_tables(conn):
            for key, doc in iter_records(self.url, table, snap=snap):
                name = record_name(table, key)
                result.records_checked += 1
                want = expected.get(name)
                if want is None:
                    return diverged(
                        table,
                        key,
                        result.events_checked + 1,
                        "not in the audit chain (added outside the app?)",
                    )
                seen.add(name)
                if digest(doc) != want[0]:
                    what = divergence(doc, want[0])
                    field = what.split("'")[1] if what.startswith("field '") else ""
                    return diverged(
                        table, key, want[1], f"{what} (last written at event {want[1]})", field
                    )
        for name, (_, seq) in expected.items():
            table, _, key = name.partition("/")
            if name not in seen and not (table == META_TABLE and key == "schema_version"):
                return diverged(
                    table, key, seq, f"missing (deleted?); the audit chain has it at event {seq}"
                )
        return None

    # -- upkeep ----------------------------------------------------------------------

    def compact(self, progress: Progress | None = None) -> None:
        """Nothing to fold: PostgreSQL's autovacuum reclaims space (`progress` unused)."""

    def load_derived(self, name: str) -> None:
        """None: the server answers grouped questions itself (`groups_on_server`)."""
        return None

    def save_derived(self, name: str, payload: bytes) -> None:
        """Nothing kept (see `load_derived`)."""

    def disk_usage(self) -> int:
        row = self._read(
            lambda c: c.execute("SELECT pg_database_size(current_database())").fetchone()
        )
        return int(row[0]) if row else 0


def _has_table(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])


#: an instant as `timeutil.iso` writes it (UTC, whole seconds), formatted by the server
_ISO = 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'


def _projection(wanted: Sequence[QueryColumn]) -> sql.Composed:
    """The select list of a projected read (`fields=`): each declared field's column
    (read by position), an instant already as ISO 8601 text. The names are not the
    columns': an ORDER BY of the same statement must sort by the column (its index),
    not by this text."""
    return sql.SQL(", ").join(
        (
            sql.SQL("to_char({} AT TIME ZONE 'UTC', {}) AS {}")
            if q.field.type is Type.TIMESTAMP and not q.multi
            else sql.SQL("{} AS {}")
        ).format(
            sql.Identifier(q.column),
            *([sql.Literal(_ISO)] if q.field.type is Type.TIMESTAMP and not q.multi else []),
            sql.Identifier(f"_f{i}"),
        )
        for i, q in enumerate(wanted)
    )


def _projected(wanted: Sequence[QueryColumn], rows: Sequence[Any], skip: int) -> list[Doc]:
    """Docs of a projected read's rows (values from column `skip` on), decoded column
    by column: a text column is un-escaped only when one of its values is escaped (a
    check at C speed over the column), so tens of thousands of rows cost little more
    than building their dicts."""
    names = [q.field.name for q in wanted]
    docs: list[Doc] = [dict(zip(names, r[skip:], strict=True)) for r in rows]
    for q, name in zip(wanted, names, strict=True):
        kind = q.field.type
        if kind is Type.TIMESTAMP and not q.multi:
            continue  # formatted by the server (`_projection`)
        if kind is Type.TEXT:
            if q.multi:
                found = MARK in "".join(v for d in docs for v in d[name] or ())
            else:
                found = MARK in "".join(v for d in docs if (v := d[name]))
            if not found:
                continue
        elif kind in (Type.INT, Type.BOOL) and not q.multi:
            continue
        decode = _decoder(q)
        for d in docs:
            if d[name] is not None:
                d[name] = decode(d[name])
    return docs


def _decoder(q: QueryColumn) -> Callable[[Any], Any]:
    """How a declared field's non-null column value reads back (`Field.value`'s JSON
    form): text un-escaped, instants as ISO 8601 in UTC, numbers and booleans as they are."""
    kind = q.field.type
    one: Callable[[Any], Any] = _plain
    if kind is Type.TEXT:
        one = decode_str
    elif kind is Type.TIMESTAMP:
        one = _instant
    if q.multi:
        return lambda values: [one(v) for v in values]
    return one


def _instant(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _alias_where(cond: sql.Composable) -> sql.Composable:
    return cond
