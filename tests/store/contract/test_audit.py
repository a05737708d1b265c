"""Contract: the audit chain -- append, read back by seq and entity, head, verify."""

from __future__ import annotations

from appeals_tui.store.audit import GENESIS, check_chain
from appeals_tui.store.factory import open_store
from appeals_tui.store.protocol import ChainHead, Store


def _write(store: Store, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        with store.transaction(f"user{i % 2}") as txn:
            txn.insert("cases", f"C-{i}", {"case_id": f"C-{i}", "status": "open"})
            txn.event("case.created", f"case:C-{i}", {"i": i})
            if i % 3 == 0:
                txn.event("note.added", "case:C-0", {"i": i})


def test_events_form_a_chain_readable_by_seq_and_entity(store: Store, second: Store) -> None:
    assert store.head() == ChainHead(0, GENESIS)
    _write(store, 6)
    events = second.events()
    assert [e["seq"] for e in events] == list(range(1, 9))
    assert check_chain(events) == (None, "")
    assert {e["actor"] for e in events} == {"user0", "user1"}
    assert events[0]["type"] == "case.created" and events[0]["payload"] == {"i": 0}
    assert second.events(since_seq=6) == events[6:]
    assert second.head() == ChainHead(8, events[-1]["hash"])
    about = second.events_for(["case:C-0", "case:C-4"])
    assert [e["seq"] for e in about] == [
        e["seq"] for e in events if e["entity"] in ("case:C-0", "case:C-4")
    ]
    assert second.events_for([]) == [] and second.events_for(["case:none"]) == []


def test_events_survive_upkeep_and_reopening(store: Store, target: str) -> None:
    _write(store, 4)
    before = store.events()
    store.compact()
    _write(store, 1, first=4)
    with open_store(target) as again:
        assert again.events()[: len(before)] == before
        assert again.head() == store.head()
        assert again.verify().ok


def test_verify_finds_a_tampered_event(backend, target: str) -> None:
    from appeals_tui.store.factory import create_store

    with create_store(target) as store:
        _write(store, 5)
        result = store.verify()
        assert result.ok and result.problem == "" and result.events_checked == 7
    backend.tamper_event(target, 3)
    with open_store(target) as store:
        result = store.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "3" in result.problem
