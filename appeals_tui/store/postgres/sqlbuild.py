"""The protocol's filters, orders, groups and rankings as SQL over typed columns.

Why: each question a service asks (`Store.query`, `count`, `aggregate`, `top`)
must become one indexed statement on the server, agreeing exactly with the
reference semantics in `store/schema.py` and `store/tinyquery.py`: a missing
value is null and fails every comparison except NE/NOT_IN/IS_NULL, multi fields
hold when any value does, nulls sort first (last when descending), text sorts by
code point (COLLATE "C"), ties fall back to insertion order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.postgres.columns import SQL_TYPES, QueryColumn, TableSpec
from appeals_tui.store.postgres.pgtext import encode_str
from appeals_tui.store.protocol import Filter, Op, Order
from appeals_tui.store.schema import INSERTED, Ranking, Type, parse_instant

__all__ = ["where_sql", "order_sql", "value_expr", "param", "qcol"]

Composed = sql.Composable
_C = sql.SQL(' COLLATE "C"')
_ARRAY_TYPE = {"text[]": "text[]"}


def qcol(spec: TableSpec, name: str) -> QueryColumn:
    q = spec.queries.get(name)
    if q is None:
        raise StoreError(f"{spec.name}: no declared field '{name}' (see store/schema.py)")
    return q


def param(q: QueryColumn, value: Any) -> Any:
    """A filter value as the column holds it (timestamps as instants, text escaped)."""
    if value is None:
        return None
    if q.field.type is Type.TIMESTAMP:
        moment = parse_instant(value)
        if moment is None:
            raise StoreError(f"{q.field.name}: {value!r} is not a timestamp")
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(value, str):
        return encode_str(value)
    return value


def _p(q: QueryColumn, value: Any) -> sql.Composable:
    return sql.Literal(param(q, value)) if not isinstance(value, datetime) else sql.Literal(value)


def _list(q: QueryColumn, values: Any) -> list[Any]:
    return [param(q, v) for v in values]


def _text(q: QueryColumn) -> bool:
    return q.field.type is Type.TEXT


def _one(q: QueryColumn, col: Composed, op: Op, value: Any, params: list[Any]) -> Composed:
    """A test of one scalar value expression `col` (nulls fail)."""
    c = sql.Composed([col, _C]) if _text(q) else col
    if op is Op.EQ:
        params.append(param(q, value))
        return sql.SQL("{} = %s").format(col)
    if op is Op.IN:
        params.append(_list(q, value))
        return sql.SQL("{} = ANY(%s)").format(col)
    if op is Op.CONTAINS:
        params.append(encode_str(str(value).casefold()))
        target = (
            col
            if q.computed and q.field.derive == "join"
            else sql.SQL("lower({}::text)").format(col)
        )
        return sql.SQL("strpos({}, %s) > 0").format(target)
    symbol = {Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}.get(op)
    if symbol is None:
        raise StoreError(f"filter: unknown operator {op!r}")
    params.append(param(q, value))
    return sql.SQL("{} {} %s").format(c, sql.SQL(symbol))


def _filter(spec: TableSpec, flt: Filter, params: list[Any]) -> Composed:
    if flt.field == INSERTED:
        raise StoreError(f"{spec.name}: {INSERTED} orders; it cannot be filtered on")
    q = qcol(spec, flt.field)
    op = Op(flt.op)
    col = sql.Identifier(q.column)
    if not q.multi:
        if op is Op.IS_NULL:
            return sql.SQL("{} IS NULL").format(col)
        if op is Op.NOT_NULL:
            return sql.SQL("{} IS NOT NULL").format(col)
        if op is Op.NE:
            params.append(param(q, flt.value))
            return sql.SQL("{} IS DISTINCT FROM %s").format(col)
        if op is Op.NOT_IN:
            params.append(_list(q, flt.value))
            return sql.SQL("({} IS NULL OR NOT ({} = ANY(%s)))").format(col, col)
        return _one(q, col, op, flt.value, params)
    arr = sql.SQL("coalesce({}, '{{}}')").format(col)
    if op is Op.IS_NULL:
        return sql.SQL("cardinality({}) = 0").format(arr)
    if op is Op.NOT_NULL:
        return sql.SQL("cardinality({}) > 0").format(arr)
    if op is Op.EQ:  # containment, so the column's GIN index can answer it
        params.append([param(q, flt.value)])
        return sql.SQL("{} @> %s::text[]").format(col)
    if op is Op.NE:
        params.append(param(q, flt.value))
        return sql.SQL("NOT (%s = ANY({}))").format(arr)
    if op is Op.IN:
        params.append(_list(q, flt.value))
        return sql.SQL("{} && %s::text[]").format(col)
    if op is Op.NOT_IN:
        params.append(_list(q, flt.value))
        return sql.SQL("NOT ({} && %s::text[])").format(arr)
    inner = _one(q, sql.Identifier("v"), op, flt.value, params)
    return sql.SQL("EXISTS (SELECT 1 FROM unnest({}) AS v WHERE {})").format(col, inner)


def where_sql(spec: TableSpec, where: Sequence[Filter], params: list[Any]) -> Composed:
    """`WHERE ...` (or nothing) for ANDed filters; appends the values to `params`."""
    parts = [_filter(spec, f, params) for f in where]
    if spec.sql == "documents":
        parts.insert(0, sql.SQL("tbl = %s"))
        params.insert(0, spec.name)
    if not parts:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(parts)


def not_any(spec: TableSpec, exclude: Sequence[Filter], params: list[Any]) -> list[Composed]:
    """Conditions passing over docs matching any of `exclude` (a null test excludes nothing)."""
    return [sql.SQL("NOT coalesce(({}), false)").format(_filter(spec, f, params)) for f in exclude]


def value_expr(spec: TableSpec, name: str) -> Composed:
    """A sortable scalar for a field (a multi field sorts by its smallest value)."""
    if name == INSERTED:
        return sql.Identifier("ins")
    q = qcol(spec, name)
    col: sql.Composable = sql.Identifier(q.column)
    if q.multi:
        col = sql.SQL('(SELECT min(v COLLATE "C") FROM unnest({}) AS v)').format(col)
        return col
    return sql.Composed([col, _C]) if _text(q) else col


def order_sql(spec: TableSpec, order: Sequence[Order]) -> Composed:
    terms: list[sql.Composable] = []
    for o in order:
        if o.field == INSERTED:  # never null: plain order, which the ins index reads
            terms.append(sql.SQL("ins DESC" if o.descending else "ins ASC"))
            return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(terms)  # ins breaks every tie
        direction = "DESC NULLS LAST" if o.descending else "ASC NULLS FIRST"
        terms.append(sql.SQL("{} {}").format(value_expr(spec, o.field), sql.SQL(direction)))
    terms.append(sql.SQL("ins ASC"))
    return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(terms)


def _ranking_terms(spec: TableSpec, ranking: Ranking) -> list[sql.Composable]:
    """ORDER BY terms of a ranking: its fields, then the key as `Ranking` breaks ties
    (shorter first, then by collation), the order the ranking indexes hold."""
    key = sql.Identifier(spec.key)
    return [
        *(
            sql.SQL("{} {}").format(
                value_expr(spec, o.field),
                sql.SQL("DESC NULLS LAST" if o.descending else "ASC NULLS FIRST"),
            )
            for o in ranking.order
        ),
        sql.SQL("length({})").format(key),
        sql.Composed([key, _C]),
    ]


def ranking_sql(
    spec: TableSpec,
    ranking: Ranking,
    match: dict[str, Any],
    n: int,
    exclude: Sequence[Filter],
    direct: bool = False,
) -> tuple[Composed, list[Any]]:
    """The first `n` docs of a declared ranking partition (see `Store.top`). `direct`:
    one ordered, limited walk (a projection of columns the ranking index holds is
    then read from the index alone, no heap row fetched)."""
    missing = [name for name in ranking.partition if name not in match]
    extra = [name for name in match if name not in ranking.partition]
    if missing or len(extra) > 1 or (extra and extra[0] not in ranking.also):
        raise StoreError(
            f"ranking {ranking.name}: match every one of {', '.join(ranking.partition)} "
            f"and at most one of {', '.join(ranking.also) or '(none)'}"
        )
    params: list[Any] = []
    conds = [_filter(spec, f, params) for f in ranking.where]
    for name, value in match.items():
        q = qcol(spec, name)
        if value is None:
            conds.append(_filter(spec, Filter(name, Op.IS_NULL), params))
        else:
            conds.append(_filter(spec, Filter(name, Op.EQ, value), params))
            del q
    conds += not_any(spec, exclude, params)
    terms = _ranking_terms(spec, ranking)
    key = sql.Identifier(spec.key)
    if direct:
        return sql.SQL("{where} ORDER BY {order} LIMIT {n}").format(
            where=sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL(""),
            order=sql.SQL(", ").join(terms),
            n=sql.Literal(int(n)),
        ), params
    # the first n keys from the ranking's covering index alone (an index-only walk: a
    # partition's rows that fail a clause or exclude filter cost an index tuple, not a
    # heap fetch -- 37k of them to find 210 at 1M decisions), then those rows
    stmt = sql.SQL(
        " WHERE {key} = ANY(ARRAY(SELECT {key} FROM {table}{where} ORDER BY {order} LIMIT {n}))"
        " ORDER BY {order}"
    ).format(
        key=key,
        table=sql.Identifier(spec.sql),
        where=sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL(""),
        order=sql.SQL(", ").join(terms),
        n=sql.Literal(int(n)),
    )
    return stmt, params


def ranking_batch_sql(
    spec: TableSpec,
    ranking: Ranking,
    items: Sequence[tuple[int, dict[str, Any], int, Sequence[Filter]]],
    select: sql.Composable,
    direct: bool,
) -> list[tuple[sql.Composed, list[Any]]]:
    """`ranking_sql` of many partitions (`Store.tops`) as a few statements: items that
    pass over the same docs and name the same fields (the same of them null) share one
    statement, a LATERAL walk per partition whose values come in as arrays. A
    precedent ranking's step asks for up to a hundred partitions, most of them empty:
    a statement each cost ~0.5 ms of server time even when pipelined; an index probe
    in one statement costs microseconds. Rows: the item's index (`_ki`), then `select`."""
    groups: dict[str, list[tuple[int, dict[str, Any], int, Sequence[Filter]]]] = {}
    for item in items:
        _, match, _, exclude = item
        shape = repr((sorted((k, v is None) for k, v in match.items()), list(exclude)))
        groups.setdefault(shape, []).append(item)
    out = []
    for members in groups.values():
        first = members[0][1]
        # validates the match like one partition's statement (and builds the order)
        ranking_sql(spec, ranking, first, 1, ())
        params: list[Any] = []
        arrays: list[sql.Composable] = []
        names: list[sql.Composable] = []
        conds: list[sql.Composable] = []
        for i, name in enumerate(sorted(first)):
            q = qcol(spec, name)
            col = sql.Identifier(q.column)
            if first[name] is None:
                conds.append(sql.SQL("{}").format(_filter(spec, Filter(name, Op.IS_NULL), [])))
                continue
            ref = sql.Identifier(f"_v{i}")
            kind = SQL_TYPES[q.kind].removesuffix("[]")
            params.append([param(q, m[name]) for _, m, _, _ in members])
            arrays.append(sql.SQL("%s::{}[]").format(sql.SQL(kind)))
            names.append(ref)
            if q.multi:
                conds.append(sql.SQL("{} @> ARRAY[k.{}]").format(col, ref))
            else:
                conds.append(sql.SQL("{} = k.{}").format(col, ref))
        params.append([n for _, _, n, _ in members])
        params.append([ki for ki, _, _, _ in members])
        arrays += [sql.SQL("%s::bigint[]"), sql.SQL("%s::bigint[]")]
        names += [sql.Identifier("_n"), sql.Identifier("_ki")]
        where = [_filter(spec, f, params) for f in ranking.where]
        where += conds
        where += not_any(spec, members[0][3], params)
        terms = _ranking_terms(spec, ranking)
        key = sql.Identifier(spec.key)
        order = sql.SQL(", ").join(terms)
        table = sql.Identifier(spec.sql)
        cond = sql.SQL(" AND ").join(where)
        if direct:  # the walk reads the projected columns itself (index-only)
            walk = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT k._n").format(
                select, table, cond, order
            )
        else:  # the first keys index-only, then those rows
            walk = sql.SQL(
                "SELECT {} FROM {} WHERE {} = ANY(ARRAY(SELECT {} FROM {} WHERE {} "
                "ORDER BY {} LIMIT k._n)) ORDER BY {}"
            ).format(select, table, key, key, table, cond, order, order)
        stmt = sql.SQL(
            "SELECT k._ki, d.* FROM unnest({}) AS k({}) CROSS JOIN LATERAL ({}) d"
        ).format(sql.SQL(", ").join(arrays), sql.SQL(", ").join(names), walk)
        out.append((stmt, params))
    return out
