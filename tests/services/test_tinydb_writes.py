"""A service's write reaches the embedded tables through TinyDB's Table API (and its
transaction reads them through `Table.get`): our
`JournalTable` hands what TinyDB's upsert wrote to the journal batch, which becomes
one fsynced journal line before the live state (and its indexes) change. A TinyDB
write around the journal is refused and changes nothing."""

from __future__ import annotations

import orjson
import pytest
from tinydb.table import Document, Table

from appeals_tui.domain.errors import StoreError
from appeals_tui.services import decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.store import journal as jf
from appeals_tui.store.protocol import Filter, Op
from appeals_tui.store.table import JournalBatch, JournalTable, Keyed
from tests.conftest import GLAMOUR, case_for

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def last_record(path) -> dict:
    line = (path / jf.JOURNAL).read_bytes().splitlines()[-1]
    return jf.decode_line(line)


def test_a_decision_is_written_through_tinydbs_table_api(sessions, monkeypatch) -> None:
    minji = sessions("minji")
    ws = minji.ws
    cid = case_for(minji, "S1")
    upserts: list[tuple[str, str, type]] = []
    batched: list[tuple[str, str, dict]] = []
    at_append: list[str] = []
    txn_gets: list[tuple[str, str]] = []
    upsert, add, append, get = JournalTable.upsert, JournalBatch.add, jf.append, JournalTable.get

    def spy_get(table: JournalTable, cond=None, doc_id=None, doc_ids=None):
        if ws._txn is not None and doc_id is not None:  # a read of the open transaction
            txn_gets.append((table.name, doc_id))
        return get(table, cond, doc_id, doc_ids)

    def spy_upsert(table: JournalTable, document, cond=None):
        upserts.append((table.name, document.doc_id, type(document)))
        return upsert(table, document, cond)

    def spy_add(batch: JournalBatch, table: str, written) -> None:
        written = list(written)
        batched.extend((table, key, doc) for key, doc in written)
        add(batch, table, written)

    def spy_append(fd: int, offset: int, data: bytes) -> None:
        at_append.append(ws.get("cases", cid)["status"])  # the live doc, while writing
        append(fd, offset, data)

    monkeypatch.setattr(JournalTable, "upsert", spy_upsert)
    monkeypatch.setattr(JournalTable, "get", spy_get)
    monkeypatch.setattr(JournalBatch, "add", spy_add)
    monkeypatch.setattr(jf, "append", spy_append)
    draft = DecisionDraft(
        action="geo_block", clause_ids=["KR-1"], factors=dict(GLAMOUR), reasoning=REASON
    )
    decision = decisions.decide(minji, cid, draft)

    assert ("cases", cid, Keyed) in upserts
    assert ("cases", cid) in txn_gets  # the transaction read the case through TinyDB too
    assert ("decisions", decision.decision_id, Keyed) in upserts
    # the journal line holds exactly what TinyDB's updaters wrote, nothing else
    record = last_record(ws.path)
    puts = [(op[1], op[2], op[3]) for op in record["ops"] if op[0] == "put"]
    assert puts == [(t, k, orjson.loads(orjson.dumps(d))) for t, k, d in batched]
    # write-ahead: while the line was being written, the live case was still open
    assert at_append == ["open"]
    case = ws.get("cases", cid)
    assert case["status"] == "decided" and case == dict(next(d for t, k, d in batched if k == cid))
    # the secondary index saw the change (an indexed equality filter answers from it)
    found = ws.query("decisions", [Filter("case_id", Op.EQ, cid)]).rows
    assert [d["decision_id"] for d in found] == [decision.decision_id]
    assert ws.verify().ok


def test_a_failed_journal_write_leaves_the_live_state_alone(sessions, monkeypatch) -> None:
    minji = sessions("minji")
    ws = minji.ws
    cid = case_for(minji, "S1")
    before = ws.get("cases", cid)
    kept = orjson.dumps(before)

    def broken(fd: int, offset: int, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jf, "append", broken)
    draft = DecisionDraft(
        action="geo_block", clause_ids=["KR-1"], factors=dict(GLAMOUR), reasoning=REASON
    )
    with pytest.raises(StoreError, match="could not write"):
        decisions.decide(minji, cid, draft)
    # TinyDB's update ran on a copy: the stored doc was not touched in place
    assert ws.get("cases", cid) is before and orjson.dumps(before) == kept
    assert ws.count("decisions") == 0
    assert ws.query("decisions", [Filter("case_id", Op.EQ, cid)]).rows == []


def test_a_tinydb_write_around_the_journal_is_refused(sessions) -> None:
    ws = sessions("minji").ws
    cid = case_for(sessions("minji"), "S1")
    journal = (ws.path / jf.JOURNAL).read_bytes()
    live = ws.get("cases", cid)
    kept = orjson.dumps(live)

    class StockTable(Table):  # stock TinyDB's write path, with string doc ids
        document_id_class = str  # type: ignore[assignment]

    stock = StockTable(ws.db.storage, "cases")
    with pytest.raises(StoreError, match="refused"):
        stock.update({"status": "closed"}, doc_ids=[cid])
    with pytest.raises(StoreError, match="refused"):
        stock.insert(Document({"status": "open"}, "C-999999"))  # type: ignore[arg-type]
    ours = ws.db.table("cases")  # our table class, but no transaction open
    with pytest.raises(StoreError, match="refused"):
        ours.upsert(Keyed({**live, "status": "closed"}, cid))
    with pytest.raises(StoreError, match="refused"):
        ours.insert({"status": "open"})
    with pytest.raises(StoreError, match="refused"):
        ws.db.drop_tables()
    # nothing changed: not the live doc (stock TinyDB updated a copy), not the journal
    assert ws.get("cases", cid) is live and orjson.dumps(live) == kept
    assert (ws.path / jf.JOURNAL).read_bytes() == journal


def test_inside_a_journal_batch_records_are_never_removed(sessions) -> None:
    ws = sessions("minji").ws
    cid = case_for(sessions("minji"), "S1")
    journal = (ws.path / jf.JOURNAL).read_bytes()
    storage = ws._storage
    for remove in (
        lambda t: t.remove(doc_ids=[cid]),
        lambda t: t.truncate(),
        lambda t: t.insert({"status": "open"}),  # no doc id of ours: refused too
    ):
        with pytest.raises(StoreError), storage.exclusive(), storage.journal("minji"):
            table = ws.db.table("cases")
            table.upsert(Keyed({**ws.get("cases", cid), "title": "changed"}, cid))
            remove(table)
    # each batch failed as a whole: its upsert was not written either
    assert (ws.path / jf.JOURNAL).read_bytes() == journal
    assert ws.get("cases", cid).get("title") != "changed"
