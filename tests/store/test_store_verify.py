"""verify(): edited, removed and reordered events are found and named, wherever they live."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import add_cases, reencode

from appeals_tui.domain.errors import StoreError
from appeals_tui.store import Workspace
from appeals_tui.store.journal import JOURNAL, SNAPSHOT, decode_line

# Where event `seq` sits: journal line seq+1 (one event per txn, after the header), or
# once compacted snapshot line seq+2+records (after header, meta and the table records).
PLACES = {"journal": JOURNAL, "snapshot": SNAPSHOT}


@pytest.fixture(params=sorted(PLACES))
def place(request, ws: Workspace) -> tuple[Path, int]:
    add_cases(ws, 20)
    if request.param == "journal":
        return ws.path / JOURNAL, 1
    ws.compact()
    header = decode_line((ws.path / SNAPSHOT).read_bytes().split(b"\n", 1)[0])
    records = sum(section[0] for section in header["tables"].values())
    assert records == 20
    return ws.path / SNAPSHOT, 2 + records


def edit_lines(path: Path, edit) -> None:
    lines = path.read_bytes().split(b"\n")[:-1]
    edit(lines)
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def events_of(obj: dict) -> list[dict]:
    return obj["events"] if "events" in obj else [obj]


def test_clean_workspace_verifies(ws: Workspace, place) -> None:
    result = ws.verify()
    assert result.ok and result.problem == "" and result.first_broken_seq is None
    assert result.events_checked == 20


def test_edited_event_with_valid_checksum(ws: Workspace, place) -> None:
    path, offset = place

    def tamper(obj: dict) -> None:
        events_of(obj)[0]["payload"]["title"] = "something else"

    edit_lines(
        path,
        lambda lines: lines.__setitem__(17 + offset - 1, reencode(lines[17 + offset - 1], tamper)),
    )
    result = ws.verify()
    assert not result.ok and result.first_broken_seq == 17
    assert result.problem == "event 17: hash does not match its contents (edited?)"


def test_edited_event_with_rehash_breaks_the_next_link(ws: Workspace, place) -> None:
    from appeals_tui.store.audit import event_hash

    path, offset = place

    def tamper(obj: dict) -> None:
        ev = events_of(obj)[0]
        ev["actor"] = "mallory"
        ev["hash"] = event_hash(ev)

    edit_lines(
        path,
        lambda lines: lines.__setitem__(17 + offset - 1, reencode(lines[17 + offset - 1], tamper)),
    )
    result = ws.verify()
    assert result.first_broken_seq == 18
    assert result.problem == "event 18: prev_hash does not match event 17's hash"


def test_edited_line_without_checksum_fix(ws: Workspace, place) -> None:
    path, offset = place
    edit_lines(
        path,
        lambda lines: lines.__setitem__(
            17 + offset - 1, lines[17 + offset - 1].replace(b"open", b"shut")
        ),
    )
    result = ws.verify()
    assert not result.ok and result.first_broken_seq == 17
    assert f"{path.name}: line {17 + offset}: checksum mismatch" in result.problem


def test_removed_event(ws: Workspace, place) -> None:
    path, offset = place
    edit_lines(path, lambda lines: lines.pop(12 + offset - 1))
    result = ws.verify()
    assert not result.ok and result.first_broken_seq == 12
    assert result.problem == "event 12 missing (chain jumps from 11 to 13)"


def test_reordered_events(ws: Workspace, place) -> None:
    path, offset = place
    i = 9 + offset - 1

    def swap(lines: list[bytes]) -> None:
        lines[i], lines[i + 1] = lines[i + 1], lines[i]

    edit_lines(path, swap)
    result = ws.verify()
    assert not result.ok and result.first_broken_seq == 9
    assert result.problem == "event 9 out of order"
    if path.name == JOURNAL:
        with pytest.raises(StoreError, match="out of order"):
            Workspace.open(ws.path)


def test_removed_last_events_are_noticed_against_what_was_acknowledged(
    ws: Workspace, place
) -> None:
    path, offset = place
    edit_lines(path, lambda lines: lines.pop())
    result = ws.verify()
    assert not result.ok and result.first_broken_seq == 20
    assert result.problem.startswith("event 20 missing")


def test_verify_counts_records(ws: Workspace) -> None:
    add_cases(ws, 3)
    result = ws.verify()
    assert (result.events_checked, result.records_checked) == (3, 2 + 1 + 3)
