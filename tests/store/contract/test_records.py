"""Contract: records, transactions, optimistic versions, ids, settings, refresh."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ConflictError, NotFound, StoreError
from appeals_tui.store.factory import create_store, open_store, store_exists
from appeals_tui.store.protocol import Store


def test_a_store_is_created_once_and_opened_after(target: str) -> None:
    assert not store_exists(target)
    with pytest.raises(StoreError):
        open_store(target)
    with create_store(target) as store:
        assert isinstance(store, Store)
        assert store.meta("schema_version") == 4  # 2: records attested; 3: case_links; 4: on cases
    assert store_exists(target)
    with pytest.raises(StoreError):
        create_store(target)
    with open_store(target) as again:
        assert again.get("cases", "C-1") is None
        assert all(isinstance(w, str) for w in again.warnings)


def test_insert_get_update_and_versions(store: Store) -> None:
    with store.transaction("alice") as txn:
        doc = txn.insert("cases", "C-1", {"case_id": "C-1", "status": "open", "tags": ["a"]})
        assert doc["version"] == 1
        assert txn.get("cases", "C-1")["status"] == "open"  # own writes are visible
        with pytest.raises(ConflictError):
            txn.insert("cases", "C-1", {"case_id": "C-1"})
    assert store.get("cases", "C-1") == {
        "case_id": "C-1",
        "status": "open",
        "tags": ["a"],
        "version": 1,
    }
    with store.transaction("alice") as txn:
        updated = txn.update("cases", "C-1", {"status": "decided"}, expected_version=1)
    assert updated["version"] == 2 and updated["tags"] == ["a"]
    assert store.get("cases", "C-1")["status"] == "decided"
    assert store.get("cases", "missing") is None


def test_a_stale_version_is_a_conflict_and_changes_nothing(store: Store, second: Store) -> None:
    with store.transaction("alice") as txn:
        txn.insert("cases", "C-1", {"n": 0})
    seen = second.get("cases", "C-1")
    with store.transaction("alice") as txn:
        txn.update("cases", "C-1", {"n": 1}, expected_version=seen["version"])
    with pytest.raises(ConflictError), second.transaction("bob") as txn:
        txn.insert("notes", "N-1", {"text": "in the same transaction"})
        txn.update("cases", "C-1", {"n": 99}, expected_version=seen["version"])
    assert store.get("cases", "C-1")["n"] == 1
    assert second.get("notes", "N-1") is None
    # only the two committed writes are in the chain (as "records.changed")
    assert [(e["actor"], e["type"]) for e in store.events()] == [("alice", "records.changed")] * 2


def test_update_of_a_missing_doc_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction("alice") as txn:
        txn.update("cases", "nope", {"n": 1})


def test_an_exception_discards_the_whole_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction("alice") as txn:
        txn.insert("cases", "C-1", {"n": 1})
        txn.set_meta("config", {"x": 1})
        assert txn.next_id("C") == "C-000001"
        txn.event("case.created", "case:C-1", {})
        raise RuntimeError("boom")
    assert store.get("cases", "C-1") is None
    assert store.meta("config") is None
    assert store.events() == []
    with store.transaction("alice") as txn:
        assert txn.next_id("C") == "C-000001"


def test_next_id_counts_per_prefix_across_transactions(store: Store, second: Store) -> None:
    with store.transaction("a") as txn:
        assert [txn.next_id("C"), txn.next_id("C"), txn.next_id("D")] == [
            "C-000001",
            "C-000002",
            "D-000001",
        ]
    with second.transaction("b") as txn:
        assert txn.next_id("C") == "C-000003"


def test_meta_is_committed_with_the_transaction(store: Store, second: Store) -> None:
    assert store.meta("config", {"default": True}) == {"default": True}
    with store.transaction("admin") as txn:
        txn.set_meta("config", {"appeal_window_days": 30})
        assert txn.meta("config") == {"appeal_window_days": 30}
    assert second.meta("config") == {"appeal_window_days": 30}


def test_get_many_keeps_the_order_asked_and_skips_missing(store: Store) -> None:
    with store.transaction("a") as txn:
        for key in ("R-1", "R-2", "R-3"):
            txn.insert("reports", key, {"report_id": key})
    got = store.get_many("reports", ["R-3", "nope", "R-1"])
    assert [d["report_id"] for d in got] == ["R-3", "R-1"]


def test_other_handles_see_writes_and_refresh_reports_them(store: Store, second: Store) -> None:
    assert second.refresh() is False
    with store.transaction("a") as txn:
        txn.insert("cases", "C-1", {"status": "open"})
    assert second.refresh() is True
    assert second.refresh() is False
    assert second.get("cases", "C-1")["status"] == "open"
    with store.transaction("a") as txn:
        txn.update("cases", "C-1", {"status": "decided"})
    assert second.get("cases", "C-1")["status"] == "decided"  # reads refresh by themselves


def test_returned_docs_do_not_change_the_store(store: Store) -> None:
    with store.transaction("a") as txn:
        doc = {"status": "open", "report_ids": ["R-1"]}
        txn.insert("cases", "C-1", doc)
        doc["report_ids"].append("R-2")  # the caller's dict is not the stored one
    assert store.get("cases", "C-1")["report_ids"] == ["R-1"]


def test_clock_stamps_events_and_can_be_replaced(store: Store) -> None:
    from datetime import UTC, datetime

    moment = datetime(2020, 5, 1, 12, tzinfo=UTC)
    store.clock = lambda: moment
    with store.transaction("a") as txn:
        txn.event("thing.done", "case:C-1", {})
    assert store.events()[-1]["at"].startswith("2020-05-01T12:00:00")


def test_upkeep_keeps_everything(store: Store) -> None:
    with store.transaction("a") as txn:
        txn.insert("cases", "C-1", {"status": "open"})
        txn.event("case.created", "case:C-1", {})
    before = (store.get("cases", "C-1"), store.events(), store.head())
    store.compact()
    assert (store.get("cases", "C-1"), store.events(), store.head()) == before
    assert store.disk_usage() > 0


def test_derived_state_is_kept_whole_or_not_at_all(store: Store, second: Store) -> None:
    """`save_derived` is best effort: what `load_derived` returns is either nothing or
    exactly what was saved (also to another handle, and after a compaction), and it
    never changes what the records say."""
    assert store.load_derived("probe") is None
    payload = bytes(range(256)) * 10
    store.save_derived("probe", payload)
    for handle in (store, second):
        assert handle.load_derived("probe") in (None, payload)
    with store.transaction("t") as txn:
        txn.insert("cases", "C-1", {"case_id": "C-1", "status": "open"})
    store.compact()
    assert second.load_derived("probe") in (None, payload)
    assert second.get("cases", "C-1") == store.get("cases", "C-1")
