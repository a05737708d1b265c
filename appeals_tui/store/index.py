"""In-memory secondary indexes over the replica's tables, kept current on every apply.

Why: at 100k decisions a service that scans a whole table per call ("the open
appeal for this decision", "strikes of this decision", "cases of this account")
costs tens of milliseconds. An index maps a field value (or a derived key) to
the docs holding it; it is built on first use and updated incrementally by
`Replica.apply`, so lookups cost a dict access. Bucket order is the order docs
entered the bucket, which is table order while the indexed value never changes.
A bucket is a list of docs (8 bytes an entry; a {key: doc} dict cost ~35): an
update finds the old doc by identity, a scan of one bucket.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Index", "KeyFunc"]

Doc = dict[str, Any]
KeyFunc = Callable[[Doc], Any]
_MEMO = 4096  # order values kept for `_rank` (bytes each at most)


class Index:
    """value -> [doc]; `multi` indexes file a doc under every value its func yields."""

    __slots__ = ("table", "func", "multi", "buckets", "order", "ranked", "docs", "memo")

    def __init__(
        self, table: str, func: KeyFunc, multi: bool = False, order: KeyFunc | None = None
    ) -> None:
        self.table = table
        self.func = func
        self.multi = multi
        self.buckets: dict[Hashable, list[Doc]] = {}  # without `order` only
        #: with `order`: value -> keys ascending by (order(doc), key), so the top of
        #: a bucket is read without scanning it (precedents: newest first). Keys
        #: lead to docs through the live table (`docs`); neither the docs again
        #: nor their order values are kept (see `_rank`): ~25 MB at 100k decisions
        self.order = order
        self.ranked: dict[Hashable, list[str]] = {}
        self.memo: dict[str, tuple[Any, str]] = {}  # recent `_rank`s (binary-search pivots)
        self.docs: dict[str, Doc] = {}

    def _values(self, doc: Doc) -> tuple[Hashable, ...]:
        value = self.func(doc)
        return (value,) if not self.multi else tuple(dict.fromkeys(value or ()))

    def build(self, docs: dict[str, Doc]) -> None:
        """`docs` is the live table: an ordered index reads it later (see `put`)."""
        self.memo = {}
        order = self.order
        if order is None:
            buckets: dict[Hashable, list[Doc]] = {}
            for doc in docs.values():
                for value in self._values(doc):
                    buckets.setdefault(value, []).append(doc)
            self.buckets = buckets
            return
        self.docs = docs
        keys: dict[Hashable, list[str]] = {}
        rank: dict[str, Any] = {}  # for this sort only
        for key, doc in docs.items():
            values = self._values(doc)
            for value in values:
                keys.setdefault(value, []).append(key)
            if values:
                rank[key] = order(doc)
        self.ranked = {value: sorted(ks, key=lambda k: (rank[k], k)) for value, ks in keys.items()}

    def bucket(self, value: Hashable) -> list[Doc]:
        """The docs filed under `value` (an ordered index: ascending `order`)."""
        if self.order is None:
            return list(self.buckets.get(value) or ())
        docs = self.docs
        return [docs[k] for k in self.ranked.get(value) or ()]

    def values(self) -> list[Hashable]:
        """The values some doc is filed under."""
        return list(self.buckets if self.order is None else self.ranked)

    def top(self, value: Hashable, n: int, skip: Callable[[Doc], bool] | None = None) -> list[Doc]:
        """Up to `n` docs of a bucket, largest `order` first, passing over `skip`ped ones."""
        out: list[Doc] = []
        ranked, docs = self.ranked.get(value), self.docs
        if not ranked or n <= 0:
            return out
        for i in range(len(ranked) - 1, -1, -1):
            doc = docs[ranked[i]]
            if skip is None or not skip(doc):
                out.append(doc)
                if len(out) >= n:
                    break
        return out

    def put(self, key: str, old: Doc | None, new: Doc, docs: dict[str, Doc]) -> None:
        """`key` changes from `old` to `new` in `docs` (the live table), before or after
        `docs` itself is updated."""
        new_values = self._values(new)
        old_values = self._values(old) if old is not None else ()
        if self.order is not None:
            self._rerank(key, old, old_values, new, new_values, docs)
            return
        buckets = self.buckets
        for value in old_values:
            bucket = buckets.get(value)
            i = _find(bucket, old) if bucket else None
            if i is None:
                continue
            if value in new_values:
                bucket[i] = new  # type: ignore[index]  # keeps its place
            else:
                del bucket[i]  # type: ignore[union-attr]
                if not bucket:
                    del buckets[value]
        for value in new_values:
            if value not in old_values:
                buckets.setdefault(value, []).append(new)

    def _rerank(
        self,
        key: str,
        old: Doc | None,
        old_values: tuple[Hashable, ...],
        new: Doc,
        new_values: tuple[Hashable, ...],
        docs: dict[str, Doc],
    ) -> None:
        order, ranked, rank = self.order, self.ranked, self._rank
        assert order is not None
        self.docs = docs  # the table may have been created by this change
        self.memo.pop(key, None)
        if old is not None and old_values:
            was = (order(old), key)
            at = lambda k: was if k == key else rank(k)  # noqa: E731
            for value in old_values:
                keys = ranked.get(value)
                i = bisect_left(keys, was, key=at) if keys else 0
                if keys and i < len(keys) and keys[i] == key:
                    del keys[i]
                    if not keys:
                        del ranked[value]
        if new_values:
            now = (order(new), key)
            at = lambda k: now if k == key else rank(k)  # noqa: E731
            for value in new_values:
                insort(ranked.setdefault(value, []), key, key=at)

    def _rank(self, key: str) -> tuple[Any, str]:
        """A filed key's place in its buckets, computed again on each comparison: a
        stored order value per key cost ~14 MB at 100k decisions (one bytes object and
        one dict entry each), recomputing it costs ~1 µs a comparison. The last few
        thousand are memoised: a bucket's first pivots are the same on every insert."""
        memo = self.memo
        rank = memo.get(key)
        if rank is None:
            if len(memo) >= _MEMO:
                memo.clear()
            rank = memo[key] = (self.order(self.docs[key]), key)  # type: ignore[misc]
        return rank


def _find(bucket: list[Doc], doc: Doc) -> int | None:
    """Position of `doc` itself in `bucket` (list.index tries identity first, in C)."""
    try:
        i = bucket.index(doc)
    except ValueError:
        return None
    if bucket[i] is doc:
        return i
    return next((j for j, d in enumerate(bucket) if d is doc), None)  # an equal twin
