"""In-memory secondary indexes over the replica's tables, kept current on every apply.

Why: at 100k decisions a service that scans a whole table per call ("the open
appeal for this decision", "strikes of this decision", "cases of this account")
costs tens of milliseconds. An index maps a field value (or a derived key) to
the docs holding it; it is built on first use and updated incrementally by
`Replica.apply`, so lookups cost a dict access. Bucket order is the order docs
entered the bucket, which is table order while the indexed value never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

__all__ = ["Index", "KeyFunc"]

Doc = dict[str, Any]
KeyFunc = Callable[[Doc], Any]


class Index:
    """value -> {key: doc}; `multi` indexes file a doc under every value its func yields."""

    __slots__ = ("table", "func", "multi", "buckets")

    def __init__(self, table: str, func: KeyFunc, multi: bool = False) -> None:
        self.table = table
        self.func = func
        self.multi = multi
        self.buckets: dict[Hashable, dict[str, Doc]] = {}

    def _values(self, doc: Doc) -> Iterable[Hashable]:
        value = self.func(doc)
        return (value,) if not self.multi else tuple(dict.fromkeys(value or ()))

    def build(self, docs: dict[str, Doc]) -> None:
        self.buckets = {}
        for key, doc in docs.items():
            for value in self._values(doc):
                self.buckets.setdefault(value, {})[key] = doc

    def put(self, key: str, old: Doc | None, new: Doc) -> None:
        new_values = self._values(new)
        if old is not None:
            for value in self._values(old):
                if value not in new_values:
                    bucket = self.buckets.get(value)
                    if bucket is not None:
                        bucket.pop(key, None)
                        if not bucket:
                            del self.buckets[value]
        for value in new_values:
            self.buckets.setdefault(value, {})[key] = new
