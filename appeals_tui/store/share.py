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
MAX_STR = 32  # longer strings are text or URLs, not labels or timestamps


class _Path:
    """One field path's memo (raw value -> shared object) and its hit rate."""

    __slots__ = ("memo", "tries", "hits", "on", "children")

    def __init__(self) -> None:
        self.memo: dict[Any, Any] = {}
        self.tries = self.hits = 0
        self.on = True
        self.children: dict[str, _Path] = {}

    def alive(self) -> bool:
        """Whether anything at or under this path is still shared."""
        return self.on or any(child.alive() for child in self.children.values())

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
        self.sampled = 0
        #: after the sample: the top-level fields still worth visiting
        self.live: list[tuple[str, _Path]] | None = None

    def doc(self, doc: dict[str, Any]) -> dict[str, Any]:
        """An equal copy of `doc` (freshly decoded) whose values are the shared ones."""
        live = self.live
        if live is None:
            out = self._fields(self.root, doc)
            self.sampled += 1
            if self.sampled == SAMPLE:
                self.live = [(k, p) for k, p in self.root.children.items() if p.alive()]
            return out
        out = {k: v for k, v in doc.items()}  # see _fields: a compact table
        for key, node in live:
            value = out.get(key)
            if value is not None and type(value) in _SHARED:
                out[key] = self._value(node, value)
        return out

    def _fields(self, node: _Path, doc: dict[str, Any]) -> dict[str, Any]:
        """Rebuilt by insertion: orjson's dicts of ~20 keys come with a bigger hash
        table than they need (632 vs 464 bytes)."""
        children, out = node.children, {}
        for key, value in doc.items():
            if type(value) in _SHARED:
                child = children.get(key)
                if child is None:
                    child = children[key] = _Path()
                value = self._value(child, value)
            out[key] = value
        return out

    def _value(self, node: _Path, value: Any) -> Any:
        if type(value) is str:
            if not node.on:
                return value
            if len(value) > MAX_STR:
                node.seen(False)
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
            value = self._fields(node, value)
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
