"""`get_many` on a table still on disk: every asked doc that exists, in the order asked,
current after journal writes, read in file order without keeping what it decoded
(an export of 100k decisions reads its cases and reports this way)."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import fixed_clock

from appeals_tui.store import Workspace, keymap


def _open(path: Path) -> Workspace:
    return Workspace.open(path, clock=fixed_clock(), auto_compact=False)


def _fill(ws: Workspace, n: int) -> None:
    with ws.transaction("t") as txn:
        for i in range(n):
            key = f"C-{i:05d}"
            txn.insert("cases", key, {"case_id": key, "n": i, "text": "x" * (i % 700)})


def test_get_many_on_disk_equals_one_get_per_key(ws_path: Path, monkeypatch) -> None:
    ws = Workspace.create(ws_path, clock=fixed_clock(), auto_compact=False)
    _fill(ws, 3000)
    ws.compact()
    with ws.transaction("t") as txn:  # written after the snapshot: the journal's doc wins
        txn.update("cases", "C-00007", {"case_id": "C-00007", "n": -7, "text": "new"})
        txn.insert("cases", "C-09999", {"case_id": "C-09999", "n": 9999, "text": ""})
    monkeypatch.setattr(keymap, "_BULK", 10)  # the saved key map turns into a dict midway
    rng = random.Random(5)
    asked = [f"C-{rng.randrange(3100):05d}" for _ in range(2500)]
    asked += ["C-00007", "C-09999", "nope", "C-00007"]
    fresh = _open(ws_path)
    lazy = fresh._rep.lazy["cases"]
    assert lazy.keys is None or lazy.keys._dict is None  # read in place, not scanned
    got = fresh.get_many("cases", asked)
    one_by_one = [d for k in asked if (d := _open(ws_path).get("cases", k)) is not None]
    assert got == one_by_one
    assert [d["case_id"] for d in got] == [k for k in asked if k < "C-03000" or k == "C-09999"]
    assert got[-1]["n"] == -7 and fresh.get("cases", "C-00007")["n"] == -7
    assert all(k not in lazy.docs for k in asked if k not in ("C-00007", "C-09999"))
