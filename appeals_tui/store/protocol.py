"""The `Store` protocol: the only storage API the services know.

Why: services must not care whether records live in the embedded TinyDB
workspace or in PostgreSQL. Everything they ask of storage is named here, in
terms of the tables and fields declared in `appeals_tui.store.schema` (names, not
functions), so a SQL backend can turn each question into an indexed query and a
backend is defined by `tests/store/contract/`.

Records ("docs") are JSON objects: `dict[str, Any]` holding only JSON values.
Every doc carries `version` (1 on insert, +1 on each update). A doc returned by a
read belongs to the store: treat it as read-only (copy before changing it).

Queries
    `Filter`s are ANDed. Field names are the declared `schema.Field` names of the
    table (or `schema.INSERTED`, the insertion position, for ordering). For a
    multi-valued field (e.g. `clause_ids`) a comparison holds when it holds for any
    of the doc's values, and `NE`/`NOT_IN` when no value equals / is in the given
    ones. A missing value is null (or the field's declared default): it fails every
    comparison except `NE`, `NOT_IN` and `IS_NULL` (SQL's `IS DISTINCT FROM`). Timestamps compare as
    instants; a filter value for one may be an ISO 8601 string or an aware datetime.
    Orders apply left to right; null sorts before any value; ties always fall back to
    insertion order (ascending), so paging is stable.

Transactions
    `with store.transaction(actor) as txn:` is all-or-nothing and serialised with
    every other writer (other processes included); the body reads the latest
    committed state plus its own writes. `txn.update(..., expected_version=N)`
    raises `ConflictError` when the doc's version is not N; `txn.insert` of an
    existing key raises `ConflictError`. An exception inside the block discards
    every change. Audit events appended with `txn.event` are chained (SHA-256,
    see `store.audit`) and committed with the changes.
    Services also call the store's own reads (`lookup`, `query`, `iterate`, ...)
    while a transaction is open (intake, strike removal, QA draws): those see the
    committed state (not the pending writes) and must not wait for the open
    transaction.

Stability: helper backends implement this. Changes are additive only; each is
listed here.
    - v1 (issue 11): first version.
    - v2 (issue 14): every record change is in the chain. A transaction's last
      event carries `payload["records"]`: {"table/key" or "meta/key": digest} for
      every doc and setting it wrote (`store.attest.digest`); a transaction that
      writes without logging an event gets a "records.changed" event for that.
      `verify()` replays those digests against every record (table, id, field).
      schema_version 2.
    - v3 (issue 11): documented (no change in behaviour): store reads while a
      transaction is open see committed state and must not block on it.
    - v4 (issue 11): `warnings`, which the CLI already printed (embedded: file modes).
    - v5 (issue 14): `staging(actor)`, a staged write for imports of any size in
      bounded memory that does not hold other writers back: `Staging.add` new
      records (keys that must not exist; version 1) and `Staging.event`s, sent to a
      staging area as they come and invisible to every reader; `publish(finish)`
      runs `finish(txn)` as a transaction's body (serialised with other writers, it
      sees the latest committed state) and makes its writes, every staged record
      and the staged events visible at once, or none of them (also after a crash
      at any moment). Staged events follow `finish`'s events in the chain; the
      digests of staged records are in "records.imported" events (at most 1000
      each). `Staging.next_id` hands out ids of the same counters as
      `Transaction.next_id`, committed by `publish` (ConflictError if a transaction
      took ids of that counter meanwhile). One staging at a time per store (the next
      waits, like for a lock); leaving the block without `publish` discards it.
    - v6 (issues 11/12): `compact(progress=None)` takes
      an optional `Progress` callback (`services.roster.compact_workspace` passed
      one already); a backend with nothing to fold may ignore it.
    - v7 (issue 12): `aggregate(..., join=Join(...))` groups docs by fields of the doc
      they point to (appeals by their decision's moderator); `firsts` (the first n
      docs of each of several groups, one question); `groups_on_server` (True when
      `aggregate` runs where the records are, so a service asks several grouped
      questions instead of reading every doc: stats on PostgreSQL).
    - v8 (issue 12): `tops(ranking, wanted, fields=())`: `top` of several partitions
      in one question (a precedent ranking walks a dozen partitions per step: one
      round trip to a database server instead of one each), optionally projected to
      a few fields like `firsts`; `count(..., at_most=N)`, a count that may stop at N
      (is a text shared by more than a few dozen cases?).
    - v9 (issue 15): `save_derived(name, payload)` / `load_derived(name)`: state a
      service derived from the records, kept for the next process (a cache: the
      service records and checks the chain position it is valid for). A backend may
      keep nothing (`load_derived` -> None; PostgreSQL does); what it returns is the
      payload saved, whole, or None.
    - v10 (issue 12): `server_on_host`: True when a database server does the store's
      work on this machine (PostgreSQL over a Unix socket or a loopback address), so
      a bulk write keeps one of this machine's cores busy with the server's share,
      which a helper process of the client would only compete for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from appeals_tui.domain.progress import Progress
from appeals_tui.store.audit import VerifyResult

__all__ = [
    "Doc",
    "Op",
    "Filter",
    "Order",
    "Page",
    "EVERYTHING",
    "Rows",
    "Group",
    "Join",
    "Top",
    "ChainHead",
    "Transaction",
    "Staging",
    "Store",
    "VerifyResult",
]

Doc = dict[str, Any]


class Op(StrEnum):
    """Filter comparisons (see the module docstring for nulls and multi-valued fields)."""

    EQ = "eq"
    NE = "ne"
    IN = "in"  # value: a collection
    NOT_IN = "not_in"  # value: a collection
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IS_NULL = "is_null"  # value ignored: missing, or JSON null
    NOT_NULL = "not_null"
    #: value: a string; true when its casefold is a substring of the field's casefold
    #: (for a `Derive.JOIN` search field: of its parts joined by spaces)
    CONTAINS = "contains"


@dataclass(frozen=True)
class Filter:
    """`field op value`, e.g. `Filter("status", Op.IN, ("open", "in_review"))`."""

    field: str
    op: Op = Op.EQ
    value: Any = None


@dataclass(frozen=True)
class Order:
    """Sort by a declared field; `descending` puts the largest first (nulls last then)."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class Page:
    """A window of a query's result; `limit=None` is everything from `offset`."""

    offset: int = 0
    limit: int | None = None


#: the whole result (the default page)
EVERYTHING = Page()


@dataclass
class Rows:
    """One page of a query and how many docs matched in all."""

    rows: list[Doc]
    total: int


@dataclass(frozen=True)
class Group:
    """One group of `Store.aggregate`: the group's values (in `by` order), how many
    docs it holds and the sum of each asked-for field (true counts 1, null 0)."""

    key: tuple[Any, ...]
    count: int
    sums: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Join:
    """`Store.aggregate`'s join (v7): each doc is paired with the doc of `table` whose
    key its field `on` holds; only docs whose partner exists and passes `where` are
    counted, and the partner's `by` fields follow the doc's own in the group key."""

    table: str
    on: str
    by: tuple[str, ...] = ()
    where: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Top:
    """One partition of a ranking for `Store.tops` (v8): `top(ranking, match, n,
    exclude)` as one item of a batch."""

    match: Mapping[str, Any]
    n: int
    exclude: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class ChainHead:
    """The last audit event: what `appeals verify --head` prints as `SEQ:HASH`."""

    seq: int
    hash: str


class Transaction(Protocol):
    """The pending changes of one `Store.transaction()`."""

    actor: str

    def get(self, table: str, key: str) -> Doc | None:
        """The doc as this transaction sees it (its own writes included)."""
        ...

    def insert(self, table: str, key: str, doc: Doc) -> Doc:
        """Add a doc (version 1); ConflictError if the key exists."""
        ...

    def update(self, table: str, key: str, fields: Doc, expected_version: int | None = None) -> Doc:
        """Merge top-level `fields` into the doc, version + 1; NotFound if absent,
        ConflictError if `expected_version` is given and stale."""
        ...

    def meta(self, key: str, default: Any = None) -> Any:
        """A workspace setting (e.g. "config"), as this transaction sees it."""
        ...

    def set_meta(self, key: str, value: Any) -> None: ...

    def next_id(self, prefix: str) -> str:
        """Per-prefix counter committed with the transaction: "C" -> "C-000001", ..."""
        ...

    def event(self, type: str, entity: str, payload: Doc) -> Doc:  # noqa: A002
        """Append an audit event (`entity` like "case:C-000001") to the chain."""
        ...


class Staging(Protocol):
    """A staged write of `Store.staging()` (protocol v5, see the module docstring)."""

    actor: str

    def add(self, table: str, key: str, doc: Doc) -> None:
        """Stage a new record (version 1); ConflictError, at the latest from `publish`,
        if the key exists."""
        ...

    def event(self, type: str, entity: str, payload: Doc) -> None:  # noqa: A002
        """Stage an audit event; it is chained (seq, hashes) when published."""
        ...

    def next_id(self, prefix: str) -> str:
        """The next id of `prefix`'s counter ("C" -> "C-000001"), kept by publish."""
        ...

    def publish(self, finish: Callable[[Transaction], None] | None = None) -> None:
        """Make everything staged visible at once, with `finish`'s writes."""
        ...


@runtime_checkable
class Store(Protocol):
    """A workspace's records, settings and audit chain (see the module docstring)."""

    @property
    def location(self) -> Path | None:
        """The directory holding the store's files (None for a server database): the
        services refuse to write exports inside it."""
        ...

    @property
    def warnings(self) -> list[str]:
        """Sentences for the user about how the store is set up (e.g. files others on
        the host can read); empty when there is nothing to say."""
        ...

    @property
    def groups_on_server(self) -> bool:
        """True when `aggregate` runs where the records are (a database server): several
        grouped questions cost less than reading every doc. False for the embedded
        store, where one pass over the docs beats several aggregate passes."""
        ...

    @property
    def server_on_host(self) -> bool:
        """True when a database server on this machine does the store's work (a
        PostgreSQL server reached by a Unix socket or a loopback address): during a
        bulk write it needs a core of this machine (services/link_helper.py counts it).
        False for the embedded store (its work is this process's) and a remote server."""
        ...

    @property
    def media_dir(self) -> Path:
        """Where image bytes live (store/media.py, a content-addressed file store)."""
        ...

    @property
    def clock(self) -> Any:
        """`() -> datetime` stamping audit events; settable (the demo replays history)."""
        ...

    @clock.setter
    def clock(self, value: Any) -> None: ...

    # -- reads ---------------------------------------------------------------------

    def refresh(self) -> bool:
        """See other processes' committed writes now; True if anything changed.
        Every read below refreshes first, so this is for screens that poll."""
        ...

    def get(self, table: str, key: str) -> Doc | None: ...

    def get_many(self, table: str, keys: Iterable[str]) -> list[Doc]:
        """The docs that exist among `keys`, in the order of `keys`."""
        ...

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        """Docs whose indexed `field` equals `value` (any value, for a multi field),
        in insertion order. `field` must be declared `indexed` in the schema."""
        ...

    def query(
        self,
        table: str,
        where: Sequence[Filter] = (),
        order: Sequence[Order] = (),
        page: Page = EVERYTHING,
    ) -> Rows:
        """Matching docs, ordered, one page of them, and the number that matched."""
        ...

    def iterate(
        self, table: str, where: Sequence[Filter] = (), order: Sequence[Order] = ()
    ) -> Iterator[Doc]:
        """Matching docs in order, streamed (exports): no total, no page."""
        ...

    def count(self, table: str, where: Sequence[Filter] = (), at_most: int | None = None) -> int:
        """How many docs match; with `at_most` (v8), min(that, at_most): a backend may
        stop counting there."""
        ...

    def distinct(self, table: str, field: str, where: Sequence[Filter] = ()) -> list[Any]:
        """The non-null values of `field` among matching docs, ascending."""
        ...

    def aggregate(
        self,
        table: str,
        by: Sequence[str],
        where: Sequence[Filter] = (),
        sums: Sequence[str] = (),
        join: Join | None = None,
    ) -> list[Group]:
        """Count (and sum `sums` over) matching docs grouped by the `by` fields, groups
        in ascending key order. A multi field in `by` puts a doc in one group per
        distinct value; a doc with no value is grouped under None. With `join` (v7),
        see `Join`: the key is the `by` values, then the partner's `join.by` values."""
        ...

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
        """For each key of `keys` (values of the single-valued `by` fields, none None),
        the first `n` matching docs whose `by` fields equal it, in `order` (ties in
        insertion order), as `query(...).rows[:n]` would give them; one list per key (v7).
        With `fields`, each doc is only {name: the declared field's value} for those
        (a listing that needs a few fields of many docs; timestamps in ISO 8601)."""
        ...

    def top(
        self,
        ranking: str,
        match: Mapping[str, Any],
        n: int,
        exclude: Sequence[Filter] = (),
    ) -> list[Doc]:
        """The first `n` docs of a declared `schema.Ranking` whose fields equal `match`
        (every `partition` field, optionally one `also` field), in the ranking's order,
        passing over docs that match any `exclude` filter. Backends keep an index per
        ranking, so this costs O(n), not the size of the partition."""
        ...

    def tops(
        self, ranking: str, wanted: Sequence[Top], fields: Sequence[str] = ()
    ) -> list[list[Doc]]:
        """`top` of each of `wanted`, in one question (v8); one list per item, in
        order. With `fields`, each doc is only {name: the declared field's value} for
        those, as in `firsts`."""
        ...

    def meta(self, key: str, default: Any = None) -> Any:
        """A committed workspace setting (e.g. "config", "schema_version")."""
        ...

    # -- writes --------------------------------------------------------------------

    def transaction(self, actor: str) -> AbstractContextManager[Transaction]: ...

    def staging(self, actor: str) -> AbstractContextManager[Staging]:
        """A staged write (v5): bounded memory, visible all at once on `publish`."""
        ...

    # -- audit -----------------------------------------------------------------------

    def events(self, since_seq: int = 0) -> list[Doc]:
        """Audit events with seq > since_seq, in seq order."""
        ...

    def events_for(self, entities: Iterable[str]) -> list[Doc]:
        """Audit events about any of `entities`, in seq order."""
        ...

    def head(self) -> ChainHead:
        """The last committed event (seq 0 and the genesis hash when there is none)."""
        ...

    def verify(self) -> VerifyResult:
        """Recompute the chain and check every record against it."""
        ...

    # -- upkeep ----------------------------------------------------------------------

    def compact(self, progress: Progress | None = None) -> None:
        """Reclaim space (embedded: fold the journal into a snapshot, then complete its
        index files); may do nothing. `progress(done, total, phase)` follows it."""
        ...

    def disk_usage(self) -> int:
        """Bytes the store occupies (as far as the backend can tell)."""
        ...

    def load_derived(self, name: str) -> bytes | None:
        """What a service last kept with `save_derived(name, ...)` (state it derived
        from the records, to spare the next process rebuilding it), if any and whole;
        None on a backend that keeps none. A cache: the caller checks it still holds
        (e.g. the chain position it names) and rebuilds otherwise."""
        ...

    def save_derived(self, name: str, payload: bytes) -> None:
        """Keep `payload` for `load_derived` (best effort: may keep nothing)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
