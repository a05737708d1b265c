"""The embedded workspace's two ways to publish a staging (store/staging.py).

A small staging becomes one journal record; a big one a new snapshot. The contract
suite (tests/store/contract/test_staging.py) mostly stages small amounts, so its
rules are checked here again with every staging published as a snapshot.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from appeals_tui.domain.errors import ConflictError
from appeals_tui.store import Workspace, staging
from appeals_tui.store.journal import JOURNAL, SNAPSHOT


@pytest.fixture(params=["journal record", "snapshot"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if request.param == "snapshot":
        monkeypatch.setattr(staging, "SMALL_BYTES", -1)
    w = Workspace.create(tmp_path / "ws")
    with w.transaction("setup") as txn:
        txn.insert("cases", "C-000001", {"case_id": "C-000001", "status": "open"})
    yield w
    w.close()


def _stage(st, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        st.add("reports", f"R-{i}", {"report_id": f"R-{i}"})
        st.event("report.staged", f"report:R-{i}", {"i": i})


def test_publish_makes_everything_visible_to_other_processes(ws: Workspace) -> None:
    with Workspace.open(ws.path) as other:
        with ws.staging("minji") as st:
            _stage(st, 300)
            assert other.count("reports") == 0
            st.publish(lambda txn: txn.update("cases", "C-000001", {"reports": 300}))
        assert other.count("reports") == 300
        assert other.get("cases", "C-000001")["reports"] == 300
        assert [e["type"] for e in other.events_for(["report:R-299"])] == ["report.staged"]
        assert other.verify().ok
    with Workspace.open(ws.path) as again:
        assert again.count("reports") == 300 and again.verify().ok


def test_failures_leave_the_files_as_they_were(ws: Workspace) -> None:
    before = {name: (ws.path / name).read_bytes() for name in (SNAPSHOT, JOURNAL)}

    def finish(txn) -> None:
        txn.update("cases", "C-000001", {"status": "decided"})
        raise ConflictError("decided meanwhile")

    with ws.staging("minji") as st:
        _stage(st, 50)
        with pytest.raises(ConflictError):
            st.publish(finish)
    with ws.transaction("setup") as txn:
        txn.insert("reports", "R-7", {"report_id": "R-7"})
    after_insert = {name: (ws.path / name).read_bytes() for name in (SNAPSHOT, JOURNAL)}
    with ws.staging("minji") as st:
        _stage(st, 50)
        with pytest.raises(ConflictError, match="reports R-7 already exists"):
            st.publish()
    assert before[SNAPSHOT] == after_insert[SNAPSHOT]
    assert {name: (ws.path / name).read_bytes() for name in (SNAPSHOT, JOURNAL)} == after_insert
    assert ws.count("reports") == 1 and ws.get("cases", "C-000001")["status"] == "open"
    assert ws.verify().ok


def test_an_edited_staged_record_is_named_by_verify(ws: Workspace) -> None:
    """The chain covers staged records like any other: an edit (checksum fixed, same
    length so the snapshot's layout still holds) is named by table, id and field."""
    with ws.staging("minji") as st:
        _stage(st, 20)
        st.publish()
    ws.close()
    for name in (SNAPSHOT, JOURNAL):
        path = ws.path / name
        lines = path.read_bytes().split(b"\n")
        for i, line in enumerate(lines):
            if b'"report_id":"R-13"' in line:
                body = line[9:].replace(b'"report_id":"R-13"', b'"report_id":"X-13"')
                lines[i] = b"%08x " % zlib.crc32(body) + body
        path.write_bytes(b"\n".join(lines))
    result = Workspace.verify_path(ws.path)
    assert not result.ok
    assert (result.table, result.record, result.field) == ("reports", "R-13", "report_id")


def test_saved_indexes_carried_over_a_published_snapshot_stay_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "SMALL_BYTES", -1)
    # only what the publish carried over, nothing built afterwards
    monkeypatch.setattr(Workspace, "save_indexes", lambda self, progress=None: 0)
    path = tmp_path / "ws"

    def case(i: int, subject: str) -> dict:
        return {"case_id": f"C-{i}", "status": "open", "subject": {"subject_id": subject}}

    with Workspace.create(path) as ws:
        with ws.transaction("setup") as txn:
            for i in range(50):
                txn.insert("cases", f"C-{i}", case(i, f"S{i % 5}"))
                txn.event("case.opened", f"case:C-{i}", {})
        ws.compact()
    with Workspace.open(path) as ws:  # builds the indexes from disk and saves them
        assert len(ws.lookup("cases", "subject.subject_id", "S1")) == 10
        assert len(ws.events_for(["case:C-7"])) == 1
        saved = {p.name.split(".", 1)[1] for p in (path / "index").iterdir()}
        assert any(name.startswith("ix.cases.subject.subject_id") for name in saved)
        with ws.staging("minji") as st:
            for i in range(50, 60):
                st.add("cases", f"C-{i}", case(i, "S1" if i % 2 else "NEW"))
                st.event("case.opened", f"case:C-{i}", {})
            st.publish()
        tags = {p.name.split(".", 1)[0] for p in (path / "index").iterdir()}
        assert len(tags) == 1  # carried to the new snapshot's name, the old ones pruned
    with Workspace.open(path) as ws:
        found = [c["case_id"] for c in ws.lookup("cases", "subject.subject_id", "S1")]
        assert found == [f"C-{i}" for i in range(1, 50, 5)] + [f"C-{i}" for i in range(51, 60, 2)]
        assert len(ws.lookup("cases", "subject.subject_id", "NEW")) == 5
        assert ws._rep.snap is not None and ws._rep.snap._load_entities()  # carried
        assert [e["entity"] for e in ws.events_for(["case:C-7", "case:C-57"])] == [
            "case:C-7",
            "case:C-57",
        ]


def test_a_published_snapshot_carries_grown_key_maps_and_the_events_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tables a staged import grew keep their saved key map (moved, then the staged
    keys), and the events' index gains the staged events: a fresh process reads both
    without scanning, and they equal a scan."""
    monkeypatch.setattr(staging, "SMALL_BYTES", -1)
    with Workspace.create(tmp_path / "ws") as w:
        with w.transaction("setup") as txn:
            for i in range(400):
                txn.insert("reports", f"R-{i}", {"report_id": f"R-{i}", "pad": "x" * (i % 50)})
                txn.insert("cases", f"C-{i}", {"case_id": f"C-{i}"})
                txn.event("report.added", f"report:R-{i}", {})
        w.compact()  # saves every index file
        with w.staging("minji") as st:
            _stage(st, 300, start=400)
            st.publish()
    with Workspace.open(tmp_path / "ws") as fresh:
        rep = fresh._rep
        saved = rep.snap.sidecar
        lazy = rep.lazy["reports"]
        assert lazy._load_keys(), "the grown key map was not carried"
        carried = lazy.keys
        lazy.keys = None
        lazy._scan_keys()
        assert list(carried.starts) == list(lazy.keys.starts)
        assert [carried.name(i) for i in range(700)] == [f"R-{i}" for i in range(700)]
        assert all(carried.get(f"R-{i}") == i for i in range(700))
        snap = rep.snap
        assert snap._load_entities(), "the events' index was not carried"
        loaded, starts = snap._entities, list(snap._starts)
        scanned, scan_starts = snap._scan_entities()
        assert starts == list(scan_starts)
        assert {e: list(s) for e, s in loaded.items()} == {
            e: [s] if isinstance(s, int) else list(s) for e, s in scanned.items()
        }
        assert saved is not None and fresh.get("reports", "R-650") == {
            "report_id": "R-650",
            "version": 1,
        }
