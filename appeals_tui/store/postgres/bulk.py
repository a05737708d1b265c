"""Bulk paths on PostgreSQL: COPY records and events in, stream them out.

Why: moving a team's workspace (100k+ decisions) or building a 1M-decision
benchmark one INSERT at a time costs minutes of round trips; `COPY ... FROM
STDIN` streams rows in one statement, and a server-side cursor streams them out
without holding a table in memory. Records are written exactly as `to_row`
would (same columns, computed fields, verbatim versions), so what COPY loads
is indistinguishable from what transactions write; they go as lines of COPY
text made by copytext.py (a fifth of the per-value cost of psycopg's
`write_row`), falling back to `write_row` for what a line cannot say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from appeals_tui.store.postgres.columns import from_row, spec_for
from appeals_tui.store.postgres.copytext import LineEncoder, event_line
from appeals_tui.store.postgres.pgtext import decode_json, decode_str, encode_json, encode_str
from appeals_tui.store.protocol import Doc
from appeals_tui.store.schema import SCHEMA

__all__ = [
    "EVENT_COLUMNS",
    "event_row",
    "copy_records",
    "copy_encoded",
    "encode_record",
    "fast_text",
    "copy_events",
    "iter_records",
    "record_tables",
    "read_meta",
    "write_meta",
    "NEXT_ID",
]

NEXT_ID = "next_id:"
Progress = Callable[[int], None]


#: COPY text sent per write (lines are joined up to about this many bytes)
_CHUNK = 1 << 20
_ENCODERS: dict[str, LineEncoder] = {}

#: a record ready for COPY: its line of COPY text, or (the fallback) its `to_row` values
Encoded = bytes | list[Any]


def encoder(table: str) -> LineEncoder:
    enc = _ENCODERS.get(table)
    if enc is None:
        enc = _ENCODERS[table] = LineEncoder(table, spec_for(table))
    return enc


def fast_text(conn: psycopg.Connection) -> bool:
    """Whether COPY lines may be made here (the connection speaks UTF-8, as they are)."""
    return conn.info.encoding == "utf-8"


def encode_record(
    table: str, key: str, doc: Doc, fast: bool = True, plain: bool = False
) -> Encoded:
    """The record as `copy_encoded` sends it (its COPY line, or `to_row`'s values);
    `plain`: see `LineEncoder.line`."""
    enc = encoder(table)
    line = enc.line(key, doc, plain) if fast else None
    return line if line is not None else enc.row(key, doc)


def copy_encoded(conn: psycopg.Connection, table: str, items: Iterable[Encoded]) -> int:
    """COPY encoded records of `table` in, in the given (insertion) order."""
    enc = encoder(table)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(enc.spec.sql), sql.SQL(", ").join(sql.Identifier(c) for c in enc.columns)
    )
    n = 0
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        buf: list[bytes] = []
        size = 0
        for item in items:
            n += 1
            if type(item) is bytes:
                buf.append(item)
                size += len(item)
                if size >= _CHUNK:
                    copy.write(b"".join(buf))
                    buf, size = [], 0
                continue
            if buf:
                copy.write(b"".join(buf))
                buf, size = [], 0
            copy.write_row(item)
        if buf:
            copy.write(b"".join(buf))
    return n


def copy_records(
    conn: psycopg.Connection,
    table: str,
    records: Iterable[tuple[str, Doc]],
    progress: Progress | None = None,
) -> int:
    """COPY (key, doc) pairs into `table`, in the given (insertion) order."""
    fast = fast_text(conn)
    counted = [0]

    def items() -> Iterator[Encoded]:
        for key, doc in records:
            yield encode_record(table, key, doc, fast)
            counted[0] += 1
            if progress is not None and counted[0] % 1000 == 0:
                progress(1000)

    n = copy_encoded(conn, table, items())
    if progress is not None:
        progress(n % 1000)
    return n


#: the events table's columns, in the order `event_row` gives them
EVENT_COLUMNS = ("seq", "at", "actor", "type", "entity", "payload", "prev_hash", "hash")


def event_row(ev: Doc) -> tuple[Any, ...]:
    """An audit event's row as psycopg is given it (COPY's write_row, INSERT)."""
    from psycopg.types.json import Jsonb

    return (
        ev["seq"],
        ev["at"],
        encode_str(ev["actor"]),
        encode_str(ev["type"]),
        encode_str(ev["entity"]),
        Jsonb(encode_json(ev["payload"])),
        ev["prev_hash"],
        ev["hash"],
    )


def copy_events(
    conn: psycopg.Connection,
    events: Iterable[Doc | bytes],
    progress: Progress | None = None,
    chunk: int = _CHUNK,
) -> int:
    """COPY audit events verbatim (the chain trigger checks each continues the chain),
    written `chunk` bytes at a time. An event may come as its COPY line already
    (event_lines.LineSpool: only on a connection that speaks UTF-8)."""
    n = 0
    stmt = f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
    fast = fast_text(conn)
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        buf: list[bytes] = []
        size = 0
        for ev in events:
            if isinstance(ev, bytes):
                line: bytes | None = ev
            else:
                line = event_line(ev) if fast else None
            if line is not None:
                buf.append(line)
                size += len(line)
                if size >= chunk:
                    copy.write(b"".join(buf))
                    buf, size = [], 0
            else:
                if buf:
                    copy.write(b"".join(buf))
                    buf, size = [], 0
                assert not isinstance(ev, bytes)
                copy.write_row(event_row(ev))
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(1000)
        if buf:
            copy.write(b"".join(buf))
    if progress is not None:
        progress(n % 1000)
    return n


def record_tables(conn: psycopg.Connection) -> list[str]:
    """Declared tables plus any stored in the generic `documents` table."""
    rows = conn.execute("SELECT DISTINCT tbl FROM documents ORDER BY 1").fetchall()
    return [t.name for t in SCHEMA.tables] + [r[0] for r in rows]


def iter_records(
    url: str, table: str, itersize: int = 2000, snap: str | None = None
) -> Iterator[tuple[str, Doc]]:
    """(key, doc) of every record of `table` in insertion order, through a server-side
    cursor on a connection of its own (at the exported snapshot `snap` if given)."""
    from appeals_tui.store.postgres.connect import connect, reading_at

    spec = spec_for(table)
    cols = [spec.key, *(c.name for c in spec.columns), "version", "extra"]
    where = sql.SQL(" WHERE tbl = %s") if spec.sql == "documents" else sql.SQL("")
    params: list[Any] = [table] if spec.sql == "documents" else []
    stmt = sql.SQL("SELECT {} FROM {}{} ORDER BY ins").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in cols), sql.Identifier(spec.sql), where
    )
    conn = connect(url)
    if snap is not None:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        with conn.transaction(), conn.cursor(name="appeals_records", row_factory=dict_row) as cur:
            reading_at(conn, snap)
            cur.itersize = itersize
            cur.execute(stmt, params)
            for row in cur:
                yield decode_str(row[spec.key]), from_row(spec, row)
    finally:
        conn.close()


def read_meta(conn: psycopg.Connection) -> dict[str, Any]:
    """Settings and id counters as the embedded workspace keeps them (`next_id:X`)."""
    from appeals_tui.store.postgres.store import COMMITS

    meta = {
        decode_str(k): decode_json(v)
        for k, v in conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    }
    for prefix, n in conn.execute("SELECT prefix, n FROM counters ORDER BY prefix").fetchall():
        if prefix != COMMITS:
            meta[NEXT_ID + decode_str(prefix)] = int(n)
    return meta


def write_meta(conn: psycopg.Connection, meta: dict[str, Any]) -> None:
    from psycopg.types.json import Jsonb

    for key, value in meta.items():
        if key == "schema_version":
            continue  # each backend versions its own schema
        if key.startswith(NEXT_ID) and type(value) is int:
            conn.execute(
                "INSERT INTO counters (prefix, n) VALUES (%s, %s)",
                (encode_str(key[len(NEXT_ID) :]), value),
            )
        else:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s)",
                (encode_str(key), Jsonb(encode_json(value))),
            )
