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


class Index:
    """value -> [doc]; `multi` indexes file a doc under every value its func yields."""

    __slots__ = ("table", "func", "multi", "buckets", "order", "ranked", "rank", "docs")

    def __init__(
        self, table: str, func: KeyFunc, multi: bool = False, order: KeyFunc | None = None
    ) -> None:
        self.table = table
        self.func = func
        self.multi = multi
        self.buckets: dict[Hashable, list[Doc]] = {}
        #: with `order`: value -> keys ascending by (order(doc), key), so the top of
        #: a bucket is read without scanning it (precedents: newest first); the
        #: order value and the doc are kept once per key (`rank`, `docs`), not
        #: once per bucket entry
        self.order = order
        self.ranked: dict[Hashable, list[str]] = {}
        self.rank: dict[str, Any] = {}
        self.docs: dict[str, Doc] = {}

    def _values(self, doc: Doc) -> tuple[Hashable, ...]:
        value = self.func(doc)
        return (value,) if not self.multi else tuple(dict.fromkeys(value or ()))

    def build(self, docs: dict[str, Doc]) -> None:
        buckets: dict[Hashable, list[Doc]] = {}
        keys: dict[Hashable, list[str]] = {}
        ordered = self.order is not None
        self.docs = filed = {}
        for key, doc in docs.items():
            values = self._values(doc)
            for value in values:
                buckets.setdefault(value, []).append(doc)
                if ordered:
                    keys.setdefault(value, []).append(key)
            if ordered and values:
                filed[key] = doc
        self.buckets = buckets
        if self.order is not None:
            order = self.order
            self.rank = rank = {k: order(d) for k, d in filed.items()}
            self.ranked = {
                value: sorted(ks, key=lambda k: (rank[k], k)) for value, ks in keys.items()
            }

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

    def put(self, key: str, old: Doc | None, new: Doc) -> None:
        new_values = self._values(new)
        old_values = self._values(old) if old is not None else ()
        order, buckets = self.order, self.buckets
        if old is not None and order is not None:
            old_rank = self.rank.get(key)
            for value in old_values:
                self._unrank(value, (old_rank, key))
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
        if order is not None:
            rank = self.rank
            if new_values:
                rank[key] = order(new)
                self.docs[key] = new
                for value in new_values:
                    insort(self.ranked.setdefault(value, []), key, key=lambda k: (rank[k], k))
            else:
                rank.pop(key, None)
                self.docs.pop(key, None)

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


def _find(bucket: list[Doc], doc: Doc) -> int | None:
    """Position of `doc` itself in `bucket` (list.index tries identity first, in C)."""
    try:
        i = bucket.index(doc)
    except ValueError:
        return None
    if bucket[i] is doc:
        return i
    return next((j for j, d in enumerate(bucket) if d is doc), None)  # an equal twin
