"""Snapshot format 2: tables left on disk until used, format 1 still opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import add_cases, fixed_clock
from tinydb import Query

from appeals_tui.domain.errors import StoreError
from appeals_tui.store import Workspace
from appeals_tui.store.audit import GENESIS
from appeals_tui.store.journal import JOURNAL, SNAPSHOT, decode_line, encode_line


def header_of(path: Path) -> dict:
    return decode_line((path / SNAPSHOT).read_bytes().split(b"\n", 1)[0])


def write_format_1(path: Path, workspace: Workspace) -> None:
    """The files the previous code wrote: one state line, then the events."""
    tables = {t: {d["case_id"]: d for d in workspace.all(t)} for t in ("cases",)}
    meta = {"schema_version": Workspace.SCHEMA_VERSION, "next_id:C": 3}
    events = workspace.events()
    header = {"snapshot": 1, "generation": 4, "events": len(events), "last_hash": GENESIS}
    if events:
        header["last_hash"] = events[-1]["hash"]
    path.mkdir()
    lines = [header, {"tables": tables, "meta": meta}, *events]
    (path / SNAPSHOT).write_bytes(b"".join(encode_line(x) for x in lines))
    (path / JOURNAL).write_bytes(encode_line({"journal": 1, "generation": 4}))


def make_cases(ws: Workspace, n: int) -> None:
    for i in range(n):
        key = f"C-{i + 1:06d}"
        with ws.transaction("alice") as txn:
            txn.insert("cases", key, {"case_id": key, "status": "open", "n": i})
            txn.event("case.opened", key, {"n": i})


def test_format_1_workspace_opens_and_is_rewritten_by_compaction(ws: Workspace, tmp_path) -> None:
    make_cases(ws, 3)
    old = tmp_path / "old"
    write_format_1(old, ws)
    with Workspace.open(old, clock=fixed_clock()) as again:
        assert again.all("cases") == ws.all("cases")
        assert again.events() == ws.events() and again.verify().ok
        assert again.get("cases", "C-000002")["n"] == 1
        add_cases(again, 1)  # C-000004 through next_id
        assert header_of(old)["snapshot"] == 1
        again.compact()
        assert header_of(old)["snapshot"] == 2
        expected = again.all("cases")
    with Workspace.open(old) as again:
        assert again.all("cases") == expected and len(again.events()) == 4
        assert again.verify().ok


def test_tables_stay_on_disk_until_used(ws: Workspace, ws_path: Path) -> None:
    make_cases(ws, 5)
    with ws.transaction("alice") as txn:
        txn.insert("notes", "N-1", {"entity": "case:C-000001", "text": "hello"})
    ws.compact()
    with Workspace.open(ws_path) as again:
        rep = again._rep
        assert set(rep.lazy) == {"cases", "notes"} and not rep.tables
        assert again.count("cases") == 5
        assert again.get("cases", "C-000003")["n"] == 2
        assert again.get("cases", "C-999999") is None
        assert "cases" in rep.lazy  # one record read, the table still on disk
        # writes to a table still on disk: replace one, add one
        with again.transaction("bob") as txn:
            txn.update("cases", "C-000002", {"status": "closed"}, expected_version=1)
            txn.insert("cases", "C-000009", {"case_id": "C-000009", "status": "open", "n": 9})
        assert again.count("cases") == 6 and "cases" in rep.lazy
        assert again.get("cases", "C-000002")["status"] == "closed"
        again.compact()  # raw copies plus the two written records
        assert again.count("notes") == 1 and "notes" in rep.lazy
        keys = [d["case_id"] for d in again.all("cases")]  # decodes the table now
        assert keys == [f"C-{i:06d}" for i in (1, 2, 3, 4, 5, 9)]
        assert "cases" not in rep.lazy
        assert len(again.search("cases", Query().status == "open")) == 5
    with Workspace.open(ws_path) as again:
        assert [d["case_id"] for d in again.all("cases")] == keys
        assert again.get("cases", "C-000002")["status"] == "closed"
        assert again.lookup("notes", "entity", "case:C-000001")[0]["text"] == "hello"
        assert again.verify().ok


def test_damaged_record_is_refused_with_file_and_line(ws: Workspace, ws_path: Path) -> None:
    make_cases(ws, 4)
    ws.compact()
    ws.close()
    lines = (ws_path / SNAPSHOT).read_bytes().split(b"\n")[:-1]
    lines[3] = lines[3].replace(b"open", b"shut")  # line 4: the second case record
    (ws_path / SNAPSHOT).write_bytes(b"".join(line + b"\n" for line in lines))
    with Workspace.open(ws_path) as again:
        assert again.get("cases", "C-000001")["n"] == 0  # other records still readable
        with pytest.raises(StoreError, match=rf"{SNAPSHOT}: line 4 is damaged"):
            again.get("cases", "C-000002")
        with pytest.raises(StoreError, match=rf"{SNAPSHOT}: line 4 is damaged"):
            again.all("cases")
        result = again.verify()
    assert not result.ok and f"{SNAPSHOT}: line 4: checksum mismatch" in result.problem


def test_removed_record_line_is_named_by_verify(ws: Workspace, ws_path: Path) -> None:
    make_cases(ws, 4)
    ws.compact()
    lines = (ws_path / SNAPSHOT).read_bytes().split(b"\n")[:-1]
    del lines[3]
    (ws_path / SNAPSHOT).write_bytes(b"".join(line + b"\n" for line in lines))
    result = ws.verify()
    assert not result.ok and f"{SNAPSHOT}: line 7: not where" in result.problem
    assert result.first_broken_seq == 1


def test_newer_snapshot_format_is_refused(ws: Workspace, ws_path: Path) -> None:
    ws.close()
    lines = (ws_path / SNAPSHOT).read_bytes().split(b"\n", 1)
    header = decode_line(lines[0])
    header["snapshot"] = 3
    (ws_path / SNAPSHOT).write_bytes(encode_line(header) + lines[1])
    with pytest.raises(StoreError, match="snapshot format 3, newer"):
        Workspace.open(ws_path)
