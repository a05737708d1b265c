"""Contract: `Store.top` over the declared "precedents" ranking matches a full sort."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.protocol import Filter, Op, Store, Top

CLAUSES = ["CSS-1", "CSS-2", "KR-1"]


def _doc(i: int, rng: random.Random) -> dict:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(6))
    return {
        "decision_id": f"D-{i:06d}",
        "case_id": f"C-{rng.randrange(5)}",
        "decided_at": at.isoformat(),
        "clauses": [{"id": c, "version": 1} for c in rng.sample(CLAUSES, rng.randrange(3))],
        "factor_mask": rng.randrange(3),
        "jurisdiction": rng.choice(["KR", "US", None]),
        "canonical": rng.random() < 0.3 if rng.random() < 0.8 else None,
        "superseded_by": "D-x" if rng.random() < 0.15 else None,
        "appeal_outcome": rng.choice([None, None, "upheld", "overturned"]),
    }


def _eligible(d: dict) -> bool:
    return d.get("superseded_by") is None and d.get("appeal_outcome") != "overturned"


def _expected(docs: list[dict], match: dict, n: int, skip_case: str | None, skip_clauses: list):
    def ok(d: dict) -> bool:
        clause_ids = [c["id"] for c in d["clauses"]]
        return (
            _eligible(d)
            and d["factor_mask"] == match["factor_mask"]
            and d["jurisdiction"] == match["jurisdiction"]
            and bool(d.get("canonical")) == match["canonical"]
            and ("clause_ids" not in match or match["clause_ids"] in clause_ids)
            and d["case_id"] != skip_case
            and not set(clause_ids) & set(skip_clauses)
        )

    def newest_first(d: dict) -> tuple:
        ident = d["decision_id"]
        return (-datetime.fromisoformat(d["decided_at"]).timestamp(), len(ident), ident)

    return [d["decision_id"] for d in sorted(filter(ok, docs), key=newest_first)][:n]


def test_top_matches_a_full_sort_and_follows_updates(store: Store, second: Store) -> None:
    rng = random.Random(7)
    docs = [_doc(i, rng) for i in range(1, 121)]
    with store.transaction("t") as txn:
        for d in docs[:80]:
            txn.insert("decisions", d["decision_id"], d)

    def check(view: Store, known: list[dict]) -> None:
        for _ in range(60):
            match = {
                "factor_mask": rng.randrange(3),
                "canonical": rng.random() < 0.4,
                "jurisdiction": rng.choice(["KR", "US", None]),
            }
            if rng.random() < 0.5:
                match["clause_ids"] = rng.choice(CLAUSES)
            skip_case = rng.choice([None, "C-1"])
            skip_clauses = rng.sample(CLAUSES, rng.randrange(2))
            exclude = [Filter("case_id", Op.EQ, skip_case)] if skip_case else []
            if skip_clauses:
                exclude.append(Filter("clause_ids", Op.IN, skip_clauses))
            n = rng.choice([1, 3, 50])
            got = [d["decision_id"] for d in view.top("precedents", match, n, exclude)]
            assert got == _expected(known, match, n, skip_case, skip_clauses), match

    check(store, docs[:80])
    # the index follows inserts and updates that move docs in and out of the ranking
    with second.transaction("t") as txn:
        for d in docs[80:]:
            txn.insert("decisions", d["decision_id"], d)
        for d in rng.sample(docs, 30):
            change = {"superseded_by": None, "canonical": not d.get("canonical")}
            if rng.random() < 0.3:
                change["appeal_outcome"] = "overturned"
            txn.update("decisions", d["decision_id"], change)
            d.update(change)
    check(store, docs)


def test_top_asks_for_declared_rankings_and_partitions(store: Store) -> None:
    with pytest.raises(StoreError):
        store.top("no_such_ranking", {}, 3)
    with pytest.raises(StoreError):  # the partition must be named in full
        store.top("precedents", {"factor_mask": 1, "canonical": False}, 3)
    with pytest.raises(StoreError):
        store.top(
            "precedents",
            {"factor_mask": 1, "canonical": False, "jurisdiction": "KR", "moderator": "x"},
            3,
        )
    assert (
        store.top("precedents", {"factor_mask": 1, "canonical": False, "jurisdiction": "KR"}, 3)
        == []
    )


def test_tops_gives_each_partitions_top_in_one_question(store: Store, second: Store) -> None:
    """`tops` (v8) is `top` of each item, in order; `fields` projects each doc."""
    rng = random.Random(11)
    docs = [_doc(i, rng) for i in range(1, 101)]
    with store.transaction("t") as txn:
        for d in docs:
            txn.insert("decisions", d["decision_id"], d)
    wanted = []
    for _ in range(12):
        match: dict = {
            "factor_mask": rng.randrange(3),
            "canonical": rng.random() < 0.4,
            "jurisdiction": rng.choice(["KR", "US", None]),
        }
        if rng.random() < 0.5:
            match["clause_ids"] = rng.choice(CLAUSES)
        exclude = (Filter("case_id", Op.EQ, "C-1"),) if rng.random() < 0.5 else ()
        wanted.append(Top(match, rng.choice([1, 3, 50]), exclude))
    for view in (store, second):
        got = view.tops("precedents", wanted)
        assert got == [view.top("precedents", w.match, w.n, w.exclude) for w in wanted]
        assert sum(len(g) for g in got) > 12  # not all empty: the comparison means something
        slim = view.tops("precedents", wanted, fields=("decision_id", "case_id", "decided_at"))
        assert [[d["decision_id"] for d in g] for g in slim] == [
            [d["decision_id"] for d in g] for g in got
        ]
        for full, few in zip(got, slim, strict=True):
            for d, p in zip(full, few, strict=True):
                assert set(p) == {"decision_id", "case_id", "decided_at"}
                assert p["case_id"] == d["case_id"]
                assert datetime.fromisoformat(p["decided_at"]) == datetime.fromisoformat(
                    d["decided_at"]
                )
    assert store.tops("precedents", []) == []
    with pytest.raises(StoreError):  # a field the table does not declare
        store.tops("precedents", wanted[:1], fields=("no_such_field",))
