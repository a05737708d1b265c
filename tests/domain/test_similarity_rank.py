"""Weighted precedent similarity: hand-computed rankings and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.similarity import (
    RankedPrecedent,
    SimilarityWeights,
    Target,
    factor_mask,
    is_eligible_precedent,
    prefix_family,
    rank_key,
    rank_precedents,
)

profiles = st.fixed_dictionaries({f: st.booleans() for f in FACTORS})

#: the shipped weights, spelled out so the hand computations below stay readable
YES = {
    "depicts_commercial_sex": 4,
    "narrative_framing": 3,
    "first_person_provider": 3,
    "contact_means": 12,
    "pricing_or_booking": 12,
    "location_details": 3,
    "recruitment": 14,
    "glamorization": 3,
    "minors_indicated": 16,
    "news_or_educational_context": 3,
}
W = SimilarityWeights.from_mapping(
    YES, dict.fromkeys(FACTORS, 1), clause_family=1, jurisdiction=1, decisive=()
)
FAMILY = {"KR-1": "LOCAL-LAW"}


def family_of(cid: str) -> str:
    return FAMILY.get(cid.upper(), prefix_family(cid))


def dec(
    did,
    factors,
    clauses=("CSS-4",),
    at="2026-01-01T00:00:00+00:00",
    canonical=False,
    outcome=None,
    sup=None,
    jurisdiction="",
):
    return {
        "decision_id": did,
        "factors": factors,
        "clauses": [{"id": c, "version": 1} for c in clauses],
        "decided_at": at,
        "canonical": canonical,
        "appeal_outcome": outcome,
        "superseded_by": sup,
        "jurisdiction": jurisdiction,
    }


def ids(ranked):
    return [r.decision["decision_id"] for r in ranked]


def test_factor_mask(profile):
    assert factor_mask(profile()) == 0
    assert factor_mask(profile(*FACTORS)) == (1 << len(FACTORS)) - 1
    assert factor_mask({"depicts_commercial_sex": True, "junk": True}) == 1


def test_issue_example_shared_decisive_yes_beats_shared_nos(profile, lib):
    """Only `minors_indicated`: the escalation sharing that one yes ranks above an all-no case."""
    target = profile("minors_indicated")
    all_no = dec("all-no", profile(), clauses=("CSS-0",), jurisdiction="KR")
    escalation = dec(
        "escalation",
        profile("minors_indicated", "depicts_commercial_sex", "narrative_framing"),
        clauses=("CSS-6",),
        jurisdiction="US",
    )
    # best (identical case) = 16 (minors yes) + 9 no's + family 1 + jurisdiction 1 = 27
    # escalation: 16 + 7 no's + family CSS 1 = 24;  all-no: 9 no's + family 1 + KR 1 = 11
    got = rank_precedents(
        target, {"CSS-6"}, [all_no, escalation], weights=W, jurisdiction="KR", family_of=family_of
    )
    assert ids(got) == ["escalation", "all-no"]
    assert [r.similarity for r in got] == [round(24 / 27, 9), round(11 / 27, 9)]
    # the old unweighted count had it the other way round (9 agreements against 8)
    assert ids(rank_precedents(target, {"CSS-6"}, [all_no, escalation])) == [
        "all-no",
        "escalation",
    ]
    # and so do the shipped weights, read from rubric.json
    shipped = rank_precedents(
        target,
        {"CSS-6"},
        [all_no, escalation],
        weights=lib.similarity,
        jurisdiction="KR",
        family_of=lib.family_of,
    )
    assert ids(shipped) == ["escalation", "all-no"]


def test_clause_family_and_jurisdiction_count(profile):
    p = profile("narrative_framing", "glamorization")
    cands = [
        dec("e-one-yes-short", profile("narrative_framing"), jurisdiction="KR"),  # 3+8+1+1 = 13
        dec("d-other-family-elsewhere", p, clauses=("KR-1",), jurisdiction="US"),  # 6+8 = 14
        dec(
            "b-same-family-elsewhere",
            p,
            clauses=("CSS-8",),
            at="2026-02-01T00:00:00+00:00",
            jurisdiction="US",
        ),  # 6+8+1 = 15  # fmt: skip
        dec(
            "a-other-family-here-canonical", p, clauses=("KR-1",), jurisdiction="kr", canonical=True
        ),  # 6+8+1 = 15, canonical breaks the tie  # fmt: skip
        dec("c-exact", p, clauses=("CSS-4",), jurisdiction="KR"),  # 6+8+1+1 = 16
    ]
    got = rank_precedents(p, {"CSS-4"}, cands, weights=W, jurisdiction="KR", family_of=family_of)
    assert ids(got) == [
        "c-exact",
        "a-other-family-here-canonical",
        "b-same-family-elsewhere",
        "d-other-family-elsewhere",
        "e-one-yes-short",
    ]
    assert [round(r.similarity * 16, 6) for r in got] == [16, 15, 15, 14, 13]
    assert got[0].same_clause and not any(r.same_clause for r in got[1:4])


def test_same_clause_then_canonical_then_recency(profile):
    p = profile("depicts_commercial_sex", "narrative_framing", "glamorization")
    cands = [
        dec("exact-other-clause", p, clauses=("CSS-8",), at="2026-03-01T00:00:00+00:00"),
        dec("exact-same-old", p, at="2025-05-01T00:00:00+00:00"),
        dec("exact-same-new", p, at="2026-02-01T09:00:00+09:00"),
        dec("exact-same-canonical-old", p, at="2024-01-01T00:00:00+00:00", canonical=True),
        dec("exact-overturned", p, outcome="overturned", canonical=True),
        dec("exact-superseded", p, sup="D-999", canonical=True),
        dec("exact-upheld", p, outcome="upheld", at="2025-06-01T00:00:00Z"),
    ]
    got = rank_precedents(p, {"CSS-4"}, cands, weights=W, family_of=family_of)
    assert ids(got) == [
        "exact-same-canonical-old",
        "exact-same-new",
        "exact-upheld",
        "exact-same-old",
        "exact-other-clause",  # same profile and family (CSS), but not the clause
    ]
    first = got[0]
    assert first.similarity == 1.0 and first.same_clause and first.canonical
    assert first.to_dict()["decision_id"] == "exact-same-canonical-old"
    assert first.to_dict()["linked"] is False


def test_recency_uses_real_instants(profile):
    p = profile("recruitment")
    # 2026-02-01T08:00+09:00 is 23:00Z the day before, i.e. earlier than 2026-01-31T23:30Z
    a = dec("a", p, at="2026-02-01T08:00:00+09:00")
    b = dec("b", p, at="2026-01-31T23:30:00+00:00")
    assert ids(rank_precedents(p, set(), [a, b], weights=W)) == ["b", "a"]


def test_excludes_overturned_and_superseded(profile):
    p = profile()
    cands = [
        dec("o", p, outcome="overturned"),
        dec("s", p, sup="X"),
        dec("m", p, outcome="modified", sup="Y"),
    ]
    assert rank_precedents(p, set(), cands, weights=W) == []
    assert rank_precedents(p, set(), [], weights=W) == []
    assert rank_precedents(p, set(), [dec("ok", p)], limit=0, weights=W) == []


def test_limit_and_precomputed_mask(profile):
    p = profile("contact_means")
    cands = [dec(f"d{i}", profile()) for i in range(30)]
    cands.append({**dec("pre", {}), "factor_mask": factor_mask(p)})
    got = rank_precedents(p, set(), cands, limit=5, weights=W)
    assert len(got) == 5 and got[0].decision["decision_id"] == "pre"


weights = st.builds(
    SimilarityWeights,
    st.tuples(*[st.floats(0.01, 50)] * len(FACTORS)),
    st.tuples(*[st.floats(0.01, 5)] * len(FACTORS)),
    st.floats(0, 5),
    st.floats(0, 5),
)
clause_sets = st.sets(st.sampled_from(["CSS-2", "CSS-3", "CSS-4", "CSS-8", "KR-1"]), max_size=2)
jurisdictions = st.sampled_from(["", "KR", "US", "DE"])

decisions = st.builds(
    dec,
    did=st.uuids().map(str),
    factors=profiles,
    clauses=st.lists(
        st.sampled_from(["CSS-2", "CSS-3", "CSS-4", "CSS-8", "KR-1"]), min_size=1, max_size=2
    ),
    at=st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    canonical=st.booleans(),
    outcome=st.sampled_from([None, "upheld", "overturned", "modified"]),
    sup=st.sampled_from([None, None, "D-1"]),
    jurisdiction=jurisdictions,
)


@settings(max_examples=200, deadline=None)
@given(weights, profiles, clause_sets, jurisdictions, st.lists(decisions, max_size=30),
       st.booleans(), st.data())  # fmt: skip
def test_exact_match_always_ranks_first(w, p, clauses, jur, others, canonical, data):
    """Whatever the weights and the other decisions, an identical case is ranked first."""
    exact = dec(
        "exact",
        dict(p),
        clauses=tuple(clauses) or ("CSS-4",),
        jurisdiction=jur,
        canonical=canonical,
        at=data.draw(st.datetimes(timezones=st.timezones())).isoformat(),
    )
    cands = others + [exact]
    data.draw(st.randoms()).shuffle(cands)
    cited = set(clauses) or {"CSS-4"}
    got = rank_precedents(p, cited, cands, weights=w, jurisdiction=jur, family_of=family_of)
    top = got[0]
    assert top.similarity == 1.0
    # the first is `exact` or another decision identical on everything similarity weighs
    assert factor_mask(top.decision["factors"]) == factor_mask(p)
    # a shared jurisdiction only counts when the case has one and its weight is non-zero
    assert top.decision["jurisdiction"] == jur or not jur or w.jurisdiction < 1e-9
    target = Target.of(p, cited, jur, family_of)
    fams = {family_of(c["id"]) for c in top.decision["clauses"]}
    assert not target.families.isdisjoint(fams) or w.clause_family == 0
    assert all(r.similarity <= 1.0 for r in got)


@settings(max_examples=150, deadline=None)
@given(weights, profiles, clause_sets, jurisdictions, st.lists(decisions, max_size=40),
       st.integers(1, 15))  # fmt: skip
def test_rank_sorted_by_key_and_complete(w, p, clause_ids, jur, cands, limit):
    got = rank_precedents(
        p, clause_ids, cands, limit=limit, weights=w, jurisdiction=jur, family_of=family_of
    )
    keys = [rank_key(r) for r in got]
    assert keys == sorted(keys, reverse=True)
    eligible = [c for c in cands if is_eligible_precedent(c)]
    assert len(got) == min(limit, len(eligible))
    target = Target.of(p, clause_ids, jur, family_of)
    best = target.best(w)
    # nothing left out ranks strictly better than the worst returned
    chosen = {id(r.decision) for r in got}
    for c in eligible:
        fams = {family_of(cl["id"]) for cl in c["clauses"]}
        sim = target.score(w, factor_mask(c["factors"]), fams, c["jurisdiction"]) / best
        same = any(cl["id"] in clause_ids for cl in c["clauses"])
        r = RankedPrecedent(c, round(sim, 9), same, c["canonical"])
        if id(c) in chosen:
            assert r in got
        elif got:
            assert rank_key(r) <= keys[-1]


def test_weights_need_one_per_factor():
    import pytest

    with pytest.raises(ValueError):
        SimilarityWeights((1.0,), (1.0,))
