"""Decoding a table shares equal small values across records; updates stay per record."""

from __future__ import annotations

from appeals_tui.store import Workspace
from appeals_tui.store.share import MAX_STR, SAMPLE, Sharer

N = SAMPLE + 500  # past the sample, so unique paths switch their memo off


def doc(i: int) -> dict:
    return {
        "decision_id": f"D-{i:06d}",
        "status": ["open", "decided", "appealed"][i % 3],
        "factors": {"a": bool(i & 1), "b": bool(i & 2)},
        "clauses": [{"id": f"CSS-{i % 4}", "version": 1}],
        "cited": [],
        "reasoning": f"free text {i} " + "x" * MAX_STR,
        "metrics": {"views": i},
    }


def test_sharer_shares_repeated_values_and_keeps_unique_ones() -> None:
    sharer = Sharer()
    docs = [sharer.doc(doc(i)) for i in range(N)]
    assert docs == [doc(i) for i in range(N)]
    assert docs[0]["factors"] is docs[4]["factors"] and docs[1]["clauses"] is docs[5]["clauses"]
    assert docs[0]["status"] is docs[3]["status"]
    assert docs[0]["metrics"] is not docs[1]["metrics"]
    assert sharer.root.children["metrics"].on is False  # unique: memo dropped
    assert sharer.root.children["decision_id"].on is False
    long_text = sharer.doc({"reasoning": "y" * (MAX_STR + 1)})["reasoning"]
    assert sharer.doc({"reasoning": "y" * (MAX_STR + 1)})["reasoning"] is not long_text


def test_decoded_table_shares_values_and_an_update_touches_one_record(ws: Workspace) -> None:
    with ws.transaction("alice") as txn:
        for i in range(N):
            txn.insert("decisions", f"D-{i:06d}", doc(i))
    ws.compact()
    path = ws.path
    ws.close()
    with Workspace.open(path) as again:
        docs = {d["decision_id"]: d for d in again.all("decisions")}
        assert len(docs) == N
        first, twin = docs["D-000000"], docs["D-000004"]
        assert first["factors"] is twin["factors"]
        with again.transaction("alice") as txn:
            changed = dict(first["factors"], a=True)
            txn.update("decisions", "D-000000", {"factors": changed})
        assert again.get("decisions", "D-000000")["factors"] == {"a": True, "b": False}
        assert again.get("decisions", "D-000004")["factors"] == {"a": False, "b": False}
        assert twin["factors"] == {"a": False, "b": False}
    with Workspace.open(path) as again:
        assert again.get("decisions", "D-000004")["factors"] == {"a": False, "b": False}
        assert again.get("decisions", "D-000000")["factors"] == {"a": True, "b": False}
