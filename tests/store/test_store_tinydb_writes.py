"""TinyDB's own write logic over the journal batch (store/table.py): what its updaters
change becomes the journal line, nothing they only read does, and a batch that skips
the transaction's attestation is caught by `verify`."""

from __future__ import annotations

from store_helpers import add_cases
from tinydb import Query

from appeals_tui.store import Workspace
from appeals_tui.store import journal as jf
from appeals_tui.store.table import Keyed


def last_puts(ws: Workspace) -> dict[str, dict]:
    record = jf.decode_line((ws.path / jf.JOURNAL).read_bytes().splitlines()[-1])
    return {op[2]: op[3] for op in record["ops"] if op[0] == "put"}


def test_an_update_by_query_journals_only_the_docs_it_changes(ws: Workspace) -> None:
    add_cases(ws, 3)
    with ws.transaction("a") as txn:
        txn.update("cases", "C-000002", {"status": "closed"})
    storage = ws._storage
    with storage.exclusive(), storage.journal("a"):
        table = ws.db.table("cases")
        changed = table.update({"flag": True}, Query().status == "open")
        # a later write of the same batch reads the earlier one
        table.update(lambda doc: doc.update(n=len(doc)), doc_ids=["C-000001"])
    assert sorted(changed) == ["C-000001", "C-000003"]
    puts = last_puts(ws)
    assert sorted(puts) == ["C-000001", "C-000003"]  # C-000002 was read, not written
    assert puts["C-000001"]["flag"] is True and puts["C-000001"]["n"] == 4
    assert ws.get("cases", "C-000001") == puts["C-000001"]
    assert "flag" not in ws.get("cases", "C-000002")
    assert [d["title"] for d in ws.lookup("cases", "flag", True)] == [
        "case C-000001",
        "case C-000003",
    ]
    # the seam is the store's own: these records skipped the transaction's attestation
    result = ws.verify()
    assert not result.ok and ("C-000001" in result.problem or "C-000003" in result.problem)


def test_a_replayed_batch_matches_what_the_writer_applied(ws: Workspace, ws_path) -> None:
    add_cases(ws, 2)
    storage = ws._storage
    with storage.exclusive(), storage.journal("a"):
        ws.db.table("cases").upsert(Keyed({"status": "closed", "title": "new"}, "C-000002"))
        ws.db.table("cases").insert(Keyed({"status": "open", "title": "third"}, "C-000003"))
    other = Workspace.open(ws_path)  # replays the journal line from disk
    try:
        for key in ("C-000001", "C-000002", "C-000003"):
            assert other.get("cases", key) == ws.get("cases", key)
        assert ws.get("cases", "C-000002")["status"] == "closed"
        assert ws.get("cases", "C-000002")["version"] == 1  # upsert merged into the old doc
    finally:
        other.close()
