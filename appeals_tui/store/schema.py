"""The declared schema: tables, their key field, and the fields services look up,
filter, sort, group and rank on.

Why: a backend must answer the services' questions without handing it every
record. Names and paths declared here (never Python functions) are what a SQL
backend turns into columns and indexes, and what the embedded backend reads with
`Field.value`, its reference evaluation. A service may only name fields declared
here (`Store` raises `StoreError` for others).

Paths: dotted keys into the doc ("subject.account"); "[]" walks a list
("clauses[].id": the id of every clause, a multi-valued field).

Stability: the PostgreSQL backend builds tables from this module. Changes are
additive only (new tables, fields, rankings); each is listed here.
    - v1 (issue 11): first version.
    - v2 (issue 15): decisions.jurisdiction indexed; the "precedents" ranking is
      partitioned by jurisdiction too (weighted similarity counts it); table
      "case_links" (contacts and near-duplicate text key per case, for networks).
    - issue 17: `cases.media` indexed; `media.pdq_quality`; table `media_prefs`.
    - issue 15 (part 3): tables `policy`, `policy_current`, `rereviews`.
    - v3 (issue 15, part 2): `cases.contacts` and `cases.text_key` (indexed); the
      `case_links` table stays declared (old audit chains attest its records; `verify`
      and `appeals migrate` still read them) but nothing writes it any more: the
      embedded store's schema 4 and PostgreSQL's migration 7 copy its records onto
      their cases.
    - issue 12 (perf): `decisions.rereview` (stats tells an appeal's outcome from a
      lead's re-review with it, in SQL); `cases.subject.platform`,
      `cases.jurisdiction` and `cases.assignee` indexed (the queue's filter choices)
      and `cases.status` (its default page). PostgreSQL had these indexes already
      (`cases_platform`, `cases_jurisdiction`, `cases_assignee`,
      `cases_status_priority`); a workspace builds the missing ones of a table in one
      pass on first use (or at its next compaction) and saves them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.models import FACTORS
from appeals_tui.store.protocol import Filter, Op, Order

__all__ = [
    "INSERTED",
    "Type",
    "Derive",
    "Field",
    "Table",
    "Ranking",
    "Schema",
    "SCHEMA",
    "table",
    "field_of",
]

#: Pseudo-field on every table: the position a doc was first inserted at (TinyDB's
#: document id; a SQL identity column). Orders by it; no filter on it.
INSERTED = "_inserted"


class Type(StrEnum):
    """How a field's values compare and what column type holds them."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    #: ISO 8601 with offset; compares as an instant (SQL: timestamptz)
    TIMESTAMP = "timestamp"


class Derive(StrEnum):
    """How a field's value comes from its `paths` (SQL: a generated column)."""

    VALUE = "value"  # the value at the one path
    LENGTH = "length"  # number of elements of the list at the one path
    SUM = "sum"  # sum of the numbers at the paths (missing: 0)
    DAY = "day"  # "YYYY-MM-DD": the first 10 characters of the timestamp at the path
    JOIN = "join"  # the texts at the paths joined by spaces (for `Op.CONTAINS` search)


@dataclass(frozen=True)
class Field:
    """A named value of a table's docs that services query on."""

    name: str
    paths: tuple[str, ...]
    type: Type = Type.TEXT
    derive: Derive = Derive.VALUE
    #: the path walks a list ("[]"): a doc holds several values of the field
    multi: bool = False
    #: `Store.lookup` is allowed on it: backends keep an index on it. Only fields a
    #: doc never changes once written (the embedded backend's buckets keep
    #: insertion order only for those)
    indexed: bool = False
    #: the value used when the doc has none (before filtering and sorting)
    default: Any = None

    def value(self, doc: Mapping[str, Any]) -> Any:
        """The field's value in `doc` (a list for a multi field): the reference
        evaluation every backend must agree with."""
        return self.getter(doc)

    @cached_property
    def getter(self) -> Callable[[Mapping[str, Any]], Any]:
        """`value` compiled once: plain one- and two-key paths read the dict directly
        (a whole-table aggregate calls this for every doc)."""
        parts = self.paths[0].split(".")
        plain = self.derive is Derive.VALUE and not self.multi and "[]" not in self.paths[0]
        default = self.default
        if plain and len(parts) == 1:
            (name,) = parts
            if default is None:
                return lambda doc: doc.get(name)
            return lambda doc: _or(doc.get(name), default)
        if (
            self.derive is Derive.VALUE
            and self.multi
            and len(parts) == 2
            and parts[0].endswith("[]")
            and "[]" not in parts[1]
        ):
            outer, inner = parts[0][:-2], parts[1]

            def each(doc: Mapping[str, Any]) -> Any:  # "clauses[].id"
                items = doc.get(outer)
                if not isinstance(items, list):
                    return []
                got = (i.get(inner) for i in items if isinstance(i, Mapping))
                return [v for v in dict.fromkeys(got) if v is not None]

            return each
        if self.derive is Derive.DAY and len(parts) == 1 and "[]" not in parts[0]:
            (name,) = parts

            def day(doc: Mapping[str, Any]) -> Any:
                at = doc.get(name)
                return at[:10] if isinstance(at, str) else default

            return day
        if plain and len(parts) == 2:
            outer, inner = parts

            def nested(doc: Mapping[str, Any]) -> Any:
                got = doc.get(outer)
                value = got.get(inner) if isinstance(got, Mapping) else None
                return default if value is None else value

            return nested
        plain_paths = not any("[]" in p for p in self.paths)
        if self.derive is Derive.JOIN and plain_paths:
            return _joiner(tuple(tuple(p.split(".")) for p in self.paths))
        if self.derive is Derive.SUM and plain_paths:
            return _summer(tuple(tuple(p.split(".")) for p in self.paths), default)
        if self.derive is Derive.LENGTH and len(parts) == 1 and plain_paths:
            (name,) = parts

            def length(doc: Mapping[str, Any]) -> Any:
                got = doc.get(name)
                return len(got) if isinstance(got, list) else 0

            return length
        if (
            self.derive is Derive.VALUE
            and self.multi
            and len(parts) == 1
            and parts[0].endswith("[]")
            and "[]" not in parts[0][:-2]
        ):
            listed = parts[0][:-2]

            def items(doc: Mapping[str, Any]) -> Any:  # "media[]"
                got = doc.get(listed)
                if not isinstance(got, list):
                    return []
                return [v for v in dict.fromkeys(got) if v is not None]

            return items
        return self._evaluate

    def _evaluate(self, doc: Mapping[str, Any]) -> Any:
        if self.derive is Derive.VALUE:
            got = _walk(doc, self.paths[0])
            if self.multi:
                return [v for v in dict.fromkeys(got) if v is not None]
            value = got[0] if got else None
        elif self.derive is Derive.LENGTH:
            got = _at(doc, self.paths[0])
            value = len(got) if isinstance(got, list) else 0
        elif self.derive is Derive.SUM:
            value = sum(_number(_at(doc, p)) for p in self.paths)
        elif self.derive is Derive.DAY:
            at = _at(doc, self.paths[0])
            value = at[:10] if isinstance(at, str) else None
        else:
            value = " ".join(str(_at(doc, p) or "") for p in self.paths)
        return self.default if value is None else value


def _plain_at(doc: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    """The value at a plain path (no lists) already split, or None, as `_at` gives it."""
    cur: Any = doc
    for part in parts:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
        if cur is None:
            return None
    return cur


def _joiner(paths: tuple[tuple[str, ...], ...]) -> Callable[[Mapping[str, Any]], Any]:
    """A JOIN field of plain paths (cases' search text, written on every import): each
    path walked as `_at` does, without splitting it again per record."""

    def joined(doc: Mapping[str, Any]) -> Any:
        out = []
        for parts in paths:
            out.append(str(_plain_at(doc, parts) or ""))
        return " ".join(out)

    return joined


def _summer(paths: tuple[tuple[str, ...], ...], default: Any) -> Callable[[Mapping[str, Any]], Any]:
    """A SUM field of plain paths (cases' reach), each walked as `_at` does."""

    def summed(doc: Mapping[str, Any]) -> Any:
        total: Any = 0
        for parts in paths:
            total += _number(_plain_at(doc, parts))
        return default if total is None else total

    return summed


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _at(doc: Mapping[str, Any], path: str) -> Any:
    got = _walk(doc, path)
    return got[0] if got else None


def _walk(doc: Any, path: str) -> list[Any]:
    """Every value at `path` (several where it passes through a list)."""
    current = [doc]
    for part in path.split("."):
        listed = part.endswith("[]")
        name = part[:-2] if listed else part
        nxt = []
        for item in current:
            if not isinstance(item, Mapping):
                continue
            value = item.get(name)
            if listed:
                if isinstance(value, list):
                    nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        current = nxt
    return current


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class Ranking:
    """A named top-N index (`Store.top`): docs of `table` matching every `where`
    filter, partitioned by the `partition` fields (and, separately, by each value of
    one `also` field on top of them), each partition kept in `order`; ties: the key
    in natural order (shorter keys first, then character order)."""

    name: str
    table: str
    partition: tuple[str, ...]
    order: tuple[Order, ...]
    where: tuple[Filter, ...] = ()
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table: its name, the doc field that holds the key, and its declared fields."""

    name: str
    key: str
    fields: tuple[Field, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise StoreError(f"{self.name}: no declared field '{name}' (see store/schema.py)")

    @property
    def indexed(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.indexed)


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]
    rankings: tuple[Ranking, ...] = field(default=())

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise StoreError(f"no declared table '{name}' (see store/schema.py)")

    def ranking(self, name: str) -> Ranking:
        for r in self.rankings:
            if r.name == name:
                return r
        raise StoreError(f"no declared ranking '{name}' (see store/schema.py)")


def _f(name: str, *paths: str, **kw: Any) -> Field:
    return Field(name, paths or (name,), **kw)


INT, FLOAT, BOOL, TIME = Type.INT, Type.FLOAT, Type.BOOL, Type.TIMESTAMP

SCHEMA = Schema(
    tables=(
        Table("users", "name", (_f("name"), _f("role"))),
        Table(
            "cases",
            "case_id",
            (
                _f("case_id"),
                # indexed: the queue's default page (active statuses by priority) walks
                # the saved priority order over the matching keys (store/workspace.py)
                _f("status", indexed=True),
                # platform, jurisdiction, assignee indexed: the queue offers the values
                # present (services/facets.py); without an index that decoded every case
                _f("subject.platform", indexed=True),
                _f("subject.subject_type"),
                _f("subject.subject_id", indexed=True),
                _f("subject.account", indexed=True),
                _f("jurisdiction", indexed=True),
                _f("assignee", indexed=True),
                _f("priority", type=FLOAT, default=0.0),
                _f("first_reported_at", type=TIME),
                _f("report_count", "report_ids", type=INT, derive=Derive.LENGTH),
                _f("reach", "metrics.views", "metrics.followers", type=INT, derive=Derive.SUM),
                # SHA-256 of each image (store/media.py); looked up to find the cases
                # holding a matching image (services/media_match.py)
                _f("media", "media[]", multi=True, indexed=True),
                # normalised means of contact and near-duplicate text key (v3: moved
                # here from `case_links`, services/networks.py): written with the case
                # at import, so an import stores no second record per case
                _f("contacts", "contacts[]", multi=True, indexed=True),
                _f("text_key", type=INT, indexed=True),
                _f(
                    "search",
                    "case_id",
                    "subject.account",
                    "subject.subject_id",
                    "content_text",
                    "media_description",
                    derive=Derive.JOIN,
                ),
            ),
        ),
        Table("reports", "report_id", (_f("report_id"), _f("reported_at", type=TIME))),
        Table(
            "decisions",
            "decision_id",
            (
                _f("decision_id"),
                _f("case_id", indexed=True),
                _f("moderator", indexed=True),
                _f("account", indexed=True),
                _f("action"),
                _f("clause_ids", "clauses[].id", multi=True, indexed=True),
                _f("decided_at", type=TIME),
                _f("decided_day", "decided_at", derive=Derive.DAY),
                _f("superseded_by"),
                _f("supersedes"),
                _f("rereview"),  # the re-review item that wrote it (services/rereview.py)
                _f("appeal_outcome"),
                _f("canonical", type=BOOL, default=False),
                _f("diverged", type=BOOL, default=False),
                _f("factor_mask", type=INT, indexed=True),
                _f("jurisdiction", indexed=True),
                *(_f(f"factors.{name}", type=BOOL) for name in FACTORS),
                _f(
                    "search",
                    "decision_id",
                    "case_id",
                    "account",
                    "reasoning",
                    "divergence_reason",
                    derive=Derive.JOIN,
                ),
            ),
        ),
        Table(
            "appeals",
            "appeal_id",
            (
                _f("appeal_id"),
                _f("decision_id", indexed=True),
                _f("status"),
                _f("outcome"),
                _f("reviewer"),
                _f("filed_at", type=TIME),
                _f("due_at", type=TIME),
            ),
        ),
        Table(
            "strikes",
            "strike_id",
            (
                _f("strike_id"),
                _f("account", indexed=True),
                _f("decision_id", indexed=True),
                _f("status"),
                _f("weight", type=INT, default=1),
                _f("at", type=TIME),
            ),
        ),
        Table("notes", "note_id", (_f("note_id"), _f("entity", indexed=True), _f("at", type=TIME))),
        Table(
            "notices",
            "notice_id",
            (
                _f("notice_id"),
                _f("decision_id", indexed=True),
                _f("appeal_id", indexed=True),
                _f("at", type=TIME),
            ),
        ),
        # One per case, written up to the embedded schema 3 / PostgreSQL migration 6:
        # its account, normalised means of contact and near-duplicate text key. Now on
        # the case itself (`cases.contacts`, `cases.text_key`); kept declared for the
        # records old chains attest, written by nobody.
        Table(
            "case_links",
            "case_id",
            (
                _f("case_id"),
                _f("account", indexed=True),
                _f("contacts", "contacts[]", multi=True, indexed=True),
                _f("text_key", type=INT, indexed=True),
            ),
        ),
        Table(
            "media",
            "sha256",
            (
                _f("sha256"),
                _f("first_case"),
                _f("first_account"),
                _f("pdq_quality", type=INT, default=0),
            ),
        ),
        # each user's own media display preferences (services/media_prefs.py)
        Table("media_prefs", "user", (_f("user"),)),
        Table("qa", "batch_id", (_f("batch_id"), _f("reviewer"), _f("created_at", type=TIME))),
        # Published policy libraries (services/policy_versions.py): each version's three
        # files, never changed once stored; `policy_current` is one doc ("current")
        # naming the version in force, updated with its version so publishes conflict.
        Table("policy", "library_version", (_f("library_version"),)),
        Table("policy_current", "name", (_f("name"),)),
        # What a publish asks leads to look at again (services/rereview.py): one item
        # per standing decision whose guidance the new library changes.
        Table(
            "rereviews",
            "rereview_id",
            (
                _f("rereview_id"),
                _f("decision_id", indexed=True),
                _f("library_version", indexed=True),
                _f("status"),
            ),
        ),
    ),
    rankings=(
        # Precedent candidates (services/precedent_index.py): standing decisions by
        # factor profile, canonical flag and jurisdiction (and per cited clause),
        # newest first.
        Ranking(
            "precedents",
            "decisions",
            partition=("factor_mask", "canonical", "jurisdiction"),
            also=("clause_ids",),
            order=(Order("decided_at", descending=True),),
            where=(
                Filter("superseded_by", Op.IS_NULL),
                Filter("appeal_outcome", Op.NE, "overturned"),
            ),
        ),
    ),
)


def table(name: str) -> Table:
    return SCHEMA.table(name)


def field_of(table_name: str, name: str) -> Field:
    return SCHEMA.table(table_name).field(name)


def parse_instant(value: Any) -> datetime | None:
    """A timestamp value as an aware datetime (None: not a timestamp)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_names(fields: Sequence[str], table_name: str) -> None:
    """StoreError for any name not declared on the table (INSERTED is allowed)."""
    t = SCHEMA.table(table_name)
    for name in fields:
        if name != INSERTED:
            t.field(name)
