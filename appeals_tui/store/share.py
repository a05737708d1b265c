"""Sharer: equal small values of different records become one object when a table is decoded.

Why: a decoded table costs ~3x its JSON. Much of that is the same small values
repeated in every record: enum-like strings (status, action, moderator, clause
ids), and nested documents derived from few inputs (a decision's `factors` has
1024 possible values, its `guidance` and `clauses` a few dozen). Docs are
read-only by convention (`Txn.update` builds new docs from a copy), so records
may point at one shared copy. Sharing is learned per field path: a path whose
values rarely repeat in its first `SAMPLE` records (ids, timestamps, counters,
free text) stops being memoised, so unique data costs no memo. Strings longer
than `MAX_STR` are never memoised (free text is unique in real data).
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["Sharer"]

SAMPLE = 2048  # records seen at a path before deciding whether sharing pays
MAX_STR = 48  # longer strings are text, not labels


class _Path:
    """One field path's memo (raw value -> shared object) and its hit rate."""

    __slots__ = ("memo", "tries", "hits", "on", "children")

    def __init__(self) -> None:
        self.memo: dict[Any, Any] = {}
        self.tries = self.hits = 0
        self.on = True
        self.children: dict[str, _Path] = {}

    def seen(self, hit: bool) -> None:
        self.tries += 1
        self.hits += hit
        if self.tries == SAMPLE and self.hits * 2 < SAMPLE:
            self.on = False  # mostly distinct: stop paying for the memo
            self.memo = {}


class Sharer:
    """Canonicalises the records of one table decode; drop it when the decode ends."""

    def __init__(self) -> None:
        self.root = _Path()

    def doc(self, doc: dict[str, Any]) -> dict[str, Any]:
        """`doc` (freshly decoded, not yet shared) with its values replaced by shared ones."""
        self._fields(self.root, doc)
        return doc

    def _fields(self, node: _Path, doc: dict[str, Any]) -> None:
        children = node.children
        for key, value in doc.items():
            if type(value) in _SHARED:
                child = children.get(key)
                if child is None:
                    child = children[key] = _Path()
                new = self._value(child, value)
                if new is not value:
                    doc[key] = new  # same key: no resize while iterating

    def _value(self, node: _Path, value: Any) -> Any:
        if type(value) is str:
            if not node.on or len(value) > MAX_STR:
                return value
            shared = node.memo.setdefault(value, value)
            node.seen(shared is not value)
            return shared
        raw = orjson.dumps(value) if node.on else b""
        if node.on:
            shared = node.memo.get(raw)
            if shared is not None:
                node.seen(True)
                return shared
        if type(value) is dict:
            self._fields(node, value)
        else:
            item = node.children.get("")
            if item is None:
                item = node.children[""] = _Path()
            for i, x in enumerate(value):
                if type(x) in _SHARED:
                    new = self._value(item, x)
                    if new is not x:
                        value[i] = new
        if node.on:
            node.memo[raw] = value
            node.seen(False)
        return value


_SHARED = frozenset((str, dict, list))
