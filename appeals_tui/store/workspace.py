"""Workspace: the store facade the services layer uses.

Why: one object owns the files, the inter-process lock and the in-memory state
that TinyDB queries read directly. Writes are transactions: their records go
through TinyDB's Table API into one fsynced journal line each, applied to memory
only after the fsync returns (store/table.py). Other processes'
writes arrive through refresh(), which costs two stat() calls when nothing
changed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from functools import partial, reduce
from itertools import islice
from pathlib import Path
from typing import Any, cast

from tinydb.queries import QueryInstance, QueryLike

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.progress import Progress
from appeals_tui.store import files, migrations, staging
from appeals_tui.store import journal as jf
from appeals_tui.store.audit import GENESIS, VerifyResult
from appeals_tui.store.index import Index, KeyFunc, Members
from appeals_tui.store.lock import FileLock
from appeals_tui.store.ordered import one_bucket, order_key, rankable
from appeals_tui.store.protocol import (
    EVERYTHING,
    ChainHead,
    Filter,
    Group,
    Join,
    Op,
    Order,
    Page,
    Rows,
    Top,
    Transaction,
)
from appeals_tui.store.replica import IndexSpec, Replica
from appeals_tui.store.schema import INSERTED, SCHEMA, Field, check_names
from appeals_tui.store.schema import Table as TableDecl
from appeals_tui.store.sidecar import DERIVED
from appeals_tui.store.staging import WorkspaceStaging
from appeals_tui.store.table import JournalBatch, JournalDB, Keyed, StateStorage, TableReads
from appeals_tui.store.tinyquery import (
    compile_filter,
    compile_where,
    firsts_of,
    group_docs,
    group_joined,
    order_docs,
    project,
    rank_keys,
    rank_order,
    rank_value,
)
from appeals_tui.store.txn import Txn
from appeals_tui.store.verify import verify_files

__all__ = ["Workspace"]

Doc = dict[str, Any]


def _order_name(order: Sequence[Order]) -> str:
    return "order:" + ",".join(f"{o.field}{'-' if o.descending else '+'}" for o in order)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Workspace:
    """A workspace directory: snapshot.dat + journal.log + workspace.lock.

    The embedded `Store` (store/protocol.py): protocol queries on declared fields
    become `tinydb.Query` expressions run by TinyDB tables (store/tinyquery.py)."""

    #: 2: every transaction attests the digests of the records it writes (attest.py)
    #: 3: case_links (contacts and near-duplicate text keys, services/networks.py)
    #: 4: those on the case record (`cases.contacts`, `cases.text_key`)
    SCHEMA_VERSION: int = 4
    #: auto-compact after a commit once the journal exceeds this: bounds replay on open
    #: (about 0.1 s per 8 MiB) while a compaction at 100k decisions costs under a second
    AUTO_COMPACT_BYTES: int = 8 << 20
    #: lookups returning more docs than this count towards decoding the whole table
    #: (see `_bucket`)
    DECODE_BUCKETS_OVER: int = 2000

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        lock_timeout: float | None = None,
        auto_compact: bool = True,
        clean_tmp: bool = True,
    ) -> None:
        self.path = Path(path)
        if not Workspace.exists(self.path):
            raise StoreError(f"no workspace at {self.path}; run `appeals init --admin NAME` first")
        self._clock = clock or _utc_now
        self._auto_compact = auto_compact
        self._mutex = threading.RLock()
        if lock_timeout is None:  # long enough for a big import to finish committing
            lock_timeout = float(os.environ.get("APPEALS_LOCK_TIMEOUT") or 60)
        self._lock = FileLock(self.path / jf.LOCK, lock_timeout)
        #: sentences for the user about files other people on the host can read
        self.warnings: list[str] = files.mode_warnings(self.path)
        if self.read_only:
            self.warnings.append(
                f"workspace at {self.path} is read-only for you: you can read it, "
                "but no change can be saved"
            )
        self._rep = Replica(self.path)
        self._txn: Txn | None = None
        #: per declared ranking: its index key and order functions (compiled once)
        self._rankings: dict[str, tuple[KeyFunc, KeyFunc]] = {}
        #: (table, id(filter)) -> (the filter, kept so its id stays its own; compiled)
        self._skip_cache: dict[tuple[str, int], tuple[Filter, QueryInstance]] = {}
        #: table -> docs read record by record from big index buckets (see `_bucket`)
        self._bucket_reads: dict[str, int] = {}
        self.db = JournalDB(
            storage=StateStorage, replica=self._rep, mutex=self._mutex, lock=self._lock
        )
        #: TinyDB's storage: the lock, the journal and the live tables (store/table.py)
        self._storage = cast(StateStorage, self.db.storage)
        #: what transactions read: TinyDB's `Table.get` by doc id
        self._reads = TableReads(self.db)
        try:
            if clean_tmp:
                self._clean_stale_tmp()
            with self._mutex, self._lock.shared():
                self._rep.reload()
            self._migrate()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -----------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True when this process cannot write the workspace files (reads still work)."""
        return not self._lock.writable

    def _clean_stale_tmp(self) -> None:
        """Temp files of killed compactions/creates, removed only when no one writes."""
        if self.read_only:
            return
        try:
            with self._lock.exclusive_now():
                files.clean_stale_tmp(self.path)
        except BlockingIOError:
            pass  # someone is writing (maybe that very temp file): leave it for later

    @classmethod
    def create(cls, path: Path, *, group: str | None = None, **kwargs: Any) -> Workspace:
        """New workspace, private to its owner (or to `group`); the snapshot is
        written last, so it marks a finished create."""
        path = Path(path)
        if cls.exists(path):
            raise StoreError(f"a workspace already exists at {path}")
        files.make_private_dir(path, group)
        lock = FileLock(path / jf.LOCK)
        try:
            with lock.exclusive():
                if cls.exists(path):
                    raise StoreError(f"a workspace already exists at {path}")
                jf.write_new_journal(path, 1)
                header = {"generation": 1, "events": 0, "last_hash": GENESIS}
                meta = {"schema_version": cls.SCHEMA_VERSION}
                jf.write_snapshot(path, header, meta, [], [])
        finally:
            lock.close()
        return cls(path, **kwargs)

    @classmethod
    def open(cls, path: Path, **kwargs: Any) -> Workspace:
        return cls(path, **kwargs)

    @staticmethod
    def exists(path: Path) -> bool:
        return (Path(path) / jf.SNAPSHOT).is_file()

    def close(self) -> None:
        with self._mutex:
            self._rep.close()
            self._lock.close()
            # The TinyDB wiring makes this object part of a cycle: drop the state now
            # rather than waiting for a collection.
            rep = self._rep
            rep.tables, rep.lazy, rep.indexes, rep.jevents = {}, {}, {}, []

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._rep.meta.get("schema_version", 0)
        if version > self.SCHEMA_VERSION:
            raise StoreError(
                f"workspace at {self.path} has schema {version}, newer than this program "
                f"supports ({self.SCHEMA_VERSION}); upgrade appeals-tui"
            )
        if version >= self.SCHEMA_VERSION or self.read_only:  # read-only: read as is
            return
        after: str | None = None
        # not compacted after each part (a 100k migration would compact ~25 times: most
        # of its time), once at the end; a crash meanwhile replays a longer journal
        auto, self._auto_compact = self._auto_compact, False
        try:
            while True:  # one version a transaction; a long one in bounded parts first
                with self.transaction("system") as txn:
                    current = txn.meta("schema_version", 0)
                    if current >= self.SCHEMA_VERSION:
                        break
                    after = migrations.migrate_part(txn, current, after)
                    if after is None:  # the parts are done (in this very transaction)
                        migrations.migrate(txn, current, current + 1, parted=True)
        finally:
            self._auto_compact = auto
        if auto and self._journal_too_big():
            self.compact()

    @property
    def media_dir(self) -> Path:
        """Where image bytes live (store/media.py): inside the workspace, private like it."""
        return self.path / "media"

    @property
    def clock(self) -> Callable[[], datetime]:
        """Timestamps of audit events; replaceable so replayed history keeps its dates."""
        return self._clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self._clock = value

    # -- reads -----------------------------------------------------------------------

    def refresh(self) -> bool:
        """Pick up other processes' writes; True if anything changed."""
        return self._storage.refresh()

    def get(self, table: str, key: str) -> Doc | None:
        """One record by TinyDB doc id (= key); a table still on disk decodes one line."""
        doc: Doc | None = self.db.table(table).get(doc_id=key)
        return doc

    def all(self, table: str) -> list[Doc]:
        return self.db.table(table).all()

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        """Docs of `table` whose `field` equals `value`, via an in-memory index.

        A declared indexed field (store/schema.py) is evaluated as declared (a multi
        field files a doc under each value); on an undeclared table or field, the
        doc's top-level `field`. The index is built on first use and kept current on
        every change. Order: the order docs entered the bucket (insertion order for
        the declared fields, which never change once written).
        """
        func: KeyFunc = lambda d: d.get(field)  # noqa: E731
        multi = False
        declared = next((t for t in SCHEMA.tables if t.name == table), None)
        if declared is not None and field in self._indexed(declared):
            f = declared.field(field)
            func, multi = f.getter, f.multi  # as `_field_index`: one saved file
        with self._mutex:
            self.refresh()
            return self._bucket(table, lambda: self._rep.index(table, field, func, multi), value)

    def search(self, table: str, cond: QueryLike) -> list[Doc]:
        return list(self.db.table(table).search(cond))

    # -- the Store protocol's queries (declared tables and fields) --------------------

    @property
    def location(self) -> Path:
        return self.path

    @property
    def groups_on_server(self) -> bool:
        return False  # one pass over the docs in this process beats several aggregates

    @property
    def server_on_host(self) -> bool:
        return False  # no server: the store's work is this process's

    def get_many(self, table: str, keys: Iterable[str]) -> list[Doc]:
        docs: list[Doc] = self.db.table(table).get(doc_ids=list(keys))
        return docs

    def _field_index(self, t: TableDecl, f: Field) -> Index:
        """A declared field's index (mutex held). On a table still on disk with no saved
        copy (a workspace written before the field was declared indexed, not compacted
        since) every missing declared index of the table is built in one streamed pass
        and saved, not one pass each: the queue's three filter choices (facets.py) on
        such a workspace cost one decode of the cases, once."""
        rep = self._rep
        if (t.name, f.name) not in rep.indexes and t.name in rep.lazy:
            rep.save_indexes([(t.name, g.name, g.getter, g.multi, None) for g in t.indexed])
        return self.db.table(t.name).index(f.name, f.getter, f.multi)

    def _select(self, table: str, where: Sequence[Filter]) -> list[Doc]:
        """Docs matching `where`, in insertion order: the smallest index bucket an
        indexed equality filter names, else TinyDB's `Table.search` with the query."""
        t = SCHEMA.table(table)
        cond = compile_where(t, where)
        with self._mutex:
            self.refresh()
            best: list[Doc] | None = None
            for flt in where:
                if flt.op == Op.EQ and flt.field in self._indexed(t):
                    f = t.field(flt.field)
                    bucket = self._bucket(table, partial(self._field_index, t, f), flt.value)
                    if best is None or len(bucket) < len(best):
                        best = bucket
            if best is not None:
                return best if cond is None else [d for d in best if cond(d)]
            if cond is None:
                return self.db.table(table).all()
            return self.db.table(table).search(cond)

    def _bucket(self, table: str, index: Callable[[], Index], value: Any) -> list[Doc]:
        """An index bucket's docs (mutex held). A big bucket of a table still on disk
        decodes the whole table once instead (values shared, see share.py): reading
        thousands of records one by one, and keeping them unshared, costs a long-lived
        process more time and memory than one decode (the queue, stats, history)."""
        idx = index()
        lazy = self._rep.lazy.get(table)
        if lazy is not None and idx.disk is not None:
            n = len(idx.keys(value))
            if n > self.DECODE_BUCKETS_OVER:
                # Decode only once big buckets have cost a quarter of the table record by
                # record: a one-shot command reading one big bucket (a contact shared by
                # thousands of cases) reads just those, a long-lived process soon decodes.
                spent = self._bucket_reads.get(table, 0) + n
                self._bucket_reads[table] = spent
                if spent * 4 > lazy.count():
                    self._rep.docs(table)  # saved indexes stay, reading docs from the dict
        return idx.bucket(value)

    def _first_of_bucket(self, table: str, flt: Filter, page: Page) -> Rows | None:
        """A page of the docs an indexed equality names, in insertion order, without
        reading the rest of its bucket (mutex held); None if `flt` is not such a filter."""
        t = SCHEMA.table(table)
        if flt.op != Op.EQ or flt.field not in self._indexed(t):
            return None
        f = t.field(flt.field)
        idx = self._field_index(t, f)
        end = None if page.limit is None else page.offset + page.limit
        try:
            keys, total = idx.window(flt.value, page.offset, end)
        except TypeError:  # not a value an index can hold (a list): the general path
            return None
        rows = [d for d in map(self._rep.get_fn(table), keys) if d is not None]
        return Rows(rows=rows, total=total)

    def _ordered(self, t: TableDecl, order: Sequence[Order]) -> Index | None:
        """The saved whole-table order index (store/ordered.py) for an unfiltered query
        on a table still on disk (mutex held); None: sort in memory as usual."""
        name = _order_name(order)
        idx = self._rep.indexes.get((t.name, name))
        if idx is not None:
            return idx
        lazy = self._rep.lazy.get(t.name)
        if lazy is None or not rankable(t, order):
            return None
        return self._rep.index(t.name, name, one_bucket, False, order_key(t, order, lazy.position))

    @staticmethod
    def _indexed(t: TableDecl) -> set[str]:
        return {f.name for f in t.indexed}

    def query(
        self,
        table: str,
        where: Sequence[Filter] = (),
        order: Sequence[Order] = (),
        page: Page = EVERYTHING,
    ) -> Rows:
        t = SCHEMA.table(table)
        check_names([o.field for o in order], table)
        if not where:
            with self._mutex:
                self.refresh()
                ordered = self._ordered(t, order)
                if ordered is not None:  # the first rows without decoding the table
                    end = None if page.limit is None else page.offset + page.limit
                    keys = islice(ordered.descending(0), page.offset, end)
                    rows = [d for d in map(self._rep.get_fn(table), keys) if d is not None]
                    return Rows(rows=rows, total=self._rep.count(table))
        elif order and page.limit:
            with self._mutex:
                self.refresh()
                found = self._ordered_page(t, where, order, page)
            if found is not None:
                return found
        if len(where) == 1 and (not order or list(order) == [Order(INSERTED)]) and page.limit:
            with self._mutex:  # e.g. the first case with a text: not the whole bucket
                self.refresh()
                first = self._first_of_bucket(table, where[0], page)
            if first is not None:
                return first
        matched = self._select(table, where)
        end = None if page.limit is None else page.offset + page.limit
        docs = order_docs(t, matched, order, end)
        return Rows(rows=docs[page.offset : end], total=len(matched))

    def iterate(
        self, table: str, where: Sequence[Filter] = (), order: Sequence[Order] = ()
    ) -> Iterator[Doc]:
        """Streamed. In insertion order (either way) a table still on disk is decoded
        as the caller reads and not kept, so listing a whole table (`history --json`,
        exports) holds one block of records at a time and its first rows come at once."""
        t = SCHEMA.table(table)
        if not where and order:
            with self._mutex:
                self.refresh()
                ordered = self._ordered(t, order)
                peek = self._rep.peek_fn(table)
            if ordered is not None:  # streamed in order, each doc read as it goes
                for key in ordered.descending(0):
                    with self._mutex:
                        doc = peek(key)
                    if doc is not None:
                        yield doc
                return
        indexed = any(f.op == Op.EQ and f.field in self._indexed(t) for f in where)
        if indexed or len(order) > 1 or (order and order[0].field != INSERTED):
            yield from self.query(table, where, order).rows  # an index bucket, or sorting
            return
        cond = compile_where(t, where)  # the same tinydb Query, tested doc by doc
        with self._mutex:
            self.refresh()
            items = self._rep.scan(table, reverse=bool(order) and order[0].descending)
        for _key, doc in items:
            if cond is None or cond(doc):
                yield doc

    def count(self, table: str, where: Sequence[Filter] = (), at_most: int | None = None) -> int:
        cap = None if at_most is None else max(0, at_most)
        n = 0 if cap == 0 else self._count(table, where, cap)
        return n if cap is None else min(n, cap)

    def _count(self, table: str, where: Sequence[Filter], cap: int | None = None) -> int:
        if not where:
            return len(self.db.table(table))
        if len(where) == 1:  # the keys an indexed ==/in names are the answer
            with self._mutex:
                self.refresh()
                named = self._indexed_filters(SCHEMA.table(table), where)
                if named:
                    return self._count_named(*named[0], cap)
        found = self._by_keys(table, where)
        if found is not None:
            return len(found)
        return len(self._select(table, where))

    def _ordered_page(
        self, t: TableDecl, where: Sequence[Filter], order: Sequence[Order], page: Page
    ) -> Rows | None:
        """A page of a filtered query on a table still on disk, when every filter is an
        indexed ==/in (the queue's default: active statuses, by priority): the matching
        keys from the indexes, their count the total, the page the first of them met
        walking the saved order (keys only; docs read for the page alone), or, when few
        match, those docs read and sorted. At 100k cases the queue's first page decoded
        every case (~1 s) for 50 rows. Mutex held; None: not such a query."""
        lazy = self._rep.lazy.get(t.name)
        if lazy is None or not rankable(t, order):
            return None
        matching: set[str] | None = None
        for flt in where:
            keys = self._named_keys(t, [flt])
            if keys is None:
                return None  # a filter no index answers exactly: the general path
            matching = keys if matching is None else matching & keys
        if matching is None:
            return None
        end = page.offset + (page.limit or 0)
        if len(matching) <= self.DECODE_BUCKETS_OVER:  # few: read them all and sort
            docs = self._rep.get_many(t.name, sorted(matching, key=lazy.position))
            return Rows(rows=order_docs(t, docs, order, end)[page.offset : end], total=len(docs))
        ordered = self._ordered(t, order)
        if ordered is None:
            return None
        walk = (k for k in ordered.descending(0) if k in matching)
        keys_page = list(islice(walk, page.offset, end))
        rows = [d for d in map(self._rep.get_fn(t.name), keys_page) if d is not None]
        return Rows(rows=rows, total=len(matching))

    def _named_keys(self, t: TableDecl, where: Sequence[Filter]) -> set[str] | None:
        """The fewest keys an indexed equality or membership over text or integer values
        in `where` names (None: no such filter); mutex held. A bucket holds exactly the
        keys whose value is == one of them, which is what the filter asks. Only the
        smallest filter's keys are named (sizes are bucket lengths, counted without
        naming): the few hundred keys of a precedent window's accounts, not also the
        20k of a text they are asked about."""
        best: list[tuple[Index, list[Any]]] = []
        best_size: int | None = None
        for idx, values in self._indexed_filters(t, where):
            size = 0
            for v in values:
                size += idx.size(v)
                if best_size is not None and size >= best_size:
                    break  # no fewer than the best so far: not named
            else:
                best, best_size = [(idx, values)], size
        if not best:
            return None
        idx, values = best[0]
        return set().union(*(idx.keys(v) for v in values))

    @staticmethod
    def _count_named(idx: Index, values: list[Any], cap: int | None) -> int:
        """How many keys `values`' buckets hold together, at least `cap` when it stops
        there: a single-valued field's buckets are disjoint (their lengths add up, no
        key named); a multi-valued one's are named up to `cap` a bucket (a contact
        shared by 20k links names `cap` of them, not 20k). Mutex held."""
        if not idx.multi:
            return sum(idx.size(v) for v in values)
        keys: set[str] = set()
        for v in values:
            keys.update(idx.keys(v) if cap is None else idx.window(v, 0, cap)[0])
            if cap is not None and len(keys) >= cap:
                break
        return len(keys)

    def _indexed_filters(
        self, t: TableDecl, where: Sequence[Filter]
    ) -> list[tuple[Index, list[Any]]]:
        """Each indexed ==/in filter of `where` over text or integer values, as its index
        and its distinct values; mutex held."""
        indexed = self._indexed(t)
        out: list[tuple[Index, list[Any]]] = []
        for flt in where:
            if flt.field not in indexed or flt.op not in (Op.EQ, Op.IN):
                continue
            values = [flt.value] if flt.op == Op.EQ else list(flt.value)
            if not all(type(v) in (str, int) for v in values):  # no bool/float look-alikes
                continue
            values = list(dict.fromkeys(values))
            out.append((self._field_index(t, t.field(flt.field)), values))
        return out

    def _by_keys(self, table: str, where: Sequence[Filter]) -> list[Doc] | None:
        """The docs matching `where`, in no particular order, read through the keys
        `_named_keys` gives (None: no such filter). For counts and distinct values,
        whose order does not matter: the accounts sharing a case's text among a few
        hundred candidates decoded all 122k links of a 100k workspace in a one-shot
        `precedents`. A long-lived process decodes the table once such reads have cost
        a quarter of it (as `_bucket` does)."""
        t = SCHEMA.table(table)
        with self._mutex:
            self.refresh()
            keys = self._named_keys(t, where)
            if keys is None:
                return None
            lazy = self._rep.lazy.get(table)
            if lazy is not None:
                spent = self._bucket_reads.get(table, 0) + len(keys)
                self._bucket_reads[table] = spent
                if spent * 4 > lazy.count():
                    self._rep.docs(table)
            docs = self._rep.get_many(table, sorted(keys))
        cond = compile_where(t, where)
        return docs if cond is None else [d for d in docs if cond(d)]

    def distinct(self, table: str, field: str, where: Sequence[Filter] = ()) -> list[Any]:
        t = SCHEMA.table(table)
        f = t.field(field)
        if not where and f.indexed:
            with self._mutex:
                self.refresh()
                values = self._field_index(t, f).values()
        elif (by_index := self._distinct_by_index(t, f, where)) is not None:
            return by_index
        else:
            values = []
            found = self._by_keys(table, where) if where else None
            for doc in self._select(table, where) if found is None else found:
                value = f.value(doc)
                values.extend(value if f.multi else [value])
        return sorted({v for v in values if v is not None})

    def _distinct_by_index(
        self, t: TableDecl, f: Field, where: Sequence[Filter]
    ) -> list[Any] | None:
        """`distinct(f, where)` when every filter is an indexed ==/in, one of them on the
        single-valued `f`: its values with a key in every other filter's buckets, from the
        saved indexes' record numbers (`Members`), no doc read. Which of a precedent
        window's accounts share the case's contacts or text decoded ~1,000 links and
        named 20k keys (40-90 ms at 100k). None: not such a question."""
        if f.multi or len(where) < 2:
            return None
        with self._mutex:
            self.refresh()
            named = self._indexed_filters(t, where)
            mine = [i for i, flt in enumerate(where) if flt.field == f.name]
            if len(named) != len(where) or len(mine) != 1:
                return None
            own, values = named[mine[0]]
            if not Members.comparable(idx for idx, _ in named):
                return None
            others = [Members(idx, vs) for i, (idx, vs) in enumerate(named) if i != mine[0]]
            return sorted(
                v
                for v in values
                if any(all(m.has(r, k) for m in others) for r, k in own.entries(v))
            )

    def aggregate(
        self,
        table: str,
        by: Sequence[str],
        where: Sequence[Filter] = (),
        sums: Sequence[str] = (),
        join: Join | None = None,
    ) -> list[Group]:
        t = SCHEMA.table(table)
        if join is None:
            return group_docs(t, self._select(table, where), by, sums)
        jt = SCHEMA.table(join.table)
        on = t.field(join.on)
        if on.multi:
            raise StoreError(f"{table}: a join follows a single-valued field, not {on.name}")
        check_names(join.by, join.table)
        docs = self._select(table, where)
        wanted = {v for v in map(on.getter, docs) if v is not None}
        partners = {d[jt.key]: d for d in self.get_many(join.table, wanted)}
        cond = compile_where(jt, join.where)
        if cond is not None:
            partners = {k: d for k, d in partners.items() if cond(d)}
        pairs = ((d, partners[k]) for d in docs if (k := on.getter(d)) in partners)
        return group_joined(t, pairs, by, jt, join.by, sums)

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
        t = SCHEMA.table(table)
        check_names([*by, *fields], table)
        if not keys:
            return []
        if (
            len(by) == 1
            and not where
            and list(order) in ([], [Order(INSERTED)])
            and by[0] in self._indexed(t)
        ):  # each key's first docs from its index bucket (text groups' first holders),
            # not a decode of the whole table
            return [
                firsts_of(t, self.query(table, [Filter(by[0], Op.EQ, k[0])], order,
                                        Page(0, n)).rows, by, [k], n, fields)[0]
                for k in keys
            ]  # fmt: skip
        return firsts_of(t, self.query(table, where, order).rows, by, keys, n, fields)

    def top(
        self,
        ranking: str,
        match: Mapping[str, Any],
        n: int,
        exclude: Sequence[Filter] = (),
    ) -> list[Doc]:
        return self.tops(ranking, [Top(match, n, tuple(exclude))])[0]

    def tops(
        self, ranking: str, wanted: Sequence[Top], fields: Sequence[str] = ()
    ) -> list[list[Doc]]:
        """One `top` after another (in-process, a question costs no round trip) after one
        look at the journal: a precedent walk asks up to ~1,700 partitions, and two `stat`
        calls each were a third of its time."""
        r = SCHEMA.ranking(ranking)
        t = SCHEMA.table(r.table)
        funcs = self._ranking_funcs(r.name)
        asks = [
            (
                rank_value(r, dict(w.match)),
                w.n,
                self._compiled_skip(t, w.exclude) if w.exclude else None,
            )
            for w in wanted
        ]
        with self._mutex:
            idx = self.db.table(r.table).index(f"ranking:{r.name}", funcs[0], True, funcs[1])
            found = [idx.top(value, n, skip) for value, n, skip in asks]
        if not fields:
            return found
        check_names(list(fields), t.name)
        return [project(t, docs, fields) for docs in found]

    def _ranking_funcs(self, name: str) -> tuple[KeyFunc, KeyFunc]:
        funcs = self._rankings.get(name)
        if funcs is None:
            r = SCHEMA.ranking(name)
            t = SCHEMA.table(r.table)
            funcs = self._rankings[name] = (rank_keys(t, r), rank_order(t, r, t.key))
        return funcs

    def _compiled_skip(self, t: TableDecl, exclude: Sequence[Filter]) -> QueryInstance:
        """`exclude` as one query; the filters compiled last time are reused when they
        are the same objects (a precedent search passes the same ones to many `top`
        calls, one of them a set of thousands of accounts)."""
        parts = []
        for f in exclude:
            hit = self._skip_cache.get((t.name, id(f)))
            if hit is None or hit[0] is not f:
                if len(self._skip_cache) > 64:
                    self._skip_cache.clear()
                hit = self._skip_cache[(t.name, id(f))] = (f, compile_filter(t, f))
            parts.append(hit[1])
        return reduce(lambda a, b: a | b, parts)

    def head(self) -> ChainHead:
        with self._mutex:
            self.refresh()
            return ChainHead(self._rep.last_seq, self._rep.last_hash or GENESIS)

    def meta(self, key: str, default: Any = None) -> Any:
        self.refresh()
        return self._rep.meta.get(key, default)

    def events(self, since_seq: int = 0) -> list[Doc]:
        """Audit events with seq > since_seq, in seq order."""
        with self._mutex:
            self.refresh()
            with self._lock.shared():
                assert self._rep.snap is not None
                older = self._rep.snap.events(since_seq)
                return older + [e for e in self._rep.jevents if e["seq"] > since_seq]

    def events_for(self, entities: Iterable[str]) -> list[Doc]:
        """Audit events about any of `entities` (e.g. "case:C-000001"), in seq order.

        Reads only those events: an entity -> seqs index of the snapshot's events
        (built on first use) plus the journal's events, which stay few (auto-compact).
        """
        wanted = set(entities)
        with self._mutex:
            self.refresh()
            with self._lock.shared():
                snap = self._rep.snap
                assert snap is not None
                index, _ = snap.entity_index()
                seqs: list[int] = []
                for entity in wanted:
                    seqs.extend(index.seqs(entity))
                out = [snap.event_at(seq) for seq in sorted(seqs)]
                return out + [e for e in self._rep.jevents if e["entity"] in wanted]

    def disk_usage(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def load_derived(self, name: str) -> bytes | None:
        """What `save_derived(name, ...)` saved, if the file is whole (store/sidecar.py:
        size and checksum, a regular file, not a symlink), else None."""
        with self._mutex:
            self.refresh()
            snap = self._rep.snap
            side = snap.sidecar if snap is not None else None
            found = side.load(DERIVED + name) if side is not None else None
        return None if found is None else bytes(found[1])

    def save_derived(self, name: str, payload: bytes) -> None:
        """Keep `payload` beside the index files (temp file + rename, private modes);
        carried over compactions and staged imports as it is. A read-only workspace
        or a full disk keeps nothing (the caller rebuilds next time)."""
        if self.read_only:
            return
        with self._mutex:
            snap = self._rep.snap
            side = snap.sidecar if snap is not None else None
        if side is not None:
            side.save(DERIVED + name, payload)

    # -- writes ----------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"workspace at {self.path} is read-only for you (no write permission on "
                "its files): you can read it, but no change can be saved"
            )

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Txn]:
        """Exclusive lock, refresh, yield a Txn; its writes then go through TinyDB's
        Table API into one fsynced journal line (store/table.py)."""
        self._check_writable()
        with self._mutex:
            if self._txn is not None:
                raise StoreError("a transaction is already open on this workspace")
            with self._storage.exclusive() as rep:
                txn = Txn(self._reads, rep.meta, actor, self._clock, rep.last_seq, rep.last_hash)
                self._txn = txn
                try:
                    yield txn
                finally:
                    self._txn = None
                    txn._close()
                with self._storage.journal(actor) as batch:
                    self._write(txn, batch)
                compacted = (
                    self._auto_compact and self._journal_too_big() and self._compact_after_commit()
                )
            if compacted:  # after the lock: it opens the workspace afresh (shared lock)
                self.save_indexes()

    def _write(self, txn: Txn, batch: JournalBatch) -> None:
        """A transaction's records as TinyDB upserts (doc id = key) into the open
        journal batch, then its meta values and attested events."""
        for table, key, doc in txn._writes():
            self.db.table(table).upsert(Keyed(doc, key))
        meta, events = txn._seal(batch.puts)
        batch.meta.update(meta)
        batch.events.extend(events)

    def staging(self, actor: str) -> AbstractContextManager[WorkspaceStaging]:
        """A staged write (protocol v5, store/staging.py): new records kept out of sight
        in temp files until `publish` makes them visible at once."""
        self._check_writable()
        return staging.staging(self, actor)

    def _publish_staged(
        self, st: WorkspaceStaging, finish: Callable[[Transaction], None] | None
    ) -> None:
        """Under the workspace lock: run `finish` as a transaction's body, then write its
        changes, the staged records and the events: one journal record (TinyDB
        inserts) when small, else one new snapshot."""
        with self._mutex:
            if self._txn is not None:
                raise StoreError("a transaction is already open on this workspace")
            with self._storage.exclusive() as rep:
                txn = Txn(self._reads, rep.meta, st.actor, self._clock, rep.last_seq, rep.last_hash)
                self._txn = txn
                try:
                    st.ids.check(lambda prefix: int(txn.meta(f"next_id:{prefix}", 0) or 0))
                    for prefix, n in st.ids.last.items():
                        txn.set_meta(f"next_id:{prefix}", n)
                    if finish is not None:
                        finish(txn)
                finally:
                    self._txn = None
                    txn._close()
                if st.staged_bytes() <= staging.SMALL_BYTES:  # one journal record
                    with self._storage.journal(st.actor) as batch:
                        self._write(txn, batch)
                        for table, records in st.staged(rep):
                            docs = (Keyed(doc, key) for key, doc in records)
                            self.db.table(table).insert_multiple(docs)
                        tail = batch.events[-1] if batch.events else None
                        seq, prev = (
                            (tail["seq"], tail["hash"]) if tail else (rep.last_seq, rep.last_hash)
                        )
                        batch.events.extend(st.chained(seq, prev))
                    if self._auto_compact and self._journal_too_big():
                        self._compact_after_commit()
                    return
                try:
                    # in memory only: the new snapshot holds it, its rename the commit
                    with self._storage.journal(st.actor, durable=False) as batch:
                        self._write(txn, batch)
                    st.write_snapshot(rep)
                finally:
                    rep.reload()  # the new files, or (failed) the old ones as they were
                if rep.snap is not None and rep.snap.sidecar is not None:
                    rep.snap.sidecar.prune()
        # The new snapshot's index files (after the lock: see there), for an import of
        # up to CARRY_STAGED records (most were carried over). Not after a bigger one:
        # building them for 800k new cases took 4 GB, far over an import's memory bound;
        # the commands that need them build them on first use.
        if st.staged_count() <= staging.CARRY_STAGED:
            self.save_indexes()

    def _compact_after_commit(self) -> bool:
        """The commit is acknowledged already: a failed compaction must not undo that."""
        try:
            self._rep.compact()
        except (OSError, StoreError):
            # Disk holds either the old or the new complete files; resync from them.
            self._rep.reload()
            return False
        return True

    def _journal_too_big(self) -> bool:
        return self._rep.offset > self.AUTO_COMPACT_BYTES

    def compact(self, progress: Progress | None = None) -> None:
        """Fold the journal into a new snapshot; safe to crash or stop at any point.

        `progress(bytes_written, estimate, "compacting")` while the new snapshot (a temp
        file until renamed) is written; stopping there leaves the old files as they were.
        Then the snapshot's index files are completed (`save_indexes`).
        """
        self._check_writable()
        with self._mutex, self._lock.exclusive():
            if self._txn is not None:
                raise StoreError("cannot compact inside a transaction")
            self._rep.catch_up()
            self._rep.compact(progress)
        self.save_indexes(progress)

    #: whole-table orders saved with the snapshot: the queue's default sort
    #: (services/cases.py, "priority"), which `cases list` reads unfiltered
    SAVED_ORDERS: tuple[tuple[str, tuple[Order, ...]], ...] = (
        ("cases", (Order("priority", descending=True), Order("first_reported_at"))),
    )

    def save_indexes(self, progress: Progress | None = None) -> int:
        """Write the current snapshot's index files (store/sidecar.py) that are missing:
        every table's key map, every declared indexed field and ranking, the saved
        orders and the audit events' entity index. A compaction carries the files of
        the snapshot before, so usually nothing is left to build; otherwise (the first
        compaction of a workspace, a migration) the compacting command builds them,
        one streamed pass per table, and no later command pays for them on first use.
        Runs on a fresh replica (every table still on disk, nothing decoded kept);
        the files are caches, so a failure only leaves them to be built on first use.
        Returns how many indexes were built."""
        if self.read_only:
            return 0
        if progress:
            progress(0, None, "saving indexes")
        try:
            with Workspace(
                self.path, clock=self._clock, auto_compact=False, clean_tmp=False
            ) as fresh:
                return fresh._build_saved()
        except (OSError, StoreError):
            return 0

    def _build_saved(self) -> int:
        rep = self._rep
        with self._mutex:
            self.refresh()
            wanted: list[IndexSpec] = [
                (t.name, f.name, f.getter, f.multi, None) for t in SCHEMA.tables for f in t.indexed
            ]
            for r in SCHEMA.rankings:
                keys, rank_order_of = self._ranking_funcs(r.name)
                wanted.append((r.table, f"ranking:{r.name}", keys, True, rank_order_of))
            for table, saved in self.SAVED_ORDERS:
                lazy = rep.lazy.get(table)
                t = SCHEMA.table(table)
                if lazy is not None and rankable(t, saved):
                    ranks = order_key(t, saved, lazy.position)
                    wanted.append((table, _order_name(saved), one_bucket, False, ranks))
            for lazy in rep.lazy.values():
                lazy.key_names()  # keys.<table>
            built = rep.save_indexes(wanted)
            if rep.snap is not None:
                rep.snap.entity_index()
            return built

    @staticmethod
    def verify_path(path: Path, progress: Progress | None = None) -> VerifyResult:
        """Check a workspace's files without opening it: works when open() refuses them."""
        path = Path(path)
        if not Workspace.exists(path):
            raise StoreError(f"no workspace at {path}; run `appeals init --admin NAME` first")
        lock = FileLock(path / jf.LOCK)
        try:
            with lock.shared():
                return verify_files(path, progress=progress)
        finally:
            lock.close()

    def verify(self) -> VerifyResult:
        """Re-read the files and check line checksums, record order and the event chain.

        Does not refresh (the files may be damaged); events this process saw
        acknowledged must still be on disk.
        """
        with self._mutex:
            with self._lock.shared():
                return verify_files(self.path, self._rep.last_seq)
