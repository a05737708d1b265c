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
