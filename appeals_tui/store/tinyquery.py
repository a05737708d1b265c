"""The embedded backend's query engine: protocol filters as `tinydb.Query` expressions.

Why: the Store protocol speaks in declared fields (`store.schema`); TinyDB is the
embedded query layer. Each `Filter` becomes a TinyDB query -- a `Query()` path
test for plain fields, a `QueryInstance` over the field's reference evaluation
for derived or defaulted ones -- ANDed, hashable so TinyDB's query cache can keep
results, and run by `Table.search` (or over the one index bucket an indexed
equality filter names). Ordering, grouping and the top-N encoding live here too.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import reduce
from typing import Any, cast

from tinydb import Query
from tinydb.queries import QueryInstance

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.timeutil import iso
from appeals_tui.store.protocol import Doc, Filter, Group, Op, Order
from appeals_tui.store.schema import INSERTED, Derive, Field, Ranking, Table, Type, parse_instant

__all__ = [
    "compile_where",
    "order_docs",
    "group_docs",
    "project",
    "rank_keys",
    "rank_order",
    "instant",
]


def instant(value: Any) -> float | None:
    """A timestamp (ISO string or datetime) as seconds since the epoch; without an
    offset it is taken as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    stamp: float = value.timestamp()
    return stamp


def _comparable(f: Field, value: Any) -> Any:
    return instant(value) if f.type is Type.TIMESTAMP else value


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted({_frozen(v) for v in value}, key=repr))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _test(f: Field, op: Op, want: Any) -> Callable[[Any], bool]:
    """A test of one (non-null, comparable) value of the field."""
    if op is Op.EQ:
        return lambda v: v == want
    if op is Op.IN:
        return lambda v: v in want
    if op is Op.LT:
        return lambda v: v < want
    if op is Op.LE:
        return lambda v: v <= want
    if op is Op.GT:
        return lambda v: v > want
    if op is Op.GE:
        return lambda v: v >= want
    if op is Op.CONTAINS:
        return lambda v: want in str(v).casefold()
    raise StoreError(f"filter: unknown operator {op!r}")


_NEGATED = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN}


def compile_filter(t: Table, flt: Filter) -> QueryInstance:
    """One filter as a TinyDB query (see the protocol for null and multi semantics)."""
    if flt.field == INSERTED:
        raise StoreError(f"{t.name}: {INSERTED} orders; it cannot be filtered on")
    f = t.field(flt.field)
    op = Op(flt.op)
    if op in _NEGATED:
        return ~compile_filter(t, Filter(flt.field, _NEGATED[op], flt.value))
    if op is Op.NOT_NULL:
        return ~compile_filter(t, Filter(flt.field, Op.IS_NULL))
    want: Any = flt.value
    if op is Op.IN:
        want = frozenset(_comparable(f, v) for v in want)
    elif op is Op.CONTAINS:
        want = str(want).casefold()
    elif op is not Op.IS_NULL:
        want = _comparable(f, want)
        if want is None:
            raise StoreError(f"{t.name}.{f.name}: {flt.value!r} is not a {f.type.value}")
    hashval = ("field", t.name, f.name, op.value, _frozen(want))
    plain = f.derive is Derive.VALUE and f.default is None and "[]" not in f.paths[0]
    if plain and f.type is not Type.TIMESTAMP and op is not Op.IS_NULL:
        # A TinyDB path query: Query().subject.account == value
        path = reduce(lambda q, part: q[part], f.paths[0].split("."), Query())
        if op is Op.EQ:
            return cast(QueryInstance, path == want)  # Query.__eq__ builds a QueryInstance
        if op is Op.IN:
            return path.one_of(want)
        return path.test(_guard(_test(f, op, want)))
    if op is Op.IS_NULL:  # one call, not TinyDB's `~q.exists() | (q == None)`
        get = f.getter
        if f.multi:
            return QueryInstance(lambda doc: not get(doc), hashval)
        return QueryInstance(lambda doc: get(doc) is None, hashval)
    test = _guard(_test(f, op, want))
    if f.multi:
        if f.type is Type.TIMESTAMP:
            return QueryInstance(lambda doc: any(test(instant(v)) for v in f.getter(doc)), hashval)
        return QueryInstance(lambda doc: any(test(v) for v in f.getter(doc)), hashval)
    if f.type is Type.TIMESTAMP:
        return QueryInstance(lambda doc: test(instant(f.getter(doc))), hashval)
    return QueryInstance(lambda doc: test(f.getter(doc)), hashval)


def _guard(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Null fails; values of another type than the filter's do not match (no TypeError)."""

    def guarded(value: Any) -> bool:
        if value is None:
            return False
        try:
            return bool(test(value))
        except TypeError:
            return False

    return guarded


def compile_where(t: Table, where: Sequence[Filter]) -> QueryInstance | None:
    """The filters ANDed into one TinyDB query; None when there are none."""
    queries = [compile_filter(t, flt) for flt in where]
    if len(queries) <= 1:
        return queries[0] if queries else None

    def every(doc: Mapping[Any, Any]) -> bool:  # TinyDB's `a & b & c` nests a call per `&`
        for query in queries:
            if not query(doc):
                return False
        return True

    return QueryInstance(every, ("and", frozenset(queries)))


# -- ordering -------------------------------------------------------------------------


def _sort_value(f: Field | None, doc: Doc) -> Any:
    if f is None:
        return None
    value = f.getter(doc)
    if f.multi:
        value = min(value) if value else None
    return instant(value) if f.type is Type.TIMESTAMP else value


def order_docs(
    t: Table, docs: list[Doc], order: Sequence[Order], limit: int | None = None
) -> list[Doc]:
    """`docs` (in insertion order) sorted by `order`, ties kept in insertion order; with
    `limit` only the first `limit` (a heap, not a full sort, when it can)."""
    terms = [o for o in order if o.field != INSERTED or o.descending]
    if not terms:
        return docs if limit is None else docs[:limit]
    if len(terms) == 1 and terms[0].field == INSERTED:
        out = docs[::-1]
        return out if limit is None else out[:limit]
    fields = [None if o.field == INSERTED else t.field(o.field) for o in terms]
    numeric = all(
        o.field == INSERTED
        or not o.descending
        or f is not None
        and f.type in (Type.INT, Type.FLOAT, Type.BOOL, Type.TIMESTAMP)
        for o, f in zip(terms, fields, strict=True)
    ) and not any(o.field == INSERTED for o in terms)
    if numeric:
        # one ascending key: numbers negated for descending terms; null first/last
        def key(doc: Doc) -> tuple[Any, ...]:
            out: list[Any] = []
            for o, f in zip(terms, fields, strict=True):
                v = _sort_value(f, doc)
                if o.descending:
                    out.append((1, 0) if v is None else (0, -v))
                else:
                    out.append((0, 0) if v is None else (1, v))
            return tuple(out)

        if limit is not None and limit < len(docs):
            return heapq.nsmallest(limit, docs, key=key)
        return sorted(docs, key=key)
    # mixed directions over text: stable sorts, last term first
    positions = {id(d): i for i, d in enumerate(docs)}
    out = list(docs)
    for o, f in reversed(list(zip(terms, fields, strict=True))):
        if o.field == INSERTED:
            out.sort(key=lambda d: positions[id(d)], reverse=o.descending)
            continue

        def k(doc: Doc, f: Field | None = f) -> tuple[int, Any]:
            v = _sort_value(f, doc)
            return (0, 0) if v is None else (1, v)

        out.sort(key=k, reverse=o.descending)
    return out if limit is None else out[:limit]


# -- grouping ---------------------------------------------------------------------------


def group_docs(
    t: Table, docs: Iterable[Doc], by: Sequence[str], sums: Sequence[str]
) -> list[Group]:
    """`Store.aggregate` over already-filtered docs: one pass, one dict entry per group
    (stats groups 100k decisions three ways, so the common shapes are unrolled)."""
    by_fields = [t.field(name) for name in by]
    sum_fields = [t.field(name) for name in sums]
    key_of = _key_function(by_fields)
    sum_of = [f.getter for f in sum_fields]
    counts: dict[tuple[Any, ...], list[Any]] = {}
    multi = any(f.multi for f in by_fields)
    for doc in docs:
        keys = key_of(doc)
        for k in keys if multi else (keys,):
            acc = counts.get(k)
            if acc is None:
                acc = counts[k] = [0] * (1 + len(sum_of))
            acc[0] += 1
            for i, get in enumerate(sum_of, start=1):
                acc[i] += _number(get(doc))
    ordered = sorted(counts.items(), key=lambda kv: tuple(_null_first(v) for v in kv[0]))
    return [
        Group(key=k, count=acc[0], sums={f.name: acc[i] for i, f in enumerate(sum_fields, 1)})
        for k, acc in ordered
    ]


def group_joined(
    t: Table,
    pairs: Iterable[tuple[Doc, Doc]],
    by: Sequence[str],
    jt: Table,
    jby: Sequence[str],
    sums: Sequence[str],
) -> list[Group]:
    """`Store.aggregate` with a `Join` over (doc, partner) pairs: the key is the doc's
    `by` values, then the partner's `jby` values (a multi field: one group per value)."""
    own = _key_function([t.field(name) for name in by], always_list=True)
    theirs = _key_function([jt.field(name) for name in jby], always_list=True)
    sum_of = [t.field(name).getter for name in sums]
    counts: dict[tuple[Any, ...], list[Any]] = {}
    for doc, partner in pairs:
        for mine in own(doc):
            for other in theirs(partner):
                k = mine + other
                acc = counts.get(k)
                if acc is None:
                    acc = counts[k] = [0] * (1 + len(sum_of))
                acc[0] += 1
                for i, get in enumerate(sum_of, start=1):
                    acc[i] += _number(get(doc))
    ordered = sorted(counts.items(), key=lambda kv: tuple(_null_first(v) for v in kv[0]))
    return [
        Group(key=k, count=acc[0], sums={name: acc[i] for i, name in enumerate(sums, 1)})
        for k, acc in ordered
    ]


def firsts_of(
    t: Table,
    ordered: Iterable[Doc],
    by: Sequence[str],
    keys: Sequence[tuple[Any, ...]],
    n: int,
    fields: Sequence[str] = (),
) -> list[list[Doc]]:
    """`Store.firsts` over docs already filtered and in order: the first n of each key."""
    if any(t.field(name).multi for name in by):
        raise StoreError(f"{t.name}: firsts groups by single-valued fields only")
    if any(v is None for k in keys for v in k):
        raise StoreError(f"{t.name}: firsts needs keys without None")
    key_of = _key_function([t.field(name) for name in by])
    out: dict[tuple[Any, ...], list[Doc]] = {tuple(k): [] for k in keys}
    open_keys = len(out)
    for doc in ordered:
        members = out.get(key_of(doc))
        if members is None or len(members) >= n:
            continue
        members.append(doc)
        if len(members) == n:
            open_keys -= 1
            if not open_keys:
                break
    if fields:
        return [project(t, out[tuple(k)], fields) for k in keys]
    return [list(out[tuple(k)]) for k in keys]


def project(t: Table, docs: Iterable[Doc], fields: Sequence[str]) -> list[Doc]:
    """Each doc as {name: the declared field's value} for `fields` (`firsts`, `tops`)."""
    getters = [(name, _projected(t.field(name))) for name in fields]
    return [{name: get(d) for name, get in getters} for d in docs]


def _projected(f: Field) -> Callable[[Doc], Any]:
    """A field's value for a projection: timestamps as the instant in UTC (ISO 8601),
    as a SQL backend's timestamp column gives them back."""
    if f.type is not Type.TIMESTAMP or f.multi:
        return f.getter

    def utc(doc: Doc) -> Any:
        value = f.getter(doc)
        moment = parse_instant(value)
        return iso(moment) if moment is not None and moment.tzinfo else value

    return utc


def _key_function(fields: list[Field], always_list: bool = False) -> Callable[[Doc], Any]:
    """doc -> its group key (a tuple); with a multi field, the list of its keys."""
    getters = [f.getter for f in fields]
    if always_list or any(f.multi for f in fields):

        def keys(doc: Doc) -> list[tuple[Any, ...]]:
            out: list[tuple[Any, ...]] = [()]
            for f, get in zip(fields, getters, strict=True):
                value = get(doc)
                values = (value or [None]) if f.multi else [value]
                out = [k + (v,) for k in out for v in values]
            return out

        return keys
    if len(getters) == 1:
        (g1,) = getters
        return lambda doc: (g1(doc),)
    if len(getters) == 2:
        g1, g2 = getters
        return lambda doc: (g1(doc), g2(doc))
    if len(getters) == 3:
        g1, g2, g3 = getters
        return lambda doc: (g1(doc), g2(doc), g3(doc))
    return lambda doc: tuple(get(doc) for get in getters)


def _null_first(value: Any) -> tuple[int, Any]:
    return (0, 0) if value is None else (1, value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int | float) else 0


# -- rankings (Store.top) -----------------------------------------------------------------


def rank_keys(t: Table, ranking: Ranking) -> Callable[[Doc], tuple[tuple[Any, ...], ...]]:
    """Where a doc is filed in the ranking's index: under its partition values, and under
    them plus each value of each `also` field; nowhere if it fails `where`."""
    where = compile_where(t, ranking.where)
    parts = [t.field(name) for name in ranking.partition]
    also = [t.field(name) for name in ranking.also]

    def keys(doc: Doc) -> tuple[tuple[Any, ...], ...]:
        if where is not None and not where(doc):
            return ()
        base = tuple(f.getter(doc) for f in parts)
        out = [("", *base)]
        for f in also:
            values = f.getter(doc)
            out.extend((f.name, *base, v) for v in (values if f.multi else [values]))
        return tuple(out)

    return keys


def rank_value(ranking: Ranking, match: dict[str, Any]) -> tuple[Any, ...]:
    """The index value `Store.top(match)` reads (see `rank_keys`)."""
    missing = [name for name in ranking.partition if name not in match]
    extra = [name for name in match if name not in ranking.partition]
    if missing or len(extra) > 1 or (extra and extra[0] not in ranking.also):
        raise StoreError(
            f"ranking {ranking.name}: match every one of {', '.join(ranking.partition)} "
            f"and at most one of {', '.join(ranking.also) or '(none)'}"
        )
    base = tuple(match[name] for name in ranking.partition)
    return (extra[0], *base, match[extra[0]]) if extra else ("", *base)


#: byte b -> 255 - b
_REVERSE = bytes(range(255, -1, -1))
_SIGN = 1 << 63
_ALL = (1 << 64) - 1


def _number_bytes(value: float) -> bytes:
    bits = struct.unpack(">Q", struct.pack(">d", float(value)))[0]
    bits = bits ^ _ALL if bits & _SIGN else bits | _SIGN  # IEEE order -> unsigned order
    return struct.pack(">Q", bits)


def rank_order(t: Table, ranking: Ranking, key_field: str) -> Callable[[Doc], bytes]:
    """A doc's place in its partitions as one bytes value, largest = first: each order
    term (a number, bool or timestamp: fixed width), then the key, earlier in natural
    order ranking higher. One bytes object per doc keeps the index small."""
    fields = [t.field(o.field) for o in ranking.order]
    for f in fields:
        if f.type is Type.TEXT or f.multi:
            raise StoreError(f"ranking {ranking.name}: order on {f.name} needs a number or time")
    terms = list(zip(ranking.order, fields, strict=True))

    def encode(doc: Doc) -> bytes:
        out = []
        for o, f in terms:
            v = f.getter(doc)
            n = instant(v) if f.type is Type.TIMESTAMP else v
            raw = _number_bytes(-1e308 if n is None else n)  # null: last
            out.append(raw if o.descending else raw.translate(_REVERSE))
        ident = str(doc.get(key_field, ""))
        out.append(struct.pack(">I", 0xFFFFFFFF - min(len(ident), 0xFFFFFFFF)))
        out.append(ident.encode("utf-32-be", "surrogatepass").translate(_REVERSE))
        return b"".join(out)

    return encode
