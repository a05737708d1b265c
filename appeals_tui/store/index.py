"""In-memory secondary indexes over the replica's tables, kept current on every apply.

Why: at 100k decisions a service that scans a whole table per call ("the open
appeal for this decision", "strikes of this decision", "cases of this account")
costs tens of milliseconds. An index maps a field value (or a derived key) to
the docs holding it; it is built on first use and updated incrementally by
`Replica.apply`, so lookups cost a dict access. Bucket order is the order docs
entered the bucket, which is table order while the indexed value never changes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable
from typing import Any

__all__ = ["Index", "KeyFunc"]

Doc = dict[str, Any]
KeyFunc = Callable[[Doc], Any]


class Index:
    """value -> {key: doc}; `multi` indexes file a doc under every value its func yields."""

    __slots__ = ("table", "func", "multi", "buckets", "order", "ranked", "rank")

    def __init__(
        self, table: str, func: KeyFunc, multi: bool = False, order: KeyFunc | None = None
    ) -> None:
        self.table = table
        self.func = func
        self.multi = multi
        self.buckets: dict[Hashable, dict[str, Doc]] = {}
        #: with `order`: value -> keys ascending by (order(doc), key), so the top of
        #: a bucket is read without scanning it (precedents: newest first); the
        #: order value is kept once per key in `rank`, not once per bucket entry
        self.order = order
        self.ranked: dict[Hashable, list[str]] = {}
        self.rank: dict[str, Any] = {}

    def _values(self, doc: Doc) -> Iterable[Hashable]:
        value = self.func(doc)
        return (value,) if not self.multi else tuple(dict.fromkeys(value or ()))

    def build(self, docs: dict[str, Doc]) -> None:
        self.buckets = {}
        for key, doc in docs.items():
            for value in self._values(doc):
                self.buckets.setdefault(value, {})[key] = doc
        if self.order is not None:
            order, rank = self.order, {}
            for bucket in self.buckets.values():
                for k, d in bucket.items():
                    if k not in rank:
                        rank[k] = order(d)
            self.rank = rank
            self.ranked = {
                value: sorted(bucket, key=lambda k: (rank[k], k))
                for value, bucket in self.buckets.items()
            }

    def top(self, value: Hashable, n: int, skip: Callable[[Doc], bool] | None = None) -> list[Doc]:
        """Up to `n` docs of a bucket, largest `order` first, passing over `skip`ped ones."""
        out: list[Doc] = []
        ranked, bucket = self.ranked.get(value), self.buckets.get(value)
        if not ranked or bucket is None or n <= 0:
            return out
        for i in range(len(ranked) - 1, -1, -1):
            doc = bucket[ranked[i]]
            if skip is None or not skip(doc):
                out.append(doc)
                if len(out) >= n:
                    break
        return out

    def put(self, key: str, old: Doc | None, new: Doc) -> None:
        new_values = self._values(new)
        order = self.order
        if old is not None:
            old_rank = order(old) if order is not None else None
            for value in self._values(old):
                if order is not None:
                    self._unrank(value, (old_rank, key))
                if value not in new_values:
                    bucket = self.buckets.get(value)
                    if bucket is not None:
                        bucket.pop(key, None)
                        if not bucket:
                            del self.buckets[value]
        for value in new_values:
            self.buckets.setdefault(value, {})[key] = new
        if order is not None:
            rank = self.rank
            if new_values:
                rank[key] = order(new)
                for value in new_values:
                    insort(self.ranked.setdefault(value, []), key, key=lambda k: (rank[k], k))
            else:
                rank.pop(key, None)

    def _unrank(self, value: Hashable, item: tuple[Any, str]) -> None:
        ranked = self.ranked.get(value)
        if ranked is None:
            return
        rank = self.rank
        i = bisect_left(ranked, item, key=lambda k: (rank[k], k))
        if i < len(ranked) and ranked[i] == item[1]:
            del ranked[i]
            if not ranked:
                del self.ranked[value]
