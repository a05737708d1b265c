"""Transactions: insert/update/conflict/rollback, ids, meta, audit events, query layer."""

from __future__ import annotations

import pytest
from store_helpers import add_cases, fixed_clock
from tinydb import Query

from appeals_tui.domain.errors import ConflictError, NotFound, StoreError
from appeals_tui.store import Txn, VerifyResult, Workspace
from appeals_tui.store.audit import GENESIS, event_hash


def test_insert_sets_version_and_copies(ws: Workspace) -> None:
    doc = {"status": "open", "tags": ["spam"]}
    with ws.transaction("alice") as txn:
        assert isinstance(txn, Txn)
        stored = txn.insert("cases", "C-000001", doc)
        assert txn.get("cases", "C-000001") == stored
        assert ws.get("cases", "C-000001") is None  # not visible before commit
    doc["tags"].append("mutated")
    assert ws.get("cases", "C-000001") == {"status": "open", "tags": ["spam"], "version": 1}
    assert "version" not in doc


def test_insert_existing_key_conflicts(ws: Workspace) -> None:
    add_cases(ws, 1)
    with pytest.raises(ConflictError, match="already exists"), ws.transaction("a") as txn:
        txn.insert("cases", "C-000001", {})


def test_update_merges_and_bumps_version(ws: Workspace) -> None:
    add_cases(ws, 1)
    with ws.transaction("bob") as txn:
        new = txn.update("cases", "C-000001", {"status": "closed"}, expected_version=1)
        assert new["version"] == 2
        again = txn.update("cases", "C-000001", {"owner": "bob"})
        assert again["version"] == 3 and again["status"] == "closed"
    assert ws.get("cases", "C-000001") == {
        "status": "closed",
        "title": "case C-000001",
        "owner": "bob",
        "version": 3,
    }


@pytest.mark.parametrize("stale", [0, 2, 99])
def test_stale_update_raises_conflict_and_writes_nothing(ws: Workspace, stale: int) -> None:
    add_cases(ws, 1)
    size = ws.disk_usage()
    with pytest.raises(ConflictError) as err, ws.transaction("bob") as txn:
        txn.update("cases", "C-000001", {"status": "closed"}, expected_version=stale)
    assert str(err.value) == (
        f"cases C-000001 changed since you loaded it (version {stale}, now 1); reload and try again"
    )
    assert ws.get("cases", "C-000001")["version"] == 1
    assert ws.disk_usage() == size


def test_update_missing_is_not_found(ws: Workspace) -> None:
    with pytest.raises(NotFound), ws.transaction("a") as txn:
        txn.update("cases", "nope", {"x": 1})
    with pytest.raises(StoreError), ws.transaction("a") as txn:
        txn.update("cases", "nope", {"x": 1})


def test_exception_rolls_back_everything(ws: Workspace) -> None:
    add_cases(ws, 1)
    before = (ws.all("cases"), ws.events(), ws.meta("next_id:C"), ws.disk_usage())
    with pytest.raises(RuntimeError), ws.transaction("a") as txn:
        txn.insert("cases", txn.next_id("C"), {"status": "open"})
        txn.update("cases", "C-000001", {"status": "closed"})
        txn.set_meta("flag", True)
        txn.event("case.opened", "C-000002", {})
        raise RuntimeError("boom")
    assert (ws.all("cases"), ws.events(), ws.meta("next_id:C"), ws.disk_usage()) == before
    with pytest.raises(StoreError, match="already ended"):
        txn.get("cases", "C-000001")
    add_cases(ws, 1)  # the lock was released and ids continue
    assert ws.count("cases") == 2


def test_empty_transaction_writes_nothing(ws: Workspace) -> None:
    size = ws.disk_usage()
    with ws.transaction("a") as txn:
        txn.get("cases", "x")
    assert ws.disk_usage() == size


def test_one_journal_line_per_transaction(ws: Workspace, ws_path) -> None:
    from store_helpers import journal_lines

    add_cases(ws, 3)
    assert len(journal_lines(ws_path)) == 1 + 3


def test_next_id_is_per_prefix_and_persistent(ws: Workspace, ws_path) -> None:
    with ws.transaction("a") as txn:
        assert [txn.next_id("C"), txn.next_id("C"), txn.next_id("R")] == [
            "C-000001",
            "C-000002",
            "R-000001",
        ]
    ws.close()
    with Workspace.open(ws_path) as again, again.transaction("a") as txn:
        assert txn.next_id("C") == "C-000003"


def test_meta(ws: Workspace) -> None:
    assert ws.meta("schema_version") == Workspace.SCHEMA_VERSION
    assert ws.meta("missing", "dflt") == "dflt"
    with ws.transaction("a") as txn:
        txn.set_meta("policy", {"version": "2025-01"})
        assert txn.meta("policy") == {"version": "2025-01"}
    assert ws.meta("policy") == {"version": "2025-01"}


def test_events_form_a_hash_chain(ws: Workspace) -> None:
    add_cases(ws, 3, actor="alice")
    with ws.transaction("bob") as txn:
        txn.event("note.added", "C-000001", {"text": "naïve – ünïcode"})
        txn.event("note.added", "C-000002", {"text": "second"})
    events = ws.events()
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["prev_hash"] == GENESIS
    for prev, ev in zip(events, events[1:], strict=False):
        assert ev["prev_hash"] == prev["hash"]
    assert all(ev["hash"] == event_hash(ev) for ev in events)
    assert events[0]["at"] == "2025-01-01T00:00:00+00:00"
    assert events[3]["actor"] == "bob" and events[3]["payload"]["text"] == "naïve – ünïcode"
    assert [e["seq"] for e in ws.events(since_seq=3)] == [4, 5]
    head = f"5:{ws.events()[-1]['hash']}"
    assert ws.verify() == VerifyResult(True, 5, 2 + 1 + 4, None, "", head=head)


def test_tinydb_queries_read_live_state_and_cache_is_invalidated(ws: Workspace) -> None:
    add_cases(ws, 3)
    cases = ws.db.table("cases")
    open_q = Query().status == "open"
    assert len(cases.search(open_q)) == 3
    with ws.transaction("a") as txn:
        txn.update("cases", "C-000002", {"status": "closed"})
    hits = cases.search(open_q)
    assert [d.doc_id for d in hits] == ["C-000001", "C-000003"]
    assert cases.get(doc_id="C-000002")["status"] == "closed"
    assert len(cases) == 3 and cases.count(open_q) == 2
    assert ws.search("cases", open_q) == hits
    assert ws.db.tables() >= {"cases"}


def test_direct_tinydb_writes_are_refused(ws: Workspace) -> None:
    table = ws.db.table("cases")
    with pytest.raises(StoreError, match="transaction"):
        table.insert({"a": 1})
    with pytest.raises(StoreError):
        ws.db.drop_tables()


def test_nested_transaction_refused(ws: Workspace) -> None:
    with ws.transaction("a"), pytest.raises(StoreError, match="already open"):
        with ws.transaction("a"):
            pass


def test_reads_inside_transaction_do_not_deadlock(ws: Workspace) -> None:
    add_cases(ws, 1)
    with ws.transaction("a") as txn:
        assert ws.get("cases", "C-000001") is not None
        assert ws.db.table("cases").search(Query().status == "open")
        txn.update("cases", "C-000001", {"status": "closed"})
    assert ws.get("cases", "C-000001")["status"] == "closed"


def test_unserialisable_values_fail_before_writing(ws: Workspace) -> None:
    with pytest.raises(TypeError), ws.transaction("a") as txn:
        txn.insert("cases", "C-1", {"when": object()})
    with pytest.raises(StoreError), ws.transaction("a") as txn:
        txn.insert("cases", 5, {})  # type: ignore[arg-type]


def test_clock_naive_datetimes_are_taken_as_utc(ws_path) -> None:
    from datetime import datetime

    ws = Workspace.create(ws_path, clock=lambda: datetime(2025, 5, 1, 12, 0))
    with ws.transaction("a") as txn:
        ev = txn.event("x", "y", {})
    assert ev["at"] == "2025-05-01T12:00:00+00:00"
    ws.close()


def test_fixed_clock_helper_is_deterministic() -> None:
    clock = fixed_clock()
    assert (clock() - clock()).total_seconds() == -1


def test_store_does_not_import_the_ui() -> None:
    import subprocess
    import sys

    code = "import sys, appeals_tui.store; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_closed_workspace_refuses_use(ws: Workspace) -> None:
    ws.close()
    with pytest.raises(StoreError, match="closed"):
        ws.get("cases", "x")
    with pytest.raises(StoreError, match="closed"), ws.transaction("a"):
        pass
