"""Finding 2: tamper evidence covers every record, and a head kept elsewhere
catches a cut tail, a rollback and a re-hashed chain.

The attacker here can write the workspace files and knows the format: every
edited line gets a valid checksum, edited snapshots get a consistent header.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.domain.errors import StoreError
from appeals_tui.store import Workspace
from appeals_tui.store import journal as jf
from appeals_tui.store.attest import digest
from appeals_tui.store.audit import GENESIS, event_hash
from appeals_tui.store.journal import JOURNAL, SNAPSHOT, decode_line, encode_line
from tests.conftest import removal

Doc = dict[str, Any]


@pytest.fixture
def decided(ws_path: Path, sessions) -> tuple[Path, str]:
    """A workspace with one decision (journal not compacted)."""
    decision = removal(sessions("minji"))
    sessions("minji").ws.close()
    return ws_path, decision.decision_id


def verify(path: Path, *extra: str):
    return CliRunner().invoke(cli, ["--data-dir", str(path), "verify", *extra])


def journal_records(path: Path) -> list[Doc]:
    return [decode_line(line) for line in (path / JOURNAL).read_bytes().split(b"\n")[:-1]]


def write_journal(path: Path, records: list[Doc]) -> None:
    (path / JOURNAL).write_bytes(b"".join(encode_line(r) for r in records))


def edit_journal_put(path: Path, table: str, key: str, edit: Callable[[Doc], None]) -> None:
    """Change the newest journalled version of a record, checksum fixed."""
    records = journal_records(path)
    for rec in reversed(records[1:]):
        for op in rec["ops"]:
            if op[0] == "put" and op[1] == table and op[2] == key:
                edit(op[3])
                write_journal(path, records)
                return
    raise AssertionError(f"{table} {key} not in the journal")


def rewrite_snapshot(path: Path, edit: Callable[[dict[str, dict[str, Doc]]], None]) -> None:
    """Re-write the snapshot with edited tables and a consistent header (what a
    careful attacker with our own code does)."""
    with Workspace.open(path) as ws:
        ws.compact()
        tables = {
            name: {key: dict(doc) for key, doc in docs.items()}
            for name, docs in ws.db.storage.read().items()
        }
        meta = dict(ws._rep.meta)
        events = ws.events()
        header = {"generation": 99, "events": len(events), "last_hash": events[-1]["hash"]}
    edit(tables)
    jf.write_snapshot(
        path,
        header,
        meta,
        [(name, [encode_line([k, d]) for k, d in docs.items()]) for name, docs in tables.items()],
        [encode_line(e) for e in events],
    )
    jf.write_new_journal(path, 99)


def test_clean_workspace_verifies_every_record(decided) -> None:
    path, _ = decided
    result = verify(path)
    assert result.exit_code == 0, result.output
    assert "records" in result.output and "verified; head " in result.output


@pytest.mark.parametrize(
    ("table", "key", "field", "value"),
    [
        ("decisions", None, "action", "no_action"),
        ("decisions", None, "reasoning", "Nothing to see here."),
        ("decisions", None, "moderator", "daniel"),
        ("users", "minji", "role", "lead"),
    ],
)
def test_edited_record_in_journal_is_named(decided, table, key, field, value) -> None:
    path, decision_id = decided
    key = key or decision_id
    if table == "users":  # the import folded the roster into the snapshot: write it again
        with Workspace.open(path) as ws, ws.transaction("system") as txn:
            txn.update("users", key, {"note": "re-saved"})
    edit_journal_put(path, table, key, lambda doc: doc.__setitem__(field, value))
    result = verify(path)
    assert result.exit_code == 1
    assert f"{table} {key}: field '{field}' differs from the audit chain" in result.output


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [("decisions", "action", "no_action"), ("users", "role", "admin")],
)
def test_edited_record_in_snapshot_is_named(decided, table, field, value) -> None:
    path, decision_id = decided
    key = decision_id if table == "decisions" else "minji"
    rewrite_snapshot(path, lambda t: t[table][key].__setitem__(field, value))
    result = verify(path, "--json")
    assert result.exit_code == 1
    assert f"{table} {key}: field '{field}' differs" in result.output
    assert f'"table": "{table}"' in result.output and f'"field": "{field}"' in result.output


def test_deleted_record_is_found(decided) -> None:
    path, decision_id = decided
    rewrite_snapshot(path, lambda t: t["decisions"].pop(decision_id))
    result = verify(path)
    assert result.exit_code == 1
    assert f"decisions {decision_id}: missing (deleted?)" in result.output


def test_record_added_outside_the_app_is_found(decided) -> None:
    path, decision_id = decided
    forged = {"decision_id": "D-999999", "action": "suspend_account"}
    rewrite_snapshot(path, lambda t: t["decisions"].__setitem__("D-999999", forged))
    result = verify(path)
    assert result.exit_code == 1
    assert "decisions D-999999: not in the audit chain" in result.output


def test_verify_head_and_expect(decided) -> None:
    path, _ = decided
    head = verify(path, "--head").output.strip()
    seq, _, hash_hex = head.partition(":")
    assert int(seq) > 1 and len(hash_hex) == 64
    assert verify(path, "--expect", head).exit_code == 0
    bad = verify(path, "--expect", "nonsense")
    assert bad.exit_code == 1 and "SEQ:HASH" in bad.output


def test_cut_tail_is_caught_by_the_kept_head(decided) -> None:
    path, _ = decided
    head = verify(path, "--head").output.strip()
    write_journal(path, journal_records(path)[:-1])  # drop the decision's record
    assert verify(path).exit_code == 0  # consistent on its own...
    result = verify(path, "--expect", head)  # ...but not with the head kept elsewhere
    assert result.exit_code == 1
    assert "is gone" in result.output


def test_rollback_to_an_older_copy_is_caught(ws_path: Path, sessions, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(ws_path, backup)
    removal(sessions("minji"))
    sessions("minji").ws.close()
    head = verify(ws_path, "--head").output.strip()
    shutil.rmtree(ws_path)
    shutil.copytree(backup, ws_path)
    result = verify(ws_path, "--expect", head)
    assert result.exit_code == 1 and "is gone" in result.output


def test_rehashed_chain_is_caught_by_the_kept_head(decided) -> None:
    path, decision_id = decided
    head = verify(path, "--head").output.strip()
    records = journal_records(path)
    # edit the decision, its digest in the chain, and re-hash every event after it
    for rec in records[1:]:
        for op in rec["ops"]:
            if op[0] == "put" and op[1] == "decisions":
                op[3]["action"] = "no_action"
                for ev in rec["events"]:
                    attested = ev["payload"].get("records", {})
                    name = f"decisions/{decision_id}"
                    if name in attested:
                        attested[name] = digest(op[3])
    prev = _last_snapshot_hash(path)
    for rec in records[1:]:
        for ev in rec["events"]:
            ev["prev_hash"] = prev
            ev["hash"] = prev = event_hash(ev)
    write_journal(path, records)
    assert verify(path).exit_code == 0  # a perfect forgery on its own
    result = verify(path, "--expect", head)
    assert result.exit_code == 1
    assert "history was rewritten" in result.output


def _last_snapshot_hash(path: Path) -> str:
    header = decode_line((path / SNAPSHOT).read_bytes().split(b"\n", 1)[0])
    return header.get("last_hash") or GENESIS


def test_corrupted_last_record_refuses_to_open(decided) -> None:
    path, _ = decided
    data = (path / JOURNAL).read_bytes()
    lines = data.split(b"\n")[:-1]
    last = bytearray(lines[-1])
    last[len(last) // 2] ^= 0x01  # one flipped bit in the middle; still newline-ended
    lines[-1] = bytes(last)
    (path / JOURNAL).write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(StoreError, match=r"line \d+ \(the last one\) is damaged"):
        Workspace.open(path)
    assert verify(path).exit_code == 1
    # nothing was dropped (so no id can be handed out again): the file is untouched
    assert (path / JOURNAL).read_bytes().split(b"\n")[:-1] == lines


def test_snapshot_record_with_wrong_length_refuses_to_open(decided) -> None:
    path, decision_id = decided
    with Workspace.open(path) as ws:
        ws.compact()
    lines = (path / SNAPSHOT).read_bytes().split(b"\n")[:-1]
    for i, line in enumerate(lines):
        if line[9:].startswith(b'["' + decision_id.encode() + b'"'):
            key, doc = decode_line(line)
            doc["reasoning"] += " (edited)"
            lines[i] = encode_line([key, doc])[:-1]  # valid checksum, longer line
            break
    else:
        raise AssertionError("decision line not found")
    (path / SNAPSHOT).write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(StoreError, match="not where the header says"):
        Workspace.open(path)
    assert verify(path).exit_code == 1
