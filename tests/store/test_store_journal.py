"""Durability: reopen, compaction, refresh across objects, torn tails, damage, locks, migrations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from store_helpers import add_cases, journal_lines, write_journal_lines
from tinydb import Query

from appeals_tui.cli import exit_code
from appeals_tui.domain.errors import ConflictError, StoreError
from appeals_tui.store import Workspace, journal, migrations
from appeals_tui.store.journal import JOURNAL, SNAPSHOT


def state(ws: Workspace) -> tuple:
    return ws.all("cases"), ws.events(), ws.meta("next_id:C")


def test_reopen_replays_journal(ws: Workspace, ws_path: Path) -> None:
    add_cases(ws, 5)
    before = state(ws)
    ws.close()
    with Workspace.open(ws_path) as again:
        assert state(again) == before
        assert list(again.db.storage.read()["cases"])[:2] == ["C-000001", "C-000002"]


@pytest.mark.parametrize("compactions", [1, 2, 3])
def test_compaction_round_trip(ws: Workspace, ws_path: Path, compactions: int) -> None:
    for _ in range(compactions):
        add_cases(ws, 4)
        ws.compact()
    add_cases(ws, 2)  # some in the new journal too
    before = state(ws)
    assert len(journal_lines(ws_path)) == 1 + 2
    assert state(ws) == before
    ws.close()
    with Workspace.open(ws_path) as again:
        assert state(again) == before
        assert again.verify().ok
        assert [e["seq"] for e in again.events(since_seq=3)][:2] == [4, 5]


def test_create_refuses_existing_and_open_needs_workspace(ws: Workspace, tmp_path) -> None:
    with pytest.raises(StoreError, match="already exists"):
        Workspace.create(ws.path)
    missing = tmp_path / "nowhere"
    assert not Workspace.exists(missing)
    with pytest.raises(StoreError) as err:
        Workspace.open(missing)
    assert str(err.value) == f"no workspace at {missing}; run `appeals init --admin NAME` first"


def test_refresh_sees_other_objects_writes(ws: Workspace, ws_path: Path) -> None:
    other = Workspace.open(ws_path)
    open_q = Query().status == "open"
    assert other.db.table("cases").search(open_q) == []  # cached empty result
    assert other.refresh() is False
    add_cases(ws, 2)
    assert other.refresh() is True
    assert other.refresh() is False
    assert len(other.db.table("cases").search(open_q)) == 2  # cache invalidated
    with other.transaction("bob") as txn:
        txn.update("cases", "C-000001", {"status": "closed"}, expected_version=1)
    assert ws.get("cases", "C-000001")["status"] == "closed"
    assert len(ws.db.table("cases").search(open_q)) == 1
    with pytest.raises(ConflictError), ws.transaction("alice") as txn:
        txn.update("cases", "C-000001", {"status": "open"}, expected_version=1)
    other.close()


def test_refresh_after_other_process_compacts(ws: Workspace, ws_path: Path) -> None:
    other = Workspace.open(ws_path)
    add_cases(ws, 3)
    other.refresh()
    ws.compact()
    add_cases(ws, 1)
    assert other.refresh() is True
    assert state(other) == state(ws)
    assert other.db.table("cases").count(Query().status == "open") == 4
    add_cases(other, 1)  # the other can append to the new journal
    assert ws.count("cases") == 5
    other.close()


def test_torn_tail_is_ignored_then_truncated(ws: Workspace, ws_path: Path) -> None:
    add_cases(ws, 3)
    before = state(ws)
    ws.close()
    good = (ws_path / JOURNAL).read_bytes()
    torn = journal.encode_line({"r": 4, "actor": "x", "ops": [], "events": []})[:-7]
    (ws_path / JOURNAL).write_bytes(good + torn)
    again = Workspace.open(ws_path)
    assert state(again) == before
    assert (ws_path / JOURNAL).stat().st_size == len(good) + len(torn)  # opening never writes
    add_cases(again, 1)
    data = (ws_path / JOURNAL).read_bytes()
    assert data.startswith(good) and torn not in data and data.endswith(b"\n")
    assert again.count("cases") == 4 and again.verify().ok
    again.close()


# A complete (newline-ended) bad last line is damage, not a torn tail: see
# tests/trust/test_tamper.py::test_corrupted_last_record_refuses_to_open.
@pytest.mark.parametrize("tail", [b"garbage-without-newline", b"\x00" * 40])
def test_unterminated_last_line_is_a_torn_tail(ws: Workspace, ws_path: Path, tail: bytes) -> None:
    add_cases(ws, 2)
    with open(ws_path / JOURNAL, "ab") as fh:
        fh.write(tail)
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 2
        add_cases(again, 1)
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 3


@pytest.mark.parametrize("damage", ["flip", "chop", "zeros"])
def test_damage_mid_file_refuses_to_open(ws: Workspace, ws_path: Path, damage: str) -> None:
    add_cases(ws, 4)
    lines = journal_lines(ws_path)
    line = lines[2]
    lines[2] = {
        "flip": line.replace(b"open", b"shut", 1),
        "chop": line[: len(line) // 2],
        "zeros": b"\x00" * len(line),
    }[damage]
    write_journal_lines(ws_path, lines)
    with pytest.raises(StoreError, match=rf"{JOURNAL}: line 3 is damaged"):
        Workspace.open(ws_path)
    result = ws.verify()
    assert not result.ok and "line 3" in result.problem and result.first_broken_seq == 2


def test_refresh_also_refuses_damage(ws: Workspace, ws_path: Path) -> None:
    other = Workspace.open(ws_path)
    add_cases(ws, 3)
    lines = journal_lines(ws_path)
    lines[1] = lines[1][:20]
    write_journal_lines(ws_path, lines)
    with pytest.raises(StoreError, match="line 2 is damaged"):
        other.refresh()
    other.close()


def test_crash_between_snapshot_and_new_journal(ws: Workspace, ws_path: Path) -> None:
    """A compaction that renamed the snapshot but died before replacing the journal."""
    add_cases(ws, 3)
    old_journal = (ws_path / JOURNAL).read_bytes()
    ws.compact()
    (ws_path / JOURNAL).write_bytes(old_journal)  # the pre-compaction journal is back
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 3 and len(again.events()) == 3
        add_cases(again, 1)  # replaces the stale journal, under the lock
        assert again.verify().ok
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 4


def test_crash_before_snapshot_rename_leaves_tmp_file_harmless(ws: Workspace, ws_path) -> None:
    add_cases(ws, 2)
    (ws_path / (SNAPSHOT + ".tmp")).write_bytes(b"half a snapshot")
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 2
        again.compact()
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 2


def test_missing_journal_is_recreated(ws: Workspace, ws_path: Path) -> None:
    add_cases(ws, 2)
    ws.compact()
    ws.close()
    (ws_path / JOURNAL).unlink()
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 2
        add_cases(again, 1)
    assert (ws_path / JOURNAL).exists()


def test_lock_timeout_message(ws: Workspace, ws_path: Path) -> None:
    other = Workspace.open(ws_path, lock_timeout=0.2)
    with ws.transaction("alice"):
        with pytest.raises(StoreError) as err, other.transaction("bob"):
            pass
        assert str(err.value).startswith("workspace busy: locked by PID ")
        assert str(err.value).endswith("(waited 0.2s); try again")
        assert exit_code(err.value) == 4  # the CLI's "busy, try again"
        assert other.get("cases", "x") is None  # unchanged files: no lock needed to read
    other.close()


def test_auto_compaction(ws_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(Workspace, "AUTO_COMPACT_BYTES", 4000)
    ws = Workspace.create(ws_path)
    add_cases(ws, 30)
    assert (ws_path / JOURNAL).stat().st_size < 4000
    assert ws.count("cases") == 30 and ws.verify().ok
    ws.close()


def test_disk_usage(ws: Workspace, ws_path: Path) -> None:
    before = ws.disk_usage()
    add_cases(ws, 3)
    assert ws.disk_usage() > before
    assert ws.disk_usage() == sum(os.path.getsize(p) for p in ws_path.iterdir())


def test_migration_runs_once_on_open(ws: Workspace, ws_path: Path, monkeypatch) -> None:
    add_cases(ws, 2)
    ws.close()
    calls = []

    def to_v2(txn) -> None:
        calls.append(1)
        for doc in txn.all("cases"):
            key = doc["title"].removeprefix("case ")
            txn.update("cases", key, {"priority": "normal"})

    now = Workspace.SCHEMA_VERSION
    monkeypatch.setitem(migrations.MIGRATIONS, now, to_v2)
    monkeypatch.setattr(Workspace, "SCHEMA_VERSION", now + 1)
    with Workspace.open(ws_path) as again:
        assert again.meta("schema_version") == now + 1
        assert again.verify().ok
        assert all(d["priority"] == "normal" and d["version"] == 2 for d in again.all("cases"))
        assert again.events()[-1]["type"] == "schema.migrated"
    with Workspace.open(ws_path):
        pass
    assert calls == [1]


def test_missing_migration_and_newer_schema(ws: Workspace, ws_path, monkeypatch) -> None:
    ws.close()
    now = Workspace.SCHEMA_VERSION
    monkeypatch.setattr(Workspace, "SCHEMA_VERSION", now + 1)
    with pytest.raises(StoreError, match=f"no migration from workspace schema {now} to {now + 1}"):
        Workspace.open(ws_path)
    monkeypatch.setattr(Workspace, "SCHEMA_VERSION", now - 1)
    with pytest.raises(StoreError, match="newer than this program"):
        Workspace.open(ws_path)


def test_damaged_journal_header_is_not_mistaken_for_stale(ws: Workspace, ws_path: Path) -> None:
    add_cases(ws, 2)
    ws.close()
    lines = journal_lines(ws_path)
    lines[0] = lines[0].replace(b"generation", b"generatiom")
    write_journal_lines(ws_path, lines)
    with pytest.raises(StoreError, match="line 1 is damaged"):
        Workspace.open(ws_path)


def test_failed_auto_compaction_keeps_the_acknowledged_commit(ws_path: Path, monkeypatch) -> None:
    ws = Workspace.create(ws_path)
    monkeypatch.setattr(Workspace, "AUTO_COMPACT_BYTES", 1)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal, "write_snapshot", disk_full)
    add_cases(ws, 2)  # each commit tries to compact and fails; no exception escapes
    monkeypatch.undo()
    assert ws.count("cases") == 2
    ws.close()
    with Workspace.open(ws_path) as again:
        assert again.count("cases") == 2 and again.verify().ok


def test_refresh_is_lock_free_when_nothing_changed(ws: Workspace, monkeypatch) -> None:
    add_cases(ws, 1)
    ws.refresh()

    def no_lock():
        raise AssertionError("took the lock")

    monkeypatch.setattr(ws._lock, "shared", no_lock)
    for _ in range(3):
        assert ws.refresh() is False
        assert ws.get("cases", "C-000001") is not None
