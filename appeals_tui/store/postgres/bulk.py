"""Bulk paths on PostgreSQL: COPY records and events in, stream them out.

Why: moving a team's workspace (100k+ decisions) or building a 1M-decision
benchmark one INSERT at a time costs minutes of round trips; `COPY ... FROM
STDIN` streams rows in one statement, and a server-side cursor streams them out
without holding a table in memory. Records are written exactly as `to_row`
would (same columns, computed fields, verbatim versions), so what COPY loads
is indistinguishable from what transactions write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from appeals_tui.store.postgres.columns import TableSpec, from_row, spec_for, to_row
from appeals_tui.store.postgres.pgtext import decode_json, decode_str, encode_json, encode_str
from appeals_tui.store.protocol import Doc
from appeals_tui.store.schema import SCHEMA

__all__ = [
    "copy_records",
    "copy_events",
    "iter_records",
    "record_tables",
    "read_meta",
    "write_meta",
    "NEXT_ID",
]

NEXT_ID = "next_id:"
Progress = Callable[[int], None]


def _columns(spec: TableSpec) -> list[str]:
    if spec.sql == "documents":
        return ["tbl", "key", "version", "extra"]
    cols = [spec.key, *(c.name for c in spec.columns), *(q.column for q in spec.computed)]
    return [*cols, "version", "extra"]


def copy_records(
    conn: psycopg.Connection,
    table: str,
    records: Iterable[tuple[str, Doc]],
    progress: Progress | None = None,
) -> int:
    """COPY (key, doc) pairs into `table`, in the given (insertion) order."""
    spec = spec_for(table)
    cols = _columns(spec)
    n = 0
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(spec.sql), sql.SQL(", ").join(sql.Identifier(c) for c in cols)
    )
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for key, doc in records:
            row = to_row(spec, key, doc)
            if spec.sql == "documents":
                row = {"tbl": table, "key": row[spec.key], **row}
            copy.write_row([row[c] for c in cols])
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(1000)
    if progress is not None:
        progress(n % 1000)
    return n


def copy_events(
    conn: psycopg.Connection, events: Iterable[Doc], progress: Progress | None = None
) -> int:
    """COPY audit events verbatim (the chain trigger checks each continues the chain)."""
    n = 0
    stmt = "COPY events (seq, at, actor, type, entity, payload, prev_hash, hash) FROM STDIN"
    from psycopg.types.json import Jsonb

    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for ev in events:
            copy.write_row(
                [
                    ev["seq"],
                    ev["at"],
                    encode_str(ev["actor"]),
                    encode_str(ev["type"]),
                    encode_str(ev["entity"]),
                    Jsonb(encode_json(ev["payload"])),
                    ev["prev_hash"],
                    ev["hash"],
                ]
            )
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(1000)
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
