"""Replica: this process's in-memory copy of the workspace files, kept in sync.

Why: state lives in plain dicts (table -> key -> doc) so TinyDB queries read it
without copying. The replica tracks which snapshot and journal it loaded (by
device+inode, and it keeps both files open so their inodes cannot be reused)
and the journal byte offset it has applied up to. Callers hold the workspace
lock: shared for reload/catch_up, exclusive for commit/compact.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.progress import Progress
from appeals_tui.store import journal as jf
from appeals_tui.store.carry import carry_sidecars
from appeals_tui.store.index import Index, KeyFunc
from appeals_tui.store.keymap import KeyMap
from appeals_tui.store.lazy import LazyTable, record_chunks
from appeals_tui.store.sidecar import SidecarDir, fingerprint

__all__ = ["Replica"]

Doc = dict[str, Any]


try:  # glibc only (absent elsewhere: both are no-ops)
    _libc = ctypes.CDLL(None)
    _malloc_trim = _libc.malloc_trim
    _mallopt = _libc.mallopt
except (AttributeError, OSError):
    _malloc_trim = _mallopt = None  # type: ignore[assignment]  # no glibc: both are no-ops
_fixed_threshold = False


def _before_decode() -> None:
    """Before the first whole-table decode in a process, fix glibc's mmap threshold.

    Why it stays (a process-wide setting, but only in processes that decode a whole
    table: the TUI's queue, stats; one-shot commands read records per key and never
    get here): by default glibc raises the threshold to the size of each large block
    freed (up to 32 MiB), so after the first 1 MiB table chunk or table-wide list is
    freed, later ones come from the heap and stay resident. At 100k decisions that
    is ~10 MB of the in-process peak RSS budget (450 MB), which has little margin."""
    global _fixed_threshold
    if not _fixed_threshold and _mallopt is not None:
        _mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
    _fixed_threshold = True


def _give_back() -> None:
    """After decoding a table: decoding frees nearly as much as it keeps (orjson's
    docs are rebuilt compactly), and without this the freed pages stay resident,
    so the next decode's peak stacks on them (~10-20 MB at 100k). A call, not a
    setting: it changes nothing for the rest of the process."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _open_journal(path: Path) -> int:
    """Read-write, or read-only when we may not write it (a read-only workspace)."""
    try:
        return os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except PermissionError:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)


def _ident(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


#: (table, index name, key function, multi, order function): one index to save
IndexSpec = tuple[str, str, KeyFunc, bool, KeyFunc | None]


def _saved_name(table: str, name: str, func: KeyFunc, multi: bool, order: KeyFunc | None) -> str:
    """The sidecar name of an index: a changed key function is a different file."""
    return f"ix.{table}.{name}.{fingerprint(func, order, extra=str(multi))}"


class Replica:
    """Loaded state plus the bookkeeping needed to append and to catch up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.snap: jf.Snapshot | None = None
        self.jfd: int | None = None
        self.tables: dict[str, dict[str, Doc]] = {}  # decoded tables
        self.lazy: dict[str, LazyTable] = {}  # tables still on disk (format 2)
        self.meta: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        self.epoch = 0
        self.jevents: list[Doc] = []
        self.last_seq, self.last_hash = 0, ""
        self.offset = self.seen_size = 0
        self.next_r = self.lines = 1
        self.stale = True
        self.j_ident: tuple[int, int] | None = None
        self.indexes: dict[tuple[str, str], Index] = {}
        #: decoded tables' key maps (record number -> key), for their saved indexes
        self.decoded_keys: dict[str, KeyMap] = {}
        #: table -> keys written since the snapshot (a compaction tells saved indexes)
        self.changed: dict[str, dict[str, None]] = {}

    @property
    def journal_path(self) -> Path:
        return self.path / jf.JOURNAL

    def close(self) -> None:
        if self.snap is not None:
            self.snap.close()
            self.snap = None
        if self.jfd is not None:
            os.close(self.jfd)
            self.jfd = None

    def get(self, table: str, key: str) -> Doc | None:
        lazy = self.lazy.get(table)
        if lazy is not None:
            return lazy.get(key)
        return self.tables.get(table, {}).get(key)

    def get_many(self, table: str, keys: Iterable[str], keep: bool = False) -> list[Doc]:
        """The docs of `keys` that exist, in the order asked (a table still on disk reads
        them in file order, keeping them decoded only with `keep`: see `LazyTable`)."""
        lazy = self.lazy.get(table)
        if lazy is not None:
            return lazy.get_many(keys, keep)
        docs = self.tables.get(table, {})
        return [doc for key in keys if (doc := docs.get(key)) is not None]

    def scan(self, table: str, reverse: bool = False) -> Iterator[tuple[str, Doc]]:
        """Every (key, doc) in table order or reversed; a table still on disk is decoded
        as it goes and not kept (a full listing streams in constant memory)."""
        lazy = self.lazy.get(table)
        if lazy is not None:
            return lazy.scan(reverse)
        docs = self.tables.get(table, {})
        return iter(reversed(docs.items()) if reverse else list(docs.items()))

    def get_fn(self, table: str) -> Callable[[str], Doc | None]:
        return lambda key: self.get(table, key)

    def peek_fn(self, table: str) -> Callable[[str], Doc | None]:
        """Reads a doc without keeping it decoded (a table still on disk)."""
        lazy = self.lazy.get(table)
        if lazy is not None:
            return lazy.peek
        return self.tables.get(table, {}).get

    def docs(self, table: str) -> dict[str, Doc]:
        """The whole table as a dict (decoded now if it was still on disk)."""
        lazy = self.lazy.get(table)
        if lazy is not None:
            _before_decode()
            self.tables[table] = lazy.materialize()  # decoded with the collector paused
            del self.lazy[table]
            # Indexes opened from saved files stay (they name keys by record number and
            # read docs from the dict now); more of them open from their files the same
            # way: building one from 100k decoded docs took ~1 s of the TUI's first case.
            if lazy.keys is not None or lazy.saved_keys():
                assert lazy.keys is not None
                self.decoded_keys[table] = lazy.keys
            _give_back()
        return self.tables.get(table, {})

    def count(self, table: str) -> int:
        lazy = self.lazy.get(table)
        return lazy.count() if lazy is not None else len(self.tables.get(table, {}))

    def names(self) -> list[str]:
        return [*self.tables, *(t for t in self.lazy if t not in self.tables)]

    def stamp(self, table: str) -> tuple[int, int]:
        return (self.epoch, self.counts.get(table, 0))

    def index(
        self,
        table: str,
        name: str,
        func: KeyFunc,
        multi: bool = False,
        order: KeyFunc | None = None,
    ) -> Index:
        """The index `name` on `table`, built now if this is its first use."""
        idx = self.indexes.get((table, name))
        if idx is None:
            idx = Index(table, func, multi, order, self._resolver(table), self._many(table))
            lazy = self.lazy.get(table)
            if lazy is None:  # decoded already: its saved copy if any, else from the dict
                keys = self.decoded_keys.get(table)
                saved = _saved_name(table, name, func, multi, order)
                pending = self.changed.get(table, {})
                if keys is None or not self._load_saved(idx, keys, pending, saved):
                    idx.build(self.tables.get(table, {}))
            else:  # still on disk: a saved copy, else one streamed pass (then saved)
                saved = _saved_name(table, name, func, multi, order)
                if not self._load_index(idx, lazy, saved):
                    with jf.bulk():
                        idx.build(lazy.scan())
                    self._save_index(idx, lazy, saved)
            self.indexes[(table, name)] = idx
        return idx

    def _save_index(self, idx: Index, lazy: LazyTable, saved: str) -> None:
        payload = idx.dump(lazy.recno, lazy.dirty)
        if payload is not None and self.snap is not None and self.snap.sidecar:
            self.snap.sidecar.save(saved, payload, table=idx.table)

    def save_indexes(self, wanted: Sequence[IndexSpec]) -> int:
        """Open or build every wanted index of the tables still on disk, saving the ones
        that had no saved copy; one streamed pass per table builds all of its missing
        ones. Returns how many were built. (Compaction calls this on a fresh replica so
        no later command builds an index file on first use.)"""
        todo: dict[str, list[tuple[Index, str]]] = {}
        sidecar = self.snap.sidecar if self.snap is not None else None
        for table, name, func, multi, order in wanted:
            lazy = self.lazy.get(table)
            if lazy is None or (table, name) in self.indexes:
                continue
            saved = _saved_name(table, name, func, multi, order)
            if sidecar is not None and sidecar.exists(saved):
                continue  # carried over: whoever needs it loads it (a staged import's new
                # keys re-filed here would be work no later process is spared)
            idx = Index(table, func, multi, order, self._resolver(table), self._many(table))
            todo.setdefault(table, []).append((idx, saved))
            self.indexes[(table, name)] = idx
        for table, built in todo.items():
            lazy = self.lazy[table]
            with jf.bulk():
                Index.build_all([idx for idx, _ in built], lazy.scan())
            for idx, saved in built:
                self._save_index(idx, lazy, saved)
        return sum(len(b) for b in todo.values())

    def _many(self, table: str) -> Callable[[list[str]], list[Doc]]:
        return lambda keys: self.get_many(table, keys, keep=True)  # as `get` does

    def _resolver(self, table: str) -> Callable[[str], Doc]:
        def resolve(key: str) -> Doc:
            doc = self.get(table, key)
            if doc is None:
                raise KeyError(key)
            return doc

        return resolve

    def _load_index(self, idx: Index, lazy: LazyTable, saved: str) -> bool:
        return self._load_saved(idx, lazy.key_names(), lazy.dirty, saved)

    def _load_saved(self, idx: Index, keys: KeyMap, pending: Iterable[str], saved: str) -> bool:
        found = self.snap.sidecar.load(saved) if self.snap and self.snap.sidecar else None
        if found is None:
            return False
        try:
            idx.load(found[1], keys, pending)
        except (ValueError, KeyError, IndexError, TypeError):
            idx.disk = idx.names = None  # not what this build saves: rebuild
            idx.buckets, idx.removed = {}, set()
            return False
        return True

    def reload(self) -> None:
        """Read snapshot and journal from scratch (first open, or after a compaction)."""
        self.close()
        self.snap = snap = jf.open_snapshot(self.path / jf.SNAPSHOT)  # parses with GC paused
        self._adopt_sidecars(snap)
        self.tables, self.meta = snap.state["tables"], snap.state["meta"]
        self.lazy = {
            name: LazyTable(snap.file, name, sec, snap.sidecar)
            for name, sec in snap.sections.items()
        }
        self.indexes = {}
        self.decoded_keys = {}
        self.changed = {}
        self.counts = {}
        self.epoch += 1
        self.jevents = []
        self.last_seq, self.last_hash = snap.header["events"], snap.header["last_hash"]
        self.offset = self.seen_size = 0
        self.next_r, self.lines, self.stale, self.j_ident = 1, 1, True, None
        try:
            self.jfd = _open_journal(self.journal_path)
        except FileNotFoundError:
            return
        st = os.fstat(self.jfd)
        self.j_ident, self.seen_size = _ident(st), st.st_size
        data = jf.read_range(self.jfd, 0, st.st_size)
        nl = data.find(b"\n")
        try:
            header = jf.decode_line(data[:nl]) if nl >= 0 else {}
        except ValueError as exc:
            # Only an empty/unterminated header means "never written"; a damaged one
            # may sit in front of acknowledged records, so refuse rather than reset.
            raise StoreError(f"{self.journal_path}: line 1 is damaged ({exc})") from None
        generation = snap.header["generation"]
        if header.get("generation", 0) > generation:
            raise StoreError(f"{self.journal_path} is newer than {self.path / jf.SNAPSHOT}")
        if header.get("generation") != generation:
            return  # stale: a compaction replaced the snapshot, then crashed
        self.stale = False
        self.offset = nl + 1
        with jf.bulk():
            self._apply_tail(data[nl + 1 :])

    def _apply_tail(self, data: bytes) -> bool:
        records, used = jf.scan(data, self.journal_path, self.lines + 1)
        for rec in records:
            self.lines += 1
            if rec.get("r") != self.next_r:
                raise StoreError(
                    f"{self.journal_path}: line {self.lines}: record {rec.get('r')} out of "
                    f"order (expected {self.next_r}); run `appeals verify`"
                )
            self.apply(rec)
        self.offset += used
        return bool(records)

    def apply(self, rec: Doc) -> None:
        tables, counts, indexes = self.tables, self.counts, self.indexes
        for op in rec["ops"]:
            if op[0] == "put":
                _, table, key, doc = op
                counts[table] = counts.get(table, 0) + 1
                self.changed.setdefault(table, {})[key] = None
                lazy = self.lazy.get(table)
                mine = [idx for (t, _), idx in indexes.items() if t == table] if indexes else ()
                if lazy is not None:
                    if mine:
                        old = lazy.get(key)  # one record read: its old values leave the index
                        for idx in mine:
                            idx.put(key, old, doc)
                    lazy.put(key, doc)
                    continue
                docs = tables.setdefault(table, {})
                if mine:
                    old = docs.get(key)
                    for idx in mine:
                        idx.put(key, old, doc)
                docs[key] = doc
            elif op[0] == "meta":
                self.meta[op[1]] = op[2]
            else:
                raise StoreError(f"unknown journal operation {op[0]!r}")
        events = rec["events"]
        if events:
            self.jevents.extend(events)
            self.last_seq, self.last_hash = events[-1]["seq"], events[-1]["hash"]
        self.next_r += 1

    def unchanged(self) -> bool:
        """Lock-free fast path: same files, journal size as far as we applied it."""
        if self.snap is None:
            return False
        try:
            snap_st = os.stat(self.path / jf.SNAPSHOT)
            j_st = os.stat(self.journal_path)
        except FileNotFoundError:
            return False
        return (
            _ident(snap_st) == self.snap.ident
            and _ident(j_st) == self.j_ident
            and j_st.st_size == self.seen_size
            and (self.stale or self.seen_size == self.offset)  # else: a torn tail to recheck
        )

    def catch_up(self) -> bool:
        """Apply records other processes appended; reload fully if they compacted."""
        if self.snap is None:
            raise StoreError("workspace is closed")
        snap_st = os.stat(self.path / jf.SNAPSHOT)
        try:
            j_st: os.stat_result | None = os.stat(self.journal_path)
        except FileNotFoundError:
            j_st = None
        j_ident = _ident(j_st) if j_st else None
        if _ident(snap_st) != self.snap.ident or j_ident != self.j_ident:
            self.reload()
            return True
        if j_st is None or self.jfd is None or self.stale:
            return False
        if j_st.st_size < self.offset:
            raise StoreError(f"{self.journal_path} shrank under us; run `appeals verify`")
        self.seen_size = j_st.st_size
        if j_st.st_size == self.offset:
            return False
        return self._apply_tail(jf.read_range(self.jfd, self.offset, j_st.st_size))

    def commit(self, record: Doc) -> None:
        """Append one record durably (exclusive lock held), then apply it."""
        self._prepare_append()
        assert self.jfd is not None
        record["r"] = self.next_r  # may have restarted at 1 in a fresh journal
        line = jf.encode_line(record)
        try:
            jf.append(self.jfd, self.offset, line)
        except OSError as exc:
            try:
                os.ftruncate(self.jfd, self.offset)
            except OSError:
                pass
            raise StoreError(f"could not write {self.journal_path}: {exc}") from exc
        self.apply(orjson.loads(line[9:]))
        self.offset += len(line)
        self.seen_size = self.offset
        self.lines += 1

    def _prepare_append(self) -> None:
        """Start a fresh journal if stale/missing; cut off a torn tail left by a crash."""
        assert self.snap is not None
        if self.jfd is None or self.stale:
            jf.write_new_journal(self.path, self.snap.header["generation"])
            self._adopt_journal()
            return
        size = os.fstat(self.jfd).st_size
        if size != self.offset:
            os.ftruncate(self.jfd, self.offset)
            os.fsync(self.jfd)
            self.seen_size = self.offset

    def _adopt_journal(self) -> None:
        if self.jfd is not None:
            os.close(self.jfd)
        self.jfd = os.open(self.journal_path, os.O_RDWR)
        st = os.fstat(self.jfd)
        self.j_ident, self.offset, self.seen_size = _ident(st), st.st_size, st.st_size
        self.next_r, self.lines, self.stale = 1, 1, False

    def compact(self, progress: Progress | None = None) -> None:
        """Snapshot everything (temp, fsync, rename), then a fresh journal (exclusive lock)."""
        old = self.snap
        assert old is not None
        generation = old.header["generation"] + 1
        header = {"generation": generation, "events": self.last_seq, "last_hash": self.last_hash}
        lazy = self.lazy

        def tables() -> Any:
            for name in self.names():
                yield (
                    name,
                    (lazy[name].chunks() if name in lazy else record_chunks(self.tables[name])),
                )

        def events() -> Any:
            yield from old.event_chunks()
            for ev in self.jevents:
                yield jf.encode_line(ev)

        jf.write_snapshot(self.path, header, self.meta, tables(), events(), progress)
        jf.write_new_journal(self.path, generation)
        # Adopt the new files without decoding again the tables we already hold.
        self.snap = snap = jf.open_snapshot(self.path / jf.SNAPSHOT)
        self._adopt_sidecars(snap)
        carry_sidecars(old, snap, lazy, self.changed, self.jevents)
        if snap.sidecar is not None:
            snap.sidecar.prune()
        old.close()
        self.lazy = {
            name: LazyTable(snap.file, name, sec, snap.sidecar)
            for name, sec in snap.sections.items()
            if name not in self.tables
        }
        self.decoded_keys = {}  # record numbers of the old snapshot
        self.changed = {}
        self.jevents = []
        self._adopt_journal()

    def _adopt_sidecars(self, snap: jf.Snapshot) -> None:
        snap.sidecar = SidecarDir(self.path, snap.tag)
