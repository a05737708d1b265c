"""Contract: staged writes (protocol v5), the path of imports of any size.

Staged records stay invisible to every reader until `publish`, which makes them,
the finishing transaction's writes and the staged events visible at once, chained
and attested like a transaction's; a failure anywhere leaves nothing; other
writers commit while a staging is open.
"""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ConflictError
from appeals_tui.store.protocol import Store, Transaction
from appeals_tui.store.spool import DIGESTS_PER_EVENT, STAGED_RECORDS_EVENT


def _stage_reports(st, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        st.add("reports", f"R-{i:05d}", {"report_id": f"R-{i:05d}", "case_id": "C-000001"})


def test_staged_records_are_invisible_until_published(store: Store, second: Store) -> None:
    with store.staging("minji") as st:
        _stage_reports(st, 3)
        st.event("case.opened", "case:C-000001", {"subject": "s"})
        assert store.get("reports", "R-00000") is None
        assert second.get("reports", "R-00001") is None
        assert second.count("reports") == 0
        head = second.head()

        def finish(txn: Transaction) -> None:
            txn.set_meta("next_id:C", 1)
            txn.insert("cases", "C-000001", {"case_id": "C-000001", "report_ids": []})
            txn.event("reports.imported", "reports", {"imported": 3})

        st.publish(finish)
    assert second.count("reports") == 3
    doc = second.get("reports", "R-00002")
    assert doc == {"report_id": "R-00002", "case_id": "C-000001", "version": 1}
    assert second.get("cases", "C-000001") is not None
    events = second.events(head.seq)
    # finish's events first, then the staged ones (the digests after the records' event)
    assert [e["type"] for e in events] == ["reports.imported", "case.opened", STAGED_RECORDS_EVENT]
    assert set(events[-1]["payload"]["records"]) == {f"reports/R-0000{i}" for i in range(3)}
    assert "cases/C-000001" in events[0]["payload"]["records"]
    assert second.head().seq == head.seq + 3
    result = second.verify()
    assert result.ok, result.problem


def test_digests_come_in_bounded_events(store: Store) -> None:
    n = DIGESTS_PER_EVENT * 2 + 5
    with store.staging("minji") as st:
        _stage_reports(st, n)
        st.publish()
    batches = [e for e in store.events() if e["type"] == STAGED_RECORDS_EVENT]
    assert [len(e["payload"]["records"]) for e in batches] == [DIGESTS_PER_EVENT] * 2 + [5]
    assert store.count("reports") == n
    assert store.verify().ok


def test_leaving_without_publish_discards_everything(store: Store, second: Store) -> None:
    head = store.head()
    with pytest.raises(RuntimeError), store.staging("minji") as st:
        _stage_reports(st, 5)
        st.event("case.opened", "case:C-000001", {})
        raise RuntimeError("validation failed")
    with store.staging("minji") as st:
        _stage_reports(st, 2, start=100)
    assert second.count("reports") == 0
    assert second.head() == head


def test_a_failing_finish_publishes_nothing(store: Store, second: Store) -> None:
    with store.transaction("setup") as txn:
        txn.insert("cases", "C-000001", {"case_id": "C-000001", "status": "open"})
    head = store.head()

    def finish(txn: Transaction) -> None:
        txn.update("cases", "C-000001", {"status": "in_review"})
        raise ConflictError("the case was decided meanwhile")

    with store.staging("minji") as st:
        _stage_reports(st, 4)
        with pytest.raises(ConflictError):
            st.publish(finish)
    assert second.count("reports") == 0
    assert second.get("cases", "C-000001")["status"] == "open"
    assert second.head() == head
    assert second.verify().ok


def test_a_staged_key_that_exists_publishes_nothing(store: Store, second: Store) -> None:
    with store.transaction("setup") as txn:
        txn.insert("reports", "R-00003", {"report_id": "R-00003"})
    head = store.head()
    with store.staging("minji") as st:
        _stage_reports(st, 6)
        with pytest.raises(ConflictError):
            st.publish()
    assert second.count("reports") == 1
    assert second.head() == head
    assert second.verify().ok


def test_a_conflict_in_an_early_batch_publishes_nothing(
    store: Store, second: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL sends batches from a thread, several queued ahead: the first batch's
    error is raised in the staging's thread (at a later add or at publish) and the
    batches queued after it are dropped."""
    from appeals_tui.store.postgres import staging as pg_staging

    monkeypatch.setattr(pg_staging, "BATCH", 2)
    with store.transaction("setup") as txn:
        txn.insert("reports", "R-00001", {"report_id": "R-00001"})
    head = store.head()
    with pytest.raises(ConflictError), store.staging("minji") as st:
        _stage_reports(st, 40)
        st.publish()
    assert second.count("reports") == 1
    assert second.head() == head
    assert second.verify().ok


def test_other_writers_commit_while_a_staging_is_open(store: Store, second: Store) -> None:
    with store.transaction("setup") as txn:
        txn.insert("cases", "C-000001", {"case_id": "C-000001", "n": 0})
    with store.staging("minji") as st:
        _stage_reports(st, 50)
        for n in range(3):  # another process's writes and reads go on meanwhile
            with second.transaction("lead") as txn:
                txn.update("cases", "C-000001", {"n": n + 1})
            assert second.get("cases", "C-000001")["n"] == n + 1

        def finish(txn: Transaction) -> None:  # sees what others committed meanwhile
            case = txn.get("cases", "C-000001")
            assert case is not None and case["n"] == 3
            txn.update("cases", "C-000001", {"reports": 50})

        st.publish(finish)
    case = second.get("cases", "C-000001")
    assert case["n"] == 3 and case["reports"] == 50
    assert second.count("reports") == 50
    result = second.verify()
    assert result.ok, result.problem


def test_published_records_survive_reopening(store: Store, target: str) -> None:
    from appeals_tui.store.factory import open_store

    with store.staging("minji") as st:
        _stage_reports(st, 30)
        st.event("case.opened", "case:C-000001", {"n": 1})
        st.publish()
    with store.transaction("lead") as txn:  # a later ordinary write builds on it
        txn.update("reports", "R-00007", {"note": "seen"})
    with open_store(target) as again:
        assert again.count("reports") == 30
        assert again.get("reports", "R-00007")["version"] == 2
        assert [e["type"] for e in again.events_for(["case:C-000001"])] == ["case.opened"]
        result = again.verify()
        assert result.ok, result.problem


def test_ids_handed_out_by_a_staging_are_kept_by_publish(store: Store, second: Store) -> None:
    with store.transaction("setup") as txn:
        assert txn.next_id("C") == "C-000001"
    with store.staging("minji") as st:
        assert [st.next_id("C"), st.next_id("C")] == ["C-000002", "C-000003"]
        st.publish()
    with second.transaction("lead") as txn:
        assert txn.next_id("C") == "C-000004"
    assert second.verify().ok


def test_ids_taken_by_another_writer_meanwhile_are_a_conflict(store: Store, second: Store) -> None:
    with store.staging("minji") as st:
        case_id = st.next_id("C")
        st.add("cases", case_id, {"case_id": case_id})
        with second.transaction("lead") as txn:
            txn.next_id("C")
        with pytest.raises(ConflictError):
            st.publish()
    assert second.count("cases") == 0
    assert second.verify().ok
