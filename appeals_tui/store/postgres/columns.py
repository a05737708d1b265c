"""Records <-> rows: which document field lives in which typed column.

Why: the services see documents (dicts); PostgreSQL should see real, typed,
indexed columns for every field the services filter, sort or join on. Each
table is described once here (`TABLES`); `to_row` splits a document into column
values plus a small jsonb `extra` (fields that are never queried, and whatever
a column could not hold exactly), and `from_row` rebuilds the very same
document. Round trips are exact: a value a column cannot represent faithfully
(a timestamp with an unusual offset, an int where a float was declared, a key
that was absent) is also kept verbatim in `extra`, so `appeals migrate` moves
records without changing a byte of their canonical JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.timeutil import iso, parse_ts
from appeals_tui.store.postgres.pgtext import decode_json, decode_str, encode_json, encode_str
from appeals_tui.store.schema import SCHEMA, Derive, Field, Type

__all__ = [
    "Column",
    "QueryColumn",
    "TableSpec",
    "TABLES",
    "GENERIC",
    "spec_for",
    "to_row",
    "row_extra",
    "from_row",
]

_MISSING = object()


@dataclass(frozen=True)
class Column:
    """A document field (`path` into the doc) stored in a typed column."""

    name: str
    kind: str  # text | int | float | bool | ts | text[] | jsonb
    path: tuple[str, ...] = ()

    @property
    def field_path(self) -> tuple[str, ...]:
        return self.path or (self.name,)


@dataclass(frozen=True)
class QueryColumn:
    """How SQL reads a declared schema field: a stored column, or one computed on write."""

    field: Field
    column: str  # SQL column name
    kind: str  # codec kind of the column
    computed: bool  # True: `field.value(doc)` is written into it (never read back)

    @property
    def multi(self) -> bool:
        return self.field.multi


@dataclass(frozen=True)
class TableSpec:
    name: str  # record table as the services name it
    sql: str  # SQL table name
    key: str  # the id field / primary key column
    columns: tuple[Column, ...]
    #: declared schema field name -> how to query it
    queries: dict[str, QueryColumn] = dc_field(default_factory=dict)

    @property
    def computed(self) -> tuple[QueryColumn, ...]:
        return tuple(q for q in self.queries.values() if q.computed)


# -- codecs: python value -> (db value, exact?) and back ---------------------------


def _enc(kind: str, value: Any) -> tuple[Any, bool]:
    if value is None:
        return None, True
    if kind == "text":
        return (encode_str(value), True) if isinstance(value, str) else (None, False)
    if kind == "int":
        ok = type(value) is int and -(2**63) <= value < 2**63
        return (value, True) if ok else (None, False)
    if kind == "float":
        if type(value) is float:
            return value, True
        return (float(value), False) if type(value) is int else (None, False)
    if kind == "bool":
        return (value, True) if type(value) is bool else (None, False)
    if kind == "ts":
        if not isinstance(value, str):
            return None, False
        try:
            moment = parse_ts(value)
        except ValueError:
            return None, False
        return moment, iso(moment) == value
    if kind == "text[]":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [encode_str(v) for v in value], True
        return None, False
    if kind == "jsonb":
        return Jsonb(encode_json(value)), True
    raise ValueError(f"unknown column kind {kind}")


def _dec(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "text":
        return decode_str(value)
    if kind == "ts":
        return iso(value) if isinstance(value, datetime) else value
    if kind == "text[]":
        return [decode_str(v) for v in value]
    if kind == "jsonb":
        return decode_json(value)
    return value


def _get(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    cur: Any = doc
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def to_row(spec: TableSpec, key: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Column name -> value for INSERT/UPDATE, including `version` and `extra`."""
    row: dict[str, Any] = {spec.key: encode_str(key)}
    absent: list[str] = []
    raw: dict[str, Any] = {}
    covered: dict[str, set[str]] = {}  # top-level field -> nested keys covered ("" = whole)
    if doc.get(spec.key, _MISSING) != key:
        raw[spec.key] = doc.get(spec.key)
        if spec.key not in doc:
            absent.append(spec.key)
    covered[spec.key] = {""}
    for col in spec.columns:
        path = col.field_path
        covered.setdefault(path[0], set()).add(".".join(path[1:]))
        value = _get(doc, path)
        if value is _MISSING:
            row[col.name] = None
            absent.append(col.name)
            continue
        try:
            row[col.name], exact = _enc(col.kind, value)
        except OverflowError:
            row[col.name], exact = None, False
        if not exact:
            raw[col.name] = value
    for q in spec.computed:
        value = q.field.value(doc)
        if q.field.derive is Derive.JOIN and isinstance(value, str):
            value = value.casefold()  # Op.CONTAINS compares casefolded text
        try:
            row[q.column] = _enc(q.kind, value)[0]
        except OverflowError:
            row[q.column] = None
    residual: dict[str, Any] = {}
    for name, value in doc.items():
        if name == "version":
            continue
        inner = covered.get(name)
        if inner is None:
            residual[name] = value
        elif "" not in inner and isinstance(value, dict):
            rest = {k: v for k, v in value.items() if k not in inner}
            present = any(k in value for k in inner)
            if rest or not present:
                residual[name] = rest
        elif "" not in inner:  # a nested parent that is not a dict: keep it whole
            residual[name] = value
    version = doc.get("version")
    row["version"] = version if type(version) is int else 0
    row["extra"] = Jsonb(encode_json(row_extra(doc, residual, absent, raw)))
    return row


def row_extra(
    doc: Mapping[str, Any], residual: dict[str, Any], absent: list[str], raw: dict[str, Any]
) -> dict[str, Any]:
    """The `extra` jsonb of a row: what no column holds (`doc`), the columns the record
    lacks (`absent`), values a column could not hold exactly (`raw`) and a missing or
    odd version; `from_row` rebuilds the record from it. Shared by `to_row` and
    copytext's lines, which must store the same."""
    version = doc.get("version")
    extra: dict[str, Any] = {}
    if residual:
        extra["doc"] = residual
    if absent:
        extra["absent"] = absent
    if raw:
        extra["raw"] = raw
    if "version" not in doc:
        extra["no_version"] = True
    elif type(version) is not int:
        raw["version"] = version
        extra["raw"] = raw
    return extra


def from_row(spec: TableSpec, row: dict[str, Any]) -> dict[str, Any]:
    """The document `to_row` was given, from a row selected with `select_list(spec)`."""
    extra = decode_json(row["extra"]) or {}
    absent = set(extra.get("absent", ()))
    raw = extra.get("raw", {})
    residual = extra.get("doc", {})
    doc: dict[str, Any] = {}
    if spec.key not in absent:
        doc[spec.key] = raw[spec.key] if spec.key in raw else decode_str(row[spec.key])
    for col in spec.columns:
        if col.name in absent:
            continue
        value = raw[col.name] if col.name in raw else _dec(col.kind, row[col.name])
        path = col.field_path
        target = doc
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    for name, value in residual.items():
        if isinstance(value, dict) and isinstance(doc.get(name), dict):
            doc[name].update(value)
        else:
            doc[name] = value
    if not extra.get("no_version"):
        doc["version"] = raw.get("version", row["version"])
    return doc


# -- derived lookup columns ----------------------------------------------------------


_KIND = {
    Type.TEXT: "text",
    Type.INT: "int",
    Type.FLOAT: "float",
    Type.BOOL: "bool",
    Type.TIMESTAMP: "ts",
}


def _query_columns(name: str, columns: tuple[Column, ...]) -> dict[str, QueryColumn]:
    """Each declared field: its own stored column when it is one field as stored, else a
    column `q_<name>` written from `Field.value(doc)` (derived, multi or defaulted)."""
    try:
        declared = SCHEMA.table(name)
    except Exception:  # noqa: BLE001 - a table with no declared fields
        return {}
    by_path = {c.field_path: c for c in columns}
    out: dict[str, QueryColumn] = {}
    for f in declared.fields:
        kind = _KIND[f.type] + ("[]" if f.multi else "")
        path = tuple(f.paths[0].split("."))
        base = by_path.get(path)
        plain = f.derive is Derive.VALUE and not f.multi and f.default is None
        if plain and path == (declared.key,):
            out[f.name] = QueryColumn(f, declared.key, "text", False)
        elif plain and base is not None and base.kind == _KIND[f.type]:
            out[f.name] = QueryColumn(f, base.name, base.kind, False)
        else:
            column = "q_" + f.name.replace(".", "_").replace("[]", "")
            out[f.name] = QueryColumn(f, column, kind, True)
    return out


def _t(name: str, sql: str, key: str, cols: str) -> TableSpec:
    """Columns from a compact "name:kind[:a.b]" list; kind defaults to text."""
    columns = []
    for item in cols.split():
        parts = item.split(":")
        kind = parts[1] if len(parts) > 1 and parts[1] else "text"
        path = tuple(parts[2].split(".")) if len(parts) > 2 else ()
        columns.append(Column(parts[0], kind, path))
    return TableSpec(name, sql, key, tuple(columns), _query_columns(name, tuple(columns)))


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _t("users", "users", "name", "role login added_at:ts added_by"),
        _t(
            "cases",
            "cases",
            "case_id",
            "platform::subject.platform subject_type::subject.subject_type "
            "subject_id::subject.subject_id account::subject.account url::subject.url "
            "content_text media_description jurisdiction "
            "followers:int:metrics.followers views:int:metrics.views report_ids:text[] "
            "status assignee priority:float created_at:ts updated_at:ts first_reported_at:ts "
            "linked_case escalated:bool decision_id",
        ),
        _t(
            "reports",
            "reports",
            "report_id",
            "reported_at:ts reporter reason platform subject_type subject_id account "
            "content_text media_description jurisdiction followers:int views:int url case_id "
            "imported_at:ts",
        ),
        _t(
            "decisions",
            "decisions",
            "decision_id",
            "case_id moderator decided_at:ts action clauses:jsonb "
            + " ".join(f"factor_{name}:bool:factors.{name}" for name in FACTORS)
            + " factor_mask:int reasoning guidance:jsonb divergence_reason "
            "precedents_cited:text[] supersedes superseded_by appeal_outcome canonical:bool "
            "account jurisdiction diverged:bool",
        ),
        _t(
            "appeals",
            "appeals",
            "appeal_id",
            "decision_id filed_at:ts appellant grounds status reviewer outcome "
            "resolution_reasoning due_at:ts new_information resolved_at:ts new_decision_id case_id",
        ),
        _t(
            "strikes",
            "strikes",
            "strike_id",
            "account decision_id case_id weight:int status at:ts reason by",
        ),
        _t("notes", "notes", "note_id", "entity author at:ts text kind"),
        _t(
            "notices",
            "notices",
            "notice_id",
            "kind decision_id appeal_id case_id account template lang subject body "
            "edited:bool sent:bool not_sent_reason by at:ts",
        ),
        _t(
            "qa",
            "qa_batches",
            "batch_id",
            "created_at:ts created_by reviewer seed:int size:int since:ts until:ts items:jsonb",
        ),
    )
}

#: Any other table (added by a later feature before it has its own columns).
GENERIC = TableSpec("*", "documents", "key", ())

#: SQL names the backend uses itself: a declared table by one of these names gets a prefix
RESERVED = frozenset(
    {"meta", "counters", "events", "documents", "appeals_schema", "qa_batches"}
    | {t.sql for t in TABLES.values()}
)


def _declared_spec(name: str) -> TableSpec:
    """A declared table with no hand-written columns (added by a later feature): its
    key, a computed column per declared field, the record itself in `extra`."""
    declared = SCHEMA.table(name)
    sql_name = f"rec_{name}" if name in RESERVED else name
    return TableSpec(name, sql_name, declared.key, (), _query_columns(name, ()))


AUTO: dict[str, TableSpec] = {
    t.name: _declared_spec(t.name) for t in SCHEMA.tables if t.name not in TABLES
}

SQL_TYPES = {
    "text": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "ts": "timestamptz",
    "text[]": "text[]",
    "jsonb": "jsonb",
}


def all_specs() -> list[TableSpec]:
    return [*TABLES.values(), *AUTO.values()]


def spec_for(table: str) -> TableSpec:
    return TABLES.get(table) or AUTO.get(table) or GENERIC
