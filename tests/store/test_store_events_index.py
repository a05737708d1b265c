"""`ws.events_for` reads through an index; it must match the full scan."""

from __future__ import annotations

from appeals_tui.store import Workspace


def _write(ws: Workspace, entities: list[str], rounds: int) -> None:
    for r in range(rounds):
        with ws.transaction("t") as txn:
            for e in entities:
                txn.event("thing.done", e, {"round": r, "entity": "case:decoy"})


def test_events_for_matches_a_full_scan_across_snapshot_and_journal(ws: Workspace) -> None:
    entities = ["case:C-1", "decision:D-1", 'odd "quoted" \\ entity', "케이스:1"]
    _write(ws, entities, 3)
    ws.compact()  # these events now live in the snapshot
    _write(ws, entities[1:], 2)  # these in the journal
    ws.events_for(["case:C-1"])  # builds the index
    ws.compact()  # a new snapshot: the index must follow it
    _write(ws, entities[:2], 1)
    everything = ws.events()
    for wanted in ([entities[0]], entities[1:3], entities, ["case:decoy"], []):
        assert ws.events_for(wanted) == [e for e in everything if e["entity"] in wanted]


def test_events_for_sees_other_processes(ws: Workspace, ws_path) -> None:
    _write(ws, ["case:C-1"], 2)
    ws.compact()
    assert len(ws.events_for(["case:C-1"])) == 2
    other = Workspace.open(ws_path)
    _write(other, ["case:C-1"], 1)
    other.compact()
    other.close()
    assert [e["seq"] for e in ws.events_for(["case:C-1"])] == [1, 2, 3]
