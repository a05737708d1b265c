"""Secondary indexes over the replica's tables, kept current on every apply.

Why: at 100k decisions a service that scans a whole table per call ("the open
appeal for this decision", "strikes of this decision", "cases of this account")
costs tens of milliseconds, and a fresh process that must decode the table to
scan it pays seconds. An index maps a field value (or a derived key) to the
keys of the docs holding it; docs are read through `resolve`, so a table still
on disk decodes only the records a lookup returns.

An index is either built here (every bucket in `buckets`) or opened from a copy
saved beside the snapshot (`dump`/`load`, see sidecar.py): then each bucket is
the saved record numbers, read in place (`DiskMap`), minus `removed` records
(changed since), plus the keys filed here since (`buckets`). Nothing is read
for a value nobody asks about. Bucket order: the order keys entered the bucket
(table order while the value never changes); with `order`, ascending
`(order(doc), key)`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

import orjson

from appeals_tui.store.diskmap import DiskMap, encode_map
from appeals_tui.store.keymap import KeyMap

__all__ = ["Index", "KeyFunc", "Members"]

Doc = dict[str, Any]
KeyFunc = Callable[[Doc], Any]
Resolve = Callable[[str], Doc]
_MEMO = 4096  # order values kept for `_rank`
_NONE: Sequence[int] = ()


class Index:
    """value -> [key]; `multi` indexes file a key under every value its func yields."""

    __slots__ = (
        "table", "func", "multi", "order", "buckets", "memo", "resolve", "disk", "names",
        "removed", "resolve_many",
    )  # fmt: skip

    def __init__(
        self,
        table: str,
        func: KeyFunc,
        multi: bool = False,
        order: KeyFunc | None = None,
        resolve: Resolve | None = None,
        resolve_many: Callable[[list[str]], list[Doc]] | None = None,
    ) -> None:
        self.table = table
        self.func = func
        self.multi = multi
        #: with `order`: each bucket's keys ascend by (order(doc), key), so the top of a
        #: bucket is read without scanning it (precedents: newest first). Order values
        #: are not kept (see `_rank`): ~25 MB at 100k decisions
        self.order = order
        self.buckets: dict[Hashable, list[str]] = {}  # keys filed here (all, if built)
        self.memo: dict[str, tuple[Any, str]] = {}  # recent `_rank`s (binary-search pivots)
        self.resolve: Resolve | None = resolve
        #: the docs of many keys at once (a table on disk reads them in file order)
        self.resolve_many = resolve_many
        self.disk: DiskMap | None = None  # the saved copy: value -> record numbers
        self.names: KeyMap | None = None  # record number -> key, for `disk`
        self.removed: set[int] = set()  # saved records changed since (filed in `buckets`)

    def values_of(self, doc: Doc | None) -> tuple[Hashable, ...]:
        if doc is None:
            return ()
        value = self.func(doc)
        return (value,) if not self.multi else tuple(dict.fromkeys(value or ()))

    def build(self, docs: dict[str, Doc] | Iterable[tuple[str, Doc]]) -> None:
        """From every (key, doc) in table order; a dict is the live table (read later)."""
        items = docs.items() if isinstance(docs, dict) else docs
        if self.resolve is None and isinstance(docs, dict):
            self.resolve = docs.__getitem__
        Index.build_all((self,), items)

    @staticmethod
    def build_all(indexes: Sequence[Index], items: Iterable[tuple[str, Doc]]) -> None:
        """Several indexes of one table from one pass over its (key, doc)s: a table
        still on disk is decoded once for all of them (indexes saved at compaction)."""
        states: list[tuple[Index, dict[Hashable, list[str]], dict[str, Any]]] = []
        for idx in indexes:
            idx.memo, idx.disk, idx.removed = {}, None, set()
            states.append((idx, {}, {}))  # buckets; order values, for this sort only
        for key, doc in items:
            for idx, buckets, rank in states:
                values = idx.values_of(doc)
                for value in values:
                    bucket = buckets.get(value)
                    if bucket is None:
                        buckets[value] = [key]
                    else:
                        bucket.append(key)
                if values and idx.order is not None:
                    rank[key] = idx.order(doc)
        for idx, buckets, rank in states:
            if idx.order is not None:
                for bucket in buckets.values():
                    bucket.sort(key=lambda k, rank=rank: (rank[k], k))  # type: ignore[misc]  # the default argument binds this loop's rank
            idx.buckets = buckets

    # -- reads ------------------------------------------------------------------------

    def _saved(self, value: Hashable) -> Sequence[int]:
        if self.disk is None:
            return _NONE
        try:
            return self.disk.get(_vkey(value)) or _NONE
        except TypeError:  # not a value JSON can hold: never saved
            return _NONE

    def _saved_keys(self, value: Hashable, reverse: bool = False) -> Iterator[str]:
        nums, removed = self._saved(value), self.removed
        if not nums:
            return
        name = self.names.name  # type: ignore[union-attr]  # names is set whenever _saved() finds any
        for r in reversed(nums) if reverse else nums:
            if r not in removed:
                yield name(r)

    def keys(self, value: Hashable) -> list[str]:
        """The keys filed under `value`, in bucket order."""
        here = self.buckets.get(value) or []
        if self.disk is None:
            return list(here)
        saved = list(self._saved_keys(value))
        if self.order is None or not saved:
            return saved + here
        for key in here:
            insort(saved, key, key=self._rank)
        return saved

    def size(self, value: Hashable) -> int:
        """`len(keys(value))` without naming a key: a bucket of 20k links costs its
        length (and a pass over its numbers only when saved records changed since)."""
        here = self.buckets.get(value) or ()
        if self.disk is None:
            return len(here)
        nums, removed = self._saved(value), self.removed
        saved = sum(1 for r in nums if r not in removed) if removed and nums else len(nums)
        return saved + len(here)

    def window(self, value: Hashable, start: int, end: int | None) -> tuple[list[str], int]:
        """`keys(value)[start:end]` and `len(keys(value))`, naming only the keys returned
        (the first case of a text shared by thousands reads one name, not thousands)."""
        if self.order is not None or self.disk is None:
            keys = self.keys(value)
            return keys[start:end], len(keys)
        nums, removed = self._saved(value), self.removed
        saved = [r for r in nums if r not in removed] if removed else nums
        here = self.buckets.get(value) or []
        total = len(saved) + len(here)
        stop = total if end is None else min(end, total)
        name = self.names.name  # type: ignore[union-attr]  # names is set whenever _saved() finds any
        out = [name(r) for r in saved[start : min(stop, len(saved))]]
        out += here[max(0, start - len(saved)) : max(0, stop - len(saved))]
        return out, total

    def entries(self, value: Hashable) -> Iterator[tuple[int | None, str | None]]:
        """The bucket as (record number, None) for its current saved entries and (None,
        key) for the keys filed here: nothing named (see `Members`)."""
        removed = self.removed
        for r in self._saved(value):
            if r not in removed:
                yield r, None
        for key in self.buckets.get(value) or ():
            yield None, key

    def bucket(self, value: Hashable) -> list[Doc]:
        """The docs filed under `value` (an ordered index: ascending `order`)."""
        resolve = self.resolve
        assert resolve is not None
        keys = self.keys(value)
        if self.resolve_many is not None and len(keys) > _MANY:
            docs = self.resolve_many(keys)
            if len(docs) == len(keys):
                return docs
        return [resolve(k) for k in keys]

    def values(self) -> list[Hashable]:
        """The values some doc is filed under."""
        out = [value for value, keys in self.buckets.items() if keys]
        if self.disk is not None:
            have, removed = set(out), self.removed
            for raw, nums in self.disk.items():
                value = _hashable(orjson.loads(raw))
                if value not in have and any(r not in removed for r in nums):
                    out.append(value)
        return out

    def top(self, value: Hashable, n: int, skip: Callable[[Doc], bool] | None = None) -> list[Doc]:
        """Up to `n` docs of a bucket, largest `order` first, passing over `skip`ped ones."""
        out: list[Doc] = []
        resolve = self.resolve
        if n <= 0 or resolve is None:
            return out
        for key in self.descending(value):
            doc = resolve(key)
            if skip is None or not skip(doc):
                out.append(doc)
                if len(out) >= n:
                    break
        return out

    def descending(self, value: Hashable) -> Iterator[str]:
        """Keys of an ordered bucket, largest first: saved and filed-here merged."""
        here = self.buckets.get(value) or []
        saved = self._saved_keys(value, reverse=True)
        if not here:
            yield from saved
            return
        rank, i = self._rank, len(here) - 1
        head = next(saved, None)
        while i >= 0 or head is not None:
            if head is None or (i >= 0 and rank(here[i]) > rank(head)):
                yield here[i]
                i -= 1
            else:
                yield head
                head = next(saved, None)

    # -- writes -----------------------------------------------------------------------

    def put(self, key: str, old: Doc | None, new: Doc) -> None:
        """`key` changes from `old` to `new` (before or after `resolve` sees `new`)."""
        if self.disk is not None and self.names is not None:
            r = self.names.get(key)
            if r is not None and r not in self.removed:
                self.removed.add(r)  # its saved entries stop counting: file it here
                old = None
        new_values = self.values_of(new)
        old_values = self.values_of(old)
        if self.order is not None:
            self._rerank(key, old, old_values, new, new_values)
            return
        buckets = self.buckets
        for value in old_values:
            if value in new_values:
                continue  # keeps its place
            bucket = buckets.get(value)
            if bucket:
                try:
                    bucket.remove(key)
                except ValueError:
                    continue
                if not bucket:
                    del buckets[value]
        for value in new_values:
            if value not in old_values:
                buckets.setdefault(value, []).append(key)

    def _rerank(
        self,
        key: str,
        old: Doc | None,
        old_values: tuple[Hashable, ...],
        new: Doc,
        new_values: tuple[Hashable, ...],
    ) -> None:
        order, buckets, rank = self.order, self.buckets, self._rank
        assert order is not None
        self.memo.pop(key, None)
        if old is not None and old_values:
            was = (order(old), key)
            at = lambda k: was if k == key else rank(k)  # noqa: E731
            for value in old_values:
                keys = buckets.get(value)
                i = bisect_left(keys, was, key=at) if keys else 0
                if keys and i < len(keys) and keys[i] == key:
                    del keys[i]
                    if not keys:
                        del buckets[value]
        if new_values:
            now = (order(new), key)
            at = lambda k: now if k == key else rank(k)  # noqa: E731
            for value in new_values:
                insort(buckets.setdefault(value, []), key, key=at)

    def _rank(self, key: str) -> tuple[Any, str]:
        """A filed key's place in its buckets, computed again on each comparison (a stored
        order value per key cost ~14 MB at 100k decisions; recomputing costs ~1 µs, or a
        record read for a table still on disk). The last few thousand are memoised: a
        bucket's first pivots are the same on every insert."""
        memo = self.memo
        rank = memo.get(key)
        if rank is None:
            if len(memo) >= _MEMO:
                memo.clear()
            rank = memo[key] = (self.order(self.resolve(key)), key)  # type: ignore[misc]  # order is a callable attribute, not a method
        return rank

    # -- saved form (sidecar files) --------------------------------------------------

    def dump(self, recno: Callable[[str], int | None], pending: Iterable[str]) -> bytes | None:
        """A built index as record numbers of the snapshot (a `DiskMap` by value); keys in
        `pending` (changed since the snapshot: their record there is stale) are left out
        and listed, to be filed again by whoever loads it. None when a value cannot be
        saved as JSON."""
        assert self.disk is None, "dump a built index"
        pending = set(pending)
        rows = []
        try:
            for value, keys in self.buckets.items():
                nums = []
                for key in keys:
                    n = None if key in pending else recno(key)
                    if n is None:
                        pending.add(key)
                    else:
                        nums.append(n)
                rows.append((_vkey(value), nums))
        except TypeError:
            return None
        head = orjson.dumps(sorted(pending))
        return len(head).to_bytes(8, "little") + head + encode_map(rows)

    def load(self, payload: bytes | memoryview, names: KeyMap, pending: Iterable[str]) -> None:
        """Open a saved copy (read per value, in place); then every key of `pending`
        and of the copy's own pending list is filed again from its current doc."""
        cut = 8 + int.from_bytes(payload[:8], "little")
        saved_pending = orjson.loads(payload[8:cut])
        self.disk, self.names = DiskMap(payload[cut:]), names
        self.buckets, self.memo, self.removed = {}, {}, set()
        assert self.resolve is not None
        for key in dict.fromkeys([*saved_pending, *pending]):
            try:
                doc = self.resolve(key)
            except KeyError:
                continue
            self.put(key, None, doc)

    @staticmethod
    def carry(payload: bytes, changed: Iterable[str]) -> bytes | None:
        """The saved copy for the next snapshot: same record numbers (a compaction keeps
        record order), the keys changed since joining its pending list. None when that
        list would pass CARRY_PENDING: every process that loads the copy files each
        pending key again (a decode each), so a list that only grows (a migration that
        touched every case, months of decisions) would make every first lookup pay for
        it; without a copy the compaction builds a fresh one (`save_indexes`)."""
        cut = 8 + int.from_bytes(payload[:8], "little")
        pending = {*orjson.loads(payload[8:cut]), *changed}
        if len(pending) > CARRY_PENDING:
            return None
        head = orjson.dumps(sorted(pending))
        return len(head).to_bytes(8, "little") + head + payload[cut:]


#: the most changed keys a carried index file lists (`Index.carry`): filing them again
#: costs each loading process ~20 µs a key (2,000: ~40 ms); past it the file is rebuilt
CARRY_PENDING = 2_000

#: buckets bigger than this read their docs at once (`resolve_many`): 4,000 single
#: reads of a big bucket were most of the TUI's first case at 100k decisions
_MANY = 16


class Members:
    """Whether a key is in some buckets of a saved index, asked with the record numbers of
    another index over the same snapshot (`entries`): which of a precedent window's few
    hundred accounts share a text held by 20k links is answered from the numbers of both
    buckets, no key named and no link read."""

    __slots__ = ("idx", "nums", "here")

    def __init__(self, idx: Index, values: Iterable[Hashable]) -> None:
        self.idx = idx
        self.nums: set[int] = set()
        self.here: set[str] = set()
        for value in values:
            self.nums.update(idx._saved(value))
            self.here.update(idx.buckets.get(value) or ())

    def has(self, r: int | None, key: str | None) -> bool:
        """Is the key (its saved record number `r`, else its name) filed here?"""
        idx = self.idx
        names = idx.names
        assert names is not None  # a saved index (see `comparable`)
        if r is None:
            assert key is not None
            r = names.get(key)
        elif key is None and r in idx.removed:
            key = names.name(r)
        if r is not None and r not in idx.removed:
            return r in self.nums  # as saved: not among the keys filed since
        return key in self.here

    @staticmethod
    def comparable(indexes: Iterable[Index]) -> bool:
        """Saved copies over one snapshot: their record numbers name the same keys."""
        seen = {id(i.names) if i.disk is not None else None for i in indexes}
        return len(seen) == 1 and None not in seen


def _vkey(value: Any) -> bytes:
    return orjson.dumps(value)


def _hashable(value: Any) -> Hashable:
    """JSON gives lists back for saved tuples."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    hashable: Hashable = value
    return hashable
