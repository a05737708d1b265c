"""Migration 7's data step: each `case_links` record's contacts and text key onto its case.

Why in Python, in bulk: the rewritten cases must be attested in the audit chain, and a
record's digest (store/attest.py) is computed in Python, so SQL alone cannot do it; one
`UPDATE` per case (a PgTxn each) takes tens of minutes at 1M cases. Here the cases and
their links are streamed through a server-side cursor, each new record is built and
digested as `Transaction.update` would (fields merged, version + 1), the new column
values are COPYed into a temporary table and applied in one `UPDATE ... FROM`, and the
digests go into the chain as `records.attested` events of ATTEST_BATCH each, one per
part read (the client holds one part at a time). All inside the migration's
transaction: a crash leaves the database at schema 6.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from appeals_tui.store.attest import digest, record_name
from appeals_tui.store.audit import GENESIS, make_event
from appeals_tui.store.postgres.bulk import copy_events
from appeals_tui.store.postgres.columns import from_row, spec_for, to_row
from appeals_tui.store.postgres.pgtext import decode_str

__all__ = ["ATTEST_BATCH", "links_onto_cases"]

#: record digests per `records.attested` event (as the embedded store's migrations),
#: also the cases fetched per round trip and COPYed aside per statement
ATTEST_BATCH = 2000
#: the columns a case's row changes
_CHANGED = ("version", "extra", "q_contacts", "q_text_key")
#: the counters row every committed write bumps (store.py's COMMITS: caches watch it)
_COMMITS = "~commits"


def links_onto_cases(conn: psycopg.Connection, chain_lock: int, actor: str = "system") -> int:
    """Copy every `case_links` record's contacts and text key onto its case (version
    + 1), attest the new records in the chain; how many cases changed. The caller
    holds a transaction and has added the case columns (migration 7's SQL)."""
    row = conn.execute("SELECT to_regclass('case_links') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0  # a new database: its case_links table comes later, empty
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (chain_lock,))  # the chain is ours
    conn.execute(
        "CREATE TEMP TABLE appeals_links_moved (case_id text, version integer, extra jsonb, "
        "q_contacts text[], q_text_key bigint) ON COMMIT DROP"
    )
    got = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (0, GENESIS) if got is None else (int(got[0]), str(got[1]))
    at = datetime.now(UTC)
    moved = 0
    copy_stmt = (
        "COPY appeals_links_moved (case_id, version, extra, q_contacts, q_text_key) FROM STDIN"
    )
    with conn.cursor() as out:
        for part in _parts(conn):  # the new rows kept aside, their digests attested now
            with out.copy(copy_stmt) as copy:
                for key, values, _, _ in part:
                    copy.write_row((key, *values))
            seq += 1
            ev = make_event(
                seq=seq,
                at=at,
                actor=actor,
                type="records.attested",
                entity="workspace",
                payload={"records": {name: sha for _, _, name, sha in part}},
                prev_hash=prev,
            )
            copy_events(conn, [ev])  # (no statement may run inside the COPY above)
            prev = ev["hash"]
            moved += len(part)
    if not moved:
        return 0
    conn.execute("ANALYZE appeals_links_moved")
    conn.execute(
        "UPDATE cases c SET version = m.version, extra = m.extra, q_contacts = m.q_contacts, "
        "q_text_key = m.q_text_key FROM appeals_links_moved m WHERE c.case_id = m.case_id"
    )
    conn.execute(
        "INSERT INTO counters (prefix, n) VALUES (%s, 1) ON CONFLICT (prefix) "
        "DO UPDATE SET n = counters.n + 1",
        (_COMMITS,),
    )
    return moved


_Moved = tuple[str, tuple[Any, ...], str, str]  # key (as stored), new values, name, digest


def _parts(conn: psycopg.Connection) -> Iterator[list[_Moved]]:
    """The moved cases, ATTEST_BATCH at a time: their new column values and digests."""
    cases, links = spec_for("cases"), spec_for("case_links")
    cols = [cases.key, *(c.name for c in cases.columns), "version", "extra"]
    stmt = sql.SQL(
        "SELECT {}, l.version AS links_version, l.extra AS links_extra "
        "FROM cases c JOIN case_links l ON l.case_id = c.case_id ORDER BY c.ins"
    ).format(sql.SQL(", ").join(sql.SQL("c.{}").format(sql.Identifier(c)) for c in cols))
    with conn.cursor(name="appeals_links_onto_cases", row_factory=dict_row) as cur:
        cur.itersize = ATTEST_BATCH
        cur.execute(stmt)
        while True:
            rows = cur.fetchmany(ATTEST_BATCH)
            if not rows:
                return
            part: list[_Moved] = []
            for r in rows:
                key = decode_str(r[cases.key])
                case = from_row(cases, r)
                link = from_row(
                    links,
                    {
                        links.key: r[cases.key],
                        "version": r["links_version"],
                        "extra": r["links_extra"],
                    },
                )
                new = {
                    **case,
                    "contacts": list(link.get("contacts") or ()),
                    "text_key": link.get("text_key"),
                }
                new["version"] = case.get("version", 0) + 1  # as Transaction.update
                values = to_row(cases, key, new)
                name = record_name("cases", key)
                part.append((r[cases.key], tuple(values[c] for c in _CHANGED), name, digest(new)))
            yield part
