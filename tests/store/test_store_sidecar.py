"""Saved key maps, indexes and event indexes: a fresh process must read exactly what a scan reads.

They are caches beside the snapshot (store/sidecar.py): these tests open new
Workspace objects (as a new process would), check that they loaded the saved
copies rather than rebuilding, and compare every answer with a full scan,
across journal writes, compactions (which carry the files over) and damage.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import fixed_clock

from appeals_tui.store import Workspace
from appeals_tui.store import journal as jf
from appeals_tui.store.index import Index
from appeals_tui.store.sidecar import DIR


def _group(doc: dict) -> int:
    return doc["g"]


def _groups(doc: dict) -> list:
    return [("g", doc["g"]), ("p", doc["g"] % 2)]


def _order(doc: dict) -> int:
    return doc["at"]


def _write(ws: Workspace, rng: random.Random, n: int, keys: int) -> None:
    with ws.transaction("t") as txn:
        for _ in range(n):
            key = f"K{rng.randrange(keys):04d}"
            doc = {"id": key, "g": rng.randrange(6), "at": rng.randrange(40)}
            if txn.get("things", key) is None:
                txn.insert("things", key, doc)
            else:
                txn.update("things", key, doc)
            txn.event("thing.set", f"thing:{key}", {})


def _check(ws: Workspace) -> None:
    """Lookups, values and top equal what a scan of the whole table says (asked first,
    so they are answered before anything decodes the table)."""
    got = {g: ws.lookup("things", "g", g, key=_group) for g in range(7)}
    values = ws.lookup_values("things", "g", key=_group)
    tops = {
        value: ws.top("things", "ranked", value, 12, key=_groups, order=_order, multi=True)
        for value in [("g", 2), ("p", 1), ("g", 9)]
    }
    every = ws.all("things")
    for g, docs in got.items():
        assert sorted(d["id"] for d in docs) == sorted(d["id"] for d in every if d["g"] == g)
    assert sorted(values) == sorted({d["g"] for d in every})
    for value, top in tops.items():
        want = sorted(
            (d for d in every if value in _groups(d)),
            key=lambda d: (d["at"], d["id"]),
            reverse=True,
        )
        assert top == want[:12]


def _open(path: Path) -> Workspace:
    return Workspace.open(path, clock=fixed_clock(), auto_compact=False)


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("rebuilt instead of reading the saved copy")

    monkeypatch.setattr(Index, "build", refuse)
    monkeypatch.setattr(jf.Snapshot, "_scan_entities", refuse)


def _query_fresh(path: Path) -> None:
    """What a new process does: lookups on tables it has not decoded."""
    ws = _open(path)
    try:
        for g in range(6):
            ws.lookup("things", "g", g, key=_group)
        ws.top("things", "ranked", ("p", 0), 5, key=_groups, order=_order, multi=True)
        ws.events_for(["thing:K0001"])
    finally:
        ws.close()


def test_fresh_processes_read_saved_copies_across_writes_and_compactions(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)  # builds and saves
    assert any((ws_path / DIR).iterdir())
    for round_ in range(3):
        writer = _open(ws_path)
        _write(writer, rng, 40, 450)  # some move group, some are new keys
        if round_ == 1:
            writer.compact()  # carries the saved copies over
            _write(writer, rng, 10, 450)
        writer.close()
        with monkeypatch.context() as m:
            _no_rebuild(m)
            ws = _open(ws_path)
            try:
                # Events: saved index + journal events == full scan.
                for entity in ("thing:K0001", "thing:K0100", "thing:none"):
                    assert ws.events_for([entity]) == [
                        e for e in ws.events() if e["entity"] == entity
                    ]
                _check(ws)
                _write(ws, rng, 15, 460)  # writes applied to a loaded index
                _check(ws)
            finally:
                ws.close()


def test_damaged_or_foreign_saved_copies_are_rebuilt(ws_path: Path) -> None:
    rng = random.Random(9)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 200, 250)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)
    files = sorted((ws_path / DIR).iterdir())
    assert {p.name.split(".")[1] for p in files} >= {"ix", "keys", "events"}
    for i, path in enumerate(files):
        data = bytearray(path.read_bytes())
        if i % 2:
            data[len(data) // 2] ^= 0xFF  # damaged: checksum no longer matches
        else:
            data = data[: len(data) // 3]  # cut short
        path.write_bytes(bytes(data))
    ws = _open(ws_path)
    try:
        _check(ws)
        assert ws.get("things", "K0003") == next(
            (d for d in ws.all("things") if d["id"] == "K0003"), None
        )
        for entity in ("thing:K0001", "thing:K0042"):
            assert ws.events_for([entity]) == [e for e in ws.events() if e["entity"] == entity]
    finally:
        ws.close()


def test_a_changed_key_function_is_not_read_from_an_old_copy(ws_path: Path) -> None:
    ws = Workspace.create(ws_path, clock=fixed_clock())
    rng = random.Random(2)
    _write(ws, rng, 100, 100)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)
    ws = _open(ws_path)
    try:
        got = ws.lookup("things", "g", 1, key=lambda d: d["g"] + 1)  # same name, other function
        assert sorted(d["id"] for d in got) == sorted(
            d["id"] for d in ws.all("things") if d["g"] == 0
        )
    finally:
        ws.close()
