"""Index-backed fast paths give exactly what the full scans gave."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.similarity import SimilarityWeights, factor_mask, rank_precedents
from appeals_tui.services.precedent_index import ranked_precedents
from appeals_tui.store import Workspace
from appeals_tui.store.shipped import load_default


def _decision(i: int, rng: random.Random, at: datetime) -> dict:
    factors = {f: rng.random() < 0.3 for f in FACTORS[:4]} | {f: False for f in FACTORS[4:]}
    doc = {
        "decision_id": f"D-{i:06d}",
        "case_id": f"C-{rng.randrange(40):06d}",
        "decided_at": (at + timedelta(hours=rng.randrange(5))).isoformat(timespec="seconds"),
        "action": rng.choice(["remove_content", "label"]),
        "clauses": [{"id": rng.choice(["CSS-1", "CSS-2", "KR-1"]), "version": 1}],
        "factors": factors,
        "canonical": rng.random() < 0.1,
        "superseded_by": "D-x" if rng.random() < 0.1 else None,
        "appeal_outcome": rng.choice([None, None, "overturned", "upheld"]),
        "jurisdiction": rng.choice(["KR", "US", ""]),
    }
    doc["factor_mask"] = factor_mask(factors)  # as record_decision stores it
    return doc


def test_ranked_precedents_matches_full_ranking(tmp_path):
    ws = _ranked_workspace(tmp_path)
    _check_ranking(ws, ws, 200)
    ws.close()


def test_ranked_precedents_on_postgresql_matches_the_full_ranking(tmp_path, pg_cluster):
    """The same walk on PostgreSQL (`tops`: a tier's partitions in one pipeline)."""
    from pgserver import create_database, drop_database

    from appeals_tui.store.factory import open_store
    from appeals_tui.store.transfer import transfer

    ws = _ranked_workspace(tmp_path)
    name = create_database(pg_cluster)
    transfer(ws.location, pg_cluster.url(name))
    store = open_store(pg_cluster.url(name))
    try:
        _check_ranking(ws, store, 80)
    finally:
        store.close()
        ws.close()
        drop_database(pg_cluster, name)


def _ranked_workspace(tmp_path):
    rng = random.Random(3)
    ws = Workspace.create(tmp_path / "ws")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for batch in range(4):
        with ws.transaction("t") as txn:
            for i in range(batch * 60, batch * 60 + 60):
                d = _decision(i + 1, rng, at)
                txn.insert("decisions", d["decision_id"], d)
        if batch == 2:  # updates after the index exists move docs in and out of eligibility
            ranked_precedents(ws, {}, set(), exclude_case=None, limit=3)
            with ws.transaction("t") as txn:
                for i in rng.sample(range(1, 181), 30):
                    txn.update(
                        "decisions", f"D-{i:06d}", {"superseded_by": None, "canonical": True}
                    )
    return ws


def _ids(ranked):
    return [(r.decision["decision_id"], r.similarity, r.same_clause, r.canonical) for r in ranked]


def _check_ranking(ws, store, rounds):
    """`ranked_precedents` on `store` against a full sort of `ws`'s decisions."""
    lib = load_default()
    rng = random.Random(5)
    for _ in range(rounds):
        factors = {f: rng.random() < 0.3 for f in FACTORS}
        clauses = set(rng.sample(["CSS-1", "CSS-2", "KR-1", "css-2"], rng.randrange(3)))
        exclude = rng.choice([None, f"C-{rng.randrange(40):06d}"])
        limit = rng.choice([0, 1, 3, 10, 50])
        jur = rng.choice(["KR", "us", None])
        weights = rng.choice([lib.similarity, SimilarityWeights.uniform()])
        everything = [d for d in ws.all("decisions") if exclude is None or d["case_id"] != exclude]
        kw = {"weights": weights, "jurisdiction": jur, "family_of": lib.family_of}
        want = rank_precedents(factors, clauses, everything, limit=limit, **kw)
        got = ranked_precedents(store, factors, clauses, exclude_case=exclude, limit=limit, **kw)
        assert _ids(got) == _ids(want)
        if store is ws:
            assert got == want
        same = ranked_precedents(
            store, factors, clauses, exclude_case=exclude, limit=limit, same_profile_only=True, **kw
        )
        mask = factor_mask(factors)
        every = rank_precedents(factors, clauses, everything, limit=len(everything), **kw)
        assert _ids(same) == _ids(
            [r for r in every if factor_mask(r.decision["factors"]) == mask][:limit]
        )
        slim = ranked_precedents(
            store, factors, clauses, exclude_case=exclude, limit=limit, fields=["account"], **kw
        )
        assert _ids(slim) == _ids(want)
        assert all(set(r.decision) == {"decision_id", "decided_at", "account"} for r in slim)


def test_lookup_follows_updates_and_other_processes(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    other = Workspace.open(tmp_path / "ws")
    with ws.transaction("t") as txn:
        txn.insert("appeals", "A-1", {"decision_id": "D-1", "status": "open"})
        txn.insert("appeals", "A-2", {"decision_id": "D-2", "status": "open"})
    assert [a["status"] for a in ws.lookup("appeals", "status", "open")] == ["open", "open"]
    assert other.lookup("appeals", "decision_id", "D-1")[0]["status"] == "open"
    with other.transaction("t") as txn:
        txn.update("appeals", "A-1", {"status": "resolved"})
        txn.insert("appeals", "A-3", {"decision_id": "D-1", "status": "open"})
    assert [a["decision_id"] for a in ws.lookup("appeals", "status", "open")] == ["D-2", "D-1"]
    assert [a["status"] for a in ws.lookup("appeals", "decision_id", "D-1")] == ["resolved", "open"]
    assert ws.distinct("appeals", "status") == ["open", "resolved"]
    ws.compact()
    assert len(other.lookup("appeals", "decision_id", "D-1")) == 2
    assert ws.lookup("appeals", "decision_id", "nope") == []
    ws.close()
    other.close()
