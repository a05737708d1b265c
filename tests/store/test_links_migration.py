"""Contacts and text keys moved from `case_links` onto the case record: the embedded
store's schema 3 -> 4 (in bounded, journaled parts) and PostgreSQL's migration 7 (one
streamed bulk rewrite, attested in the chain)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from appeals_tui.store import Workspace, migrations
from appeals_tui.store.protocol import Filter, Op, Store

PHONE = "tel:+821048271936"


def _case(n: int) -> dict[str, Any]:
    return {
        "case_id": f"C-{n:06d}",
        "status": "open",
        "subject": {"account": f"acct{n % 3}", "platform": "instagram", "subject_id": f"P{n}"},
        "content_text": f"오늘 밤 {n}번 이야기",
        "report_ids": [],
    }


def _links(n: int) -> dict[str, Any]:
    contacts = [PHONE] if n % 2 else []
    key = None if n % 5 == 0 else 1000 + n % 4
    return {
        "case_id": f"C-{n:06d}",
        "account": f"acct{n % 3}",
        "contacts": contacts,
        "text_key": key,
    }


def _fill_old(store: Store, n: int) -> None:
    """Cases and their `case_links` records as schema 3 wrote them."""
    with store.transaction("t") as txn:
        for i in range(1, n + 1):
            txn.insert("cases", f"C-{i:06d}", _case(i))
            txn.insert("case_links", f"C-{i:06d}", _links(i))


def _old_workspace(path: Path, n: int) -> None:
    ws = Workspace.create(path)
    _fill_old(ws, n)
    with ws.transaction("t") as txn:
        txn.set_meta("schema_version", 3)
    ws.close()


def _carried(store: Store, n: int) -> None:
    """Every case carries its links' contacts and text key, changed exactly once."""
    for i in range(1, n + 1):
        case = store.get("cases", f"C-{i:06d}")
        assert case is not None
        want = _links(i)
        assert (case["contacts"], case["text_key"]) == (want["contacts"], want["text_key"])
        assert case["version"] == 2
        assert store.get("case_links", f"C-{i:06d}") is not None  # kept: old chains name it
    odd = sorted(f"C-{i:06d}" for i in range(1, n + 1) if i % 2)
    assert sorted(d["case_id"] for d in store.lookup("cases", "contacts", PHONE)) == odd
    assert store.count("cases", [Filter("text_key", Op.EQ, 1001)]) == len(
        [i for i in range(1, n + 1) if i % 5 and i % 4 == 1]
    )
    assert store.verify().ok


def test_an_old_workspace_carries_its_links_onto_its_cases_in_bounded_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(migrations, "LINKS_PART", 4)
    monkeypatch.setitem(
        migrations.PARTS, 3, lambda txn, after: migrations._links_onto_cases(txn, after, 4)
    )
    _old_workspace(tmp_path / "ws", 10)
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.meta("schema_version") == 4
        _carried(ws, 10)
        moved = [e["payload"]["cases"] for e in ws.events() if e["type"] == "cases.links_moved"]
        assert moved == [4, 4, 2]  # one journaled transaction per part
        assert ws.events()[-1]["type"] == "schema.migrated"
    with Workspace.open(tmp_path / "ws") as ws:  # once only
        assert [e["type"] for e in ws.events()].count("cases.links_moved") == 3


def test_a_crash_between_parts_keeps_the_parts_done_and_the_next_open_finishes(
    tmp_path, monkeypatch
):
    _old_workspace(tmp_path / "ws", 9)
    calls: list[int] = []

    def crashing(txn: Any, after: str | None) -> str | None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("killed mid-migration")
        return migrations._links_onto_cases(txn, after, 4)

    with monkeypatch.context() as m:
        m.setitem(migrations.PARTS, 3, crashing)
        with pytest.raises(OSError, match="killed"):
            Workspace.open(tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.meta("schema_version") == 4
        _carried(ws, 9)  # the 4 done before the crash were not carried twice (version 2)
        moved = [e["payload"]["cases"] for e in ws.events() if e["type"] == "cases.links_moved"]
        assert moved == [4, 5]


def test_a_case_without_links_is_left_as_it_was(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    with ws.transaction("t") as txn:
        txn.insert("cases", "C-000001", _case(1))
        txn.set_meta("schema_version", 3)
    ws.close()
    with Workspace.open(tmp_path / "ws") as again:
        case = again.get("cases", "C-000001")
        assert case is not None and "contacts" not in case and case["version"] == 1
        assert again.meta("schema_version") == 4 and again.verify().ok


def test_a_database_at_schema_6_carries_its_links_onto_its_cases(pg_url, monkeypatch):
    from appeals_tui.store.factory import create_store, open_store
    from appeals_tui.store.postgres import links
    from appeals_tui.store.postgres import migrations as pg_migrations

    store = create_store(pg_url)
    with store.transaction("system") as txn:
        txn.insert("users", "admin", {"name": "admin", "role": "admin"})
    _fill_old(store, 12)
    head = store.head()
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as migration 6 left it
        conn.execute("ALTER TABLE cases DROP COLUMN q_contacts, DROP COLUMN q_text_key")
        conn.execute("DELETE FROM appeals_schema WHERE version = 7")
        assert pg_migrations.schema_version(conn) == 6
    monkeypatch.setattr(links, "ATTEST_BATCH", 5)
    with open_store(pg_url) as again:
        assert again.meta("schema_version") == 4
        _carried(again, 12)
        attested = [e for e in again.events(head.seq) if e["type"] == "records.attested"]
        assert [len(e["payload"]["records"]) for e in attested] == [5, 5, 2]
        assert {n for e in attested for n in e["payload"]["records"]} == {
            f"cases/C-{i:06d}" for i in range(1, 13)
        }
    with psycopg.connect(pg_url, autocommit=True) as conn:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'cases'"
            ).fetchall()
        }
        assert {"cases_q_contacts", "cases_text_first"} <= names
        assert pg_migrations.schema_version(conn) == 7
