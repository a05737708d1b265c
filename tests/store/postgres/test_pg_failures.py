"""PostgreSQL-specific failures: a client killed mid-transaction, a server restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appeals_tui.store.postgres.connect import DatabaseUnreachable
from appeals_tui.store.postgres.store import PostgresStore

ROOT = Path(__file__).parents[3]

CHILD = textwrap.dedent(
    """
    import sys, time
    from appeals_tui.store.postgres.store import PostgresStore
    store = PostgresStore.open(sys.argv[1])
    with store.transaction("root") as txn:
        txn.insert("cases", "C-KILLED", {"status": "open"})
        txn.event("case.opened", "case:C-KILLED", {})
        print("inside", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def store(pg_url):
    s = PostgresStore.create(pg_url)
    with s.transaction("root") as txn:
        txn.insert("cases", "C-1", {"status": "open"})
        txn.event("case.opened", "case:C-1", {})
    yield s
    s.close()


def test_a_client_killed_mid_transaction_leaves_nothing_and_blocks_no_one(store, pg_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, pg_url], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "inside"  # holds the writer lock now
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    store._lock_timeout = 20.0
    with store.transaction("root") as txn:  # the server noticed, rolled back, let go
        txn.insert("cases", "C-2", {"status": "open"})
        txn.event("case.opened", "case:C-2", {})
    assert store.get("cases", "C-KILLED") is None
    assert [e["entity"] for e in store.events()] == ["case:C-1", "case:C-2"]
    assert store.head().seq == 2
    assert store.verify().ok


def test_a_server_restart_between_two_commands_is_survived(store, pg_cluster):
    assert store.get("cases", "C-1")["status"] == "open"
    pg_cluster.pg_ctl("restart", "-m", "fast")
    assert store.get("cases", "C-1")["status"] == "open"  # reconnected, no error
    with store.transaction("root") as txn:
        txn.update("cases", "C-1", {"status": "in_review"}, expected_version=1)
    assert store.get("cases", "C-1")["version"] == 2


def test_a_stopped_server_is_one_clear_error(store, pg_cluster):
    pg_cluster.pg_ctl("stop", "-m", "fast")
    try:
        with pytest.raises(DatabaseUnreachable, match="database unreachable at postgresql://"):
            store.get("cases", "C-1")
        with pytest.raises(DatabaseUnreachable):
            with store.transaction("root") as txn:
                txn.update("cases", "C-1", {"status": "x"})
    finally:
        pg_cluster.pg_ctl("start")
    assert store.get("cases", "C-1")["status"] == "open"


def test_verify_names_a_record_edited_behind_the_chain(store, pg_url):
    import psycopg

    with store.transaction("root") as txn:
        txn.insert(
            "decisions", "D-1", {"decision_id": "D-1", "reasoning": "Labelled: narrative only."}
        )
        txn.event("decision.recorded", "decision:D-1", {})
    assert store.verify().ok
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the owner, bypassing the app
        conn.execute("UPDATE decisions SET reasoning = 'rewritten' WHERE decision_id = 'D-1'")
    result = store.verify()
    assert not result.ok
    assert (result.table, result.record, result.field) == ("decisions", "D-1", "reasoning")
    assert "decisions D-1" in result.problem


def test_verify_reads_one_instant_while_a_writer_commits(store, pg_url, monkeypatch):
    """verify read the chain, then the records, each on its own connection: a decide
    committed in between made the record newer than the chain it had read, and a
    healthy live database failed verify ("differs from the audit chain")."""
    writer = PostgresStore.open(pg_url)
    real = PostgresStore._replay

    def replay_after_a_commit(self, *args):
        with writer.transaction("root") as txn:  # another client commits meanwhile
            case = txn.get("cases", "C-1")
            txn.update("cases", "C-1", {"status": "decided"}, expected_version=case["version"])
            txn.event("case.decided", "case:C-1", {})
        return real(self, *args)

    monkeypatch.setattr(PostgresStore, "_replay", replay_after_a_commit)
    try:
        result = store.verify()
        assert result.ok, result.problem
        monkeypatch.setattr(PostgresStore, "_replay", real)
        assert store.verify().ok  # and the next verify sees the new commit, whole
        assert store.get("cases", "C-1")["status"] == "decided"
    finally:
        writer.close()
