"""Ordered indexes keep no order values: `top` must stay right as docs change."""

from __future__ import annotations

import random

import pytest

from appeals_tui.store import index as index_mod
from appeals_tui.store.index import Index


def _group(doc):
    return (doc["g"], doc["g"] % 2)


def _order(doc):
    return doc["at"]


def _expected(table, value, n):
    docs = [(d["at"], k, d) for k, d in table.items() if value in _group(d)]
    return [d for _, _, d in sorted(docs, key=lambda t: (t[0], t[1]), reverse=True)[:n]]


@pytest.mark.parametrize("table_first", [True, False])
def test_top_follows_changes_of_order_and_group(monkeypatch, table_first):
    monkeypatch.setattr(index_mod, "_MEMO", 8)  # memo cleared often
    rng = random.Random(3)
    table = {f"K{i}": {"g": rng.randrange(4), "at": rng.randrange(50)} for i in range(200)}
    idx = Index("t", _group, multi=True, order=_order)
    idx.build(table)
    for _ in range(300):
        key = f"K{rng.randrange(260)}"
        old, new = table.get(key), {"g": rng.randrange(4), "at": rng.randrange(50)}
        if table_first:
            table[key] = new
        idx.put(key, old, new)
        table[key] = new
        for value in range(4):
            assert idx.top(value, 15) == _expected(table, value, 15)
    assert sorted(idx.values()) == [0, 1, 2, 3]
    assert idx.bucket(1) == list(reversed(_expected(table, 1, len(table))))


def test_plain_index_buckets_keep_entry_order():
    table = {"a": {"s": "x"}, "b": {"s": "y"}, "c": {"s": "x"}}
    idx = Index("t", lambda d: d["s"])
    idx.build(table)
    new = {"s": "y"}
    idx.put("a", table["a"], new)
    table["a"] = new
    assert idx.bucket("x") == [{"s": "x"}]
    assert idx.bucket("y") == [{"s": "y"}, {"s": "y"}]
    assert idx.bucket("z") == []
