"""Grouped counts of decisions kept current by the database: what stats reads at 1M.

Why: the consistency dashboard (services/stats.py, grouped plan) asks a few GROUP BY
questions over every decision; at 1M each is a scan of a million index entries
(~0.3 s apiece, ~1.3 s of server time a call, more on a busy machine). These
questions only ever group by a few fields and filter on a few fixed conditions, so
their answers are kept instead: each rollup table holds one row per combination of
its `by` values and `flags` (the conditions, true or false), with the count and sums.
The owner's statement triggers update it in the same transaction as every insert,
update or delete of decisions (also COPY), so it is never behind what a reader of
the decisions sees; `aggregate` answers from it when the question fits (`answer`),
else from the decisions as before. A rollup is created and filled from the
decisions already there by the owner's open (`install`, with the migrations); until
then, or with a time range, the questions go to the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from appeals_tui.store.postgres.columns import SQL_TYPES, spec_for
from appeals_tui.store.postgres.sqlbuild import _filter, qcol
from appeals_tui.store.protocol import Filter, Join, Op
from appeals_tui.store.schema import Type

__all__ = ["Rollup", "ROLLUPS", "answer", "install", "missing", "GRANTED"]

#: who may read the rollups (the decisions they count are readable by all three);
#: nobody is granted a write: only the owner's SECURITY DEFINER triggers write them
GRANTED = ("appeals_moderator", "appeals_lead", "appeals_admin")


@dataclass(frozen=True)
class Rollup:
    """Counts (and `sums`) of `table`'s docs per `by` values and per truth of each of
    `flags`. A question fits when it groups by some of `by` (all the multi-valued
    ones among them), filters only with some of `flags` and sums some of `sums`."""

    name: str  # the SQL table
    table: str  # the declared table it counts
    by: tuple[str, ...]
    flags: tuple[Filter, ...] = ()
    sums: tuple[str, ...] = ()


#: the conditions stats asks with (services/stats.py `_APPEAL_OUTCOME`, `_STANDING`); a
#: question with other filters (a time range) is answered from the decisions
_APPEAL_OUTCOME = (Filter("supersedes", Op.NOT_NULL), Filter("rereview", Op.IS_NULL))
_STANDING = (Filter("superseded_by", Op.IS_NULL), Filter("appeal_outcome", Op.NE, "overturned"))

ROLLUPS: tuple[Rollup, ...] = (
    # moderator x day x action (~42k rows at 1M): the weeks, each moderator's own
    # decisions and divergences, and the appeal outcomes subtracted from them
    Rollup(
        "rollup_decision_days",
        "decisions",
        ("moderator", "decided_day", "action"),
        _APPEAL_OUTCOME,
        ("diverged",),
    ),
    # per cited clause (a decision citing several counts once for each)
    Rollup("rollup_decision_clauses", "decisions", ("clause_ids",), _APPEAL_OUTCOME, ("diverged",)),
    # profile x jurisdiction x action of standing decisions: the inconsistent profiles
    Rollup(
        "rollup_decision_profiles",
        "decisions",
        ("factor_mask", "jurisdiction", "action"),
        _STANDING,
    ),
)


def _keys(r: Rollup) -> list[str]:
    return [f"k{i}" for i in range(len(r.by))]


def _flag_columns(r: Rollup) -> list[str]:
    return [f"f{i}" for i in range(len(r.flags))]


def _sum_columns(r: Rollup) -> list[str]:
    return [f"s{i}" for i in range(len(r.sums))]


def fits(
    r: Rollup,
    table: str,
    by: Sequence[str],
    where: Sequence[Filter],
    sums: Sequence[str],
    join: Join | None,
) -> bool:
    if join is not None or table != r.table:
        return False
    if any(name not in r.by for name in by) or any(name not in r.sums for name in sums):
        return False
    if any(f not in r.flags for f in where):
        return False
    spec = spec_for(r.table)
    # a doc is in one row per value of a multi field: summing over it would count it again
    return all(name in by for name in r.by if qcol(spec, name).multi)


def answer(
    present: set[str],
    table: str,
    by: Sequence[str],
    where: Sequence[Filter],
    sums: Sequence[str],
    join: Join | None,
) -> tuple[sql.Composed, list[bool]] | None:
    """The statement answering `Store.aggregate(table, by, where, sums, join)` from a
    rollup in `present` (rows: the `by` values, the count, the sums, in the order and
    form the decisions' own statement gives them), or None when none fits."""
    for r in ROLLUPS:
        if r.name in present and fits(r, table, by, where, sums, join):
            return _statement(r, by, where, sums)
    return None


def _statement(
    r: Rollup, by: Sequence[str], where: Sequence[Filter], sums: Sequence[str]
) -> tuple[sql.Composed, list[bool]]:
    spec = spec_for(r.table)
    keys = [sql.Identifier(_keys(r)[r.by.index(name)]) for name in by]
    text = [qcol(spec, name).field.type is Type.TEXT for name in by]
    totals = [
        sql.SQL("coalesce(sum({}), 0)").format(sql.Identifier(_sum_columns(r)[r.sums.index(s)]))
        for s in sums
    ]
    conds = [sql.Identifier(_flag_columns(r)[r.flags.index(f)]) for f in where]
    select = sql.SQL(", ").join([*keys, sql.SQL("coalesce(sum(n), 0)"), *totals])
    where_part = sql.SQL(" WHERE {}").format(sql.SQL(" AND ").join(conds)) if conds else sql.SQL("")
    if not keys:
        return sql.SQL("SELECT {} FROM {}{}").format(
            select, sql.Identifier(r.name), where_part
        ), text
    order = sql.SQL(", ").join(
        sql.SQL("{}{} ASC NULLS FIRST").format(k, sql.SQL(' COLLATE "C"') if t else sql.SQL(""))
        for k, t in zip(keys, text, strict=True)
    )
    stmt = sql.SQL("SELECT {} FROM {}{} GROUP BY {} HAVING sum(n) > 0 ORDER BY {}").format(
        select, sql.Identifier(r.name), where_part, sql.SQL(", ").join(keys), order
    )
    return stmt, text


# -- the owner's side: tables, triggers, the first fill ---------------------------------


def missing(conn: psycopg.Connection) -> list[str]:
    """Rollup tables the database lacks (the owner's next open creates and fills them)."""
    rows = conn.execute(
        "SELECT n FROM unnest(%s::text[]) AS t(n) WHERE to_regclass(quote_ident(n)) IS NULL",
        ([r.name for r in ROLLUPS],),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _changes(conn: psycopg.Connection, r: Rollup, source: str, sign: int) -> str:
    """SELECT of (by values, flags, count, sums) of the rows of transition table
    `source`, counted with `sign` (+1 added, -1 removed), as SQL text."""
    spec = spec_for(r.table)
    params: list[object] = []
    lateral: list[sql.Composable] = []
    values: list[sql.Composable] = []
    for i, name in enumerate(r.by):
        q = qcol(spec, name)
        col = sql.SQL("t.{}").format(sql.Identifier(q.column))
        if q.multi:
            assert q.computed  # duplicate-free, as `aggregate` reads it
            m = sql.Identifier(f"m{i}")
            lateral.append(sql.SQL(" LEFT JOIN LATERAL unnest({}) {}(v) ON true").format(col, m))
            values.append(sql.SQL("{}.v").format(m))
        else:
            values.append(col)
    flags = [sql.SQL("coalesce(({}), false)").format(_filter(spec, f, params)) for f in r.flags]
    totals = []
    for name in r.sums:
        q = qcol(spec, name)
        col = sql.SQL("t.{}").format(sql.Identifier(q.column))
        if q.field.type is Type.BOOL:
            col = sql.SQL("{}::int").format(col)
        totals.append(sql.SQL("{} * coalesce(sum({}), 0)").format(sql.Literal(sign), col))
    group = sql.SQL(", ").join(sql.Literal(i + 1) for i in range(len(values) + len(flags)))
    stmt = sql.SQL("SELECT {} FROM {} t{} GROUP BY {}").format(
        sql.SQL(", ").join(
            [*values, *flags, sql.SQL("{} * count(*)").format(sql.Literal(sign)), *totals]
        ),
        sql.Identifier(source),
        sql.Composed(lateral),
        group,
    )
    return psycopg.ClientCursor(conn).mogrify(stmt, params)


def _upsert(conn: psycopg.Connection, r: Rollup, select: str) -> str:
    cols = [*_keys(r), *_flag_columns(r), "n", *_sum_columns(r)]
    unique = sql.SQL(", ").join(sql.Identifier(c) for c in [*_keys(r), *_flag_columns(r)])
    add = sql.SQL(", ").join(
        sql.SQL("{c} = r.{c} + EXCLUDED.{c}").format(c=sql.Identifier(c))
        for c in ["n", *_sum_columns(r)]
    )
    stmt = sql.SQL(
        "INSERT INTO {} AS r ({}) SELECT * FROM ({}) c ON CONFLICT ({}) DO UPDATE SET {}"
    ).format(
        sql.Identifier(r.name),
        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sql.SQL(select),  # noqa: S608 (built from declared names above, values mogrified)
        unique,
        add,
    )
    return stmt.as_string(conn)


def _column_type(r: Rollup, name: str) -> str:
    q = qcol(spec_for(r.table), name)
    kind = SQL_TYPES[q.kind]
    return kind[:-2] if kind.endswith("[]") else kind


def install(conn: psycopg.Connection) -> None:
    """Create (once, filled from the decisions already there) every rollup table and
    (re)create its triggers. The owner's, inside the migrations' transaction: the
    trigger is created before the fill, and creating it locks the decisions against
    writers until this commits, so no write falls between the fill and the trigger."""
    got = conn.execute("SELECT current_schema()").fetchone()
    schema = str(got[0]) if got and got[0] else "public"
    for r in ROLLUPS:
        fresh = r.name in missing(conn)
        if fresh:
            cols = [
                *(
                    sql.SQL("{} {}").format(sql.Identifier(k), sql.SQL(_column_type(r, name)))
                    for k, name in zip(_keys(r), r.by, strict=True)
                ),
                *(
                    sql.SQL("{} boolean NOT NULL").format(sql.Identifier(f))
                    for f in _flag_columns(r)
                ),
                sql.SQL("n bigint NOT NULL"),
                *(sql.SQL("{} bigint NOT NULL").format(sql.Identifier(s)) for s in _sum_columns(r)),
            ]
            unique = sql.SQL(", ").join(sql.Identifier(c) for c in [*_keys(r), *_flag_columns(r)])
            conn.execute(
                sql.SQL("CREATE TABLE {} ({}, UNIQUE NULLS NOT DISTINCT ({}))").format(
                    sql.Identifier(r.name), sql.SQL(", ").join(cols), unique
                )
            )
            conn.execute(
                sql.SQL("GRANT SELECT ON {} TO {}").format(
                    sql.Identifier(r.name), sql.SQL(", ").join(sql.Identifier(g) for g in GRANTED)
                )
            )
        function = f"appeals_{r.name}"
        body = (
            "BEGIN\n"
            "    IF TG_OP = 'INSERT' THEN\n"
            f"        {_upsert(conn, r, _changes(conn, r, 'new_rows', 1))};\n"
            "    ELSIF TG_OP = 'DELETE' THEN\n"
            f"        {_upsert(conn, r, _changes(conn, r, 'old_rows', -1))};\n"
            "    ELSE\n"
            f"        {_upsert(conn, r, _both(conn, r))};\n"
            "    END IF;\n"
            "    RETURN NULL;\n"
            "END"
        )
        # the schema, then pg_temp last: left implicit, a session's temporary tables come
        # first and a moderator's own `rollup_*` table would take the owner's writes
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql "
                "SECURITY DEFINER SET search_path = {}, pg_temp AS {}"
            ).format(sql.Identifier(function), sql.Identifier(schema), sql.Literal(body))
        )
        conn.execute(
            sql.SQL("REVOKE ALL ON FUNCTION {}() FROM PUBLIC").format(sql.Identifier(function))
        )
        table = sql.Identifier(spec_for(r.table).sql)
        for op, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            conn.execute(
                sql.SQL(
                    "CREATE OR REPLACE TRIGGER {} AFTER {} ON {} REFERENCING {} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
                ).format(
                    sql.Identifier(f"{r.name}_{op.lower()}"),
                    sql.SQL(op),
                    table,
                    sql.SQL(refs),
                    sql.Identifier(function),
                )
            )
        if fresh:  # the decisions already there, counted once (the trigger holds writers off)
            conn.execute(_upsert(conn, r, _changes(conn, r, spec_for(r.table).sql, 1)))


def _both(conn: psycopg.Connection, r: Rollup) -> str:
    """An update's net change: its rows as they were, subtracted, and as they are, added,
    summed per rollup row (a change that moves nothing, like a canonical mark, nets 0)."""
    width = len(r.by) + len(r.flags)
    group = ", ".join(str(i + 1) for i in range(width))
    cols = [f"c{i}" for i in range(width + 1 + len(r.sums))]
    keep = ", ".join(cols[:width])
    totals = ", ".join(f"sum({c})" for c in cols[width:])
    return (
        f"SELECT {keep}, {totals} FROM ("  # noqa: S608 (generated names only)
        f"{_changes(conn, r, 'old_rows', -1)} UNION ALL {_changes(conn, r, 'new_rows', 1)}"
        f") u({', '.join(cols)}) GROUP BY {group} HAVING {' OR '.join(f'sum({c}) <> 0' for c in cols[width:])}"
    )
