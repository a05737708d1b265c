"""Verify and compact report progress, and a stop raised from the callback during
compaction leaves the workspace's files exactly as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeals_tui.store import Workspace


def files(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "lock" not in p.name
    }


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    w = Workspace.create(path)
    for chunk in range(3):
        with w.transaction("seed") as txn:
            for i in range(400):
                txn.insert("ballast", f"B-{chunk}-{i}", {"text": "lorem ipsum " * 30})
                txn.event("ballast.added", f"ballast:B-{chunk}-{i}", {})
    w.close()
    return path


def test_verify_reports_bytes_then_the_chain(ws):
    seen: list[tuple] = []
    result = Workspace.verify_path(ws, lambda *a: seen.append(a))
    assert result.ok
    phases = [p for _, _, p in seen]
    assert phases[0] == "verifying" and phases[-1] == "checking the chain"
    total = sum(p.stat().st_size for p in ws.iterdir() if "lock" not in p.name)
    assert (total, total, "verifying") in seen
    assert seen[-1] == (1200, 1200, "checking the chain")


def test_compact_reports_bytes_written(ws):
    seen: list[tuple] = []
    w = Workspace.open(ws)
    w.compact(lambda *a: seen.append(a))
    w.close()
    writing = [s for s in seen if s[2] == "compacting"]
    assert len(writing) > 2 and writing[-1][0] == writing[-1][1]
    # then the snapshot's index files are completed (store.Workspace.save_indexes)
    assert seen[len(writing) :] == [(0, None, "saving indexes")]
    assert Workspace.verify_path(ws).ok


def test_a_stop_during_compaction_changes_nothing(ws):
    before = files(ws)

    def stop(done, total=None, phase=None):
        if done > 100_000:
            raise KeyboardInterrupt

    w = Workspace.open(ws)
    with pytest.raises(KeyboardInterrupt):
        w.compact(stop)
    w.close()
    assert files(ws) == before  # no snapshot.dat.tmp left, old snapshot and journal intact
    w = Workspace.open(ws)
    assert w.count("ballast") == 1200
    w.close()
    assert Workspace.verify_path(ws).ok
