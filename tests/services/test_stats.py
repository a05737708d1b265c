"""consistency_stats(): exact rates on the hand-built KNOWN fixture (tests/leads_data.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from appeals_tui import jsonout
from appeals_tui.domain.errors import PermissionDenied
from appeals_tui.services import decisions
from appeals_tui.services.stats import (
    DecisionSummary,
    WeekActions,
    consistency_stats,
    iso_week,
)
from tests.leads_data import seed_known


@pytest.fixture
def lead(sessions):
    seoyeon = sessions("seoyeon")
    seed_known(seoyeon.ws)
    return seoyeon


def rows(stats, attr):
    return {r.key: r for r in getattr(stats, attr)}


def test_totals(lead):
    s = consistency_stats(lead)
    # D5 and D7 were written by appeal outcomes (they supersede D1, D6): not decisions
    assert (s.decisions, s.appeal_decisions, s.standing, s.diverged) == (5, 2, 5, 2)
    assert (s.appeals_resolved, s.overturned) == (3, 2)  # open appeal A3 not counted
    assert s.overturn_rate == pytest.approx(2 / 3)
    assert s.divergence_rate == pytest.approx(2 / 5)


def test_per_moderator_counts_and_rates(lead):
    m = rows(consistency_stats(lead), "per_moderator")
    assert set(m) == {"minji", "daniel", "seoyeon"}
    minji, daniel, seoyeon = m["minji"], m["daniel"], m["seoyeon"]
    assert (minji.decisions, minji.diverged, minji.appeals_resolved, minji.overturned) == (
        2,
        1,
        2,
        1,
    )
    assert minji.upheld == 1 and minji.overturn_rate == 0.5 and minji.overturn_per_decision == 0.5
    assert (daniel.decisions, daniel.diverged, daniel.appeals_resolved, daniel.overturned) == (
        3,
        1,
        1,
        1,
    )
    assert daniel.modified == 1 and daniel.overturn_rate == 1.0
    assert daniel.overturn_per_decision == pytest.approx(1 / 3)
    assert daniel.divergence_rate == pytest.approx(1 / 3)
    assert (minji.reviewed, daniel.reviewed) == (0, 0)
    # seoyeon only reviewed appeals (A1, A2, A4; her D5 and D7 are their outcomes)
    assert (seoyeon.decisions, seoyeon.diverged, seoyeon.reviewed) == (0, 0, 3)
    assert seoyeon.appeals_resolved == 0 and seoyeon.overturn_rate is None
    assert seoyeon.overturn_per_decision is None and seoyeon.divergence_rate is None


def test_per_clause_counts_each_cited_clause(lead):
    c = rows(consistency_stats(lead), "per_clause")
    assert set(c) == {"CSS-1", "CSS-4", "KR-1"}  # CSS-0 only by the appeal outcome D5
    assert (c["CSS-1"].decisions, c["CSS-1"].appeals_resolved, c["CSS-1"].overturned) == (2, 2, 2)
    assert c["CSS-1"].overturn_rate == 1.0 and c["CSS-1"].modified == 1
    assert (c["CSS-4"].decisions, c["CSS-4"].diverged) == (3, 2)  # D2, D3, D4 (not D7)
    assert c["CSS-4"].divergence_rate == pytest.approx(2 / 3)
    assert (c["CSS-4"].appeals_resolved, c["CSS-4"].overturned) == (1, 0)
    assert c["CSS-4"].overturn_rate == 0.0
    assert c["KR-1"].decisions == 1 and c["KR-1"].overturn_rate is None


def test_actions_per_iso_week(lead):
    weeks = consistency_stats(lead).per_week
    assert weeks == [
        WeekActions("2026-W45", {"remove_content": 1, "restrict_reach": 1}),
        WeekActions("2026-W46", {"geo_block": 1, "label": 1, "no_action": 1}),
        WeekActions("2026-W47", {"remove_content": 1, "restrict_reach": 1}),
    ]
    assert iso_week("2027-01-01T00:00:00+00:00") == "2026-W53"


def test_inconsistent_profiles_group_standing_decisions_by_profile_and_jurisdiction(lead):
    groups = consistency_stats(lead).inconsistent_profiles
    assert len(groups) == 1  # D4 (US) is alone in its class; D6 was superseded by D7
    g = groups[0]
    assert g.factors == ["depicts_commercial_sex", "narrative_framing", "glamorization"]
    assert g.promotion_illegal is True
    assert g.actions == {"restrict_reach": 1, "geo_block": 1, "no_action": 1}
    assert [d.decision_id for d in g.decisions] == ["D5", "D3", "D2"]  # newest first
    assert g.decisions[1] == DecisionSummary(
        decision_id="D3",
        case_id="C-D3",
        moderator="daniel",
        action="geo_block",
        clauses=["KR-1", "CSS-4"],
        decided_at="2026-11-10T10:00:00+00:00",
        canonical=False,
    )


def test_canonical_decision_listed_first_after_marking(lead):
    decisions.set_canonical(lead, "D2", True, "Glamorizing salon comics get reach restricted.")
    g = consistency_stats(lead).inconsistent_profiles[0]
    assert g.decisions[0].decision_id == "D2" and g.decisions[0].canonical
    events = [e for e in lead.ws.events() if e["type"] == "precedent.canonical"]
    assert events[-1]["actor"] == "seoyeon" and events[-1]["entity"] == "decision:D2"


def test_date_range(lead):
    s = consistency_stats(lead, since=datetime(2026, 11, 10, tzinfo=UTC))
    assert (s.decisions, s.appeal_decisions) == (3, 2)  # D3, D4, D6; D5, D7
    assert s.appeals_resolved == 1 and s.overturned == 1
    s = consistency_stats(
        lead, since=datetime(2026, 11, 1, tzinfo=UTC), until=datetime(2026, 11, 10, tzinfo=UTC)
    )
    assert (s.decisions, s.appeal_decisions) == (2, 0) and s.appeals_resolved == 2


def test_to_dict_is_json_ready(lead):
    d = json.loads(json.dumps(consistency_stats(lead).to_dict(), allow_nan=False))
    assert d["overturn_rate"] == 0.6667 and d["divergence_rate"] == 0.4
    assert d["appeal_decisions"] == 2
    row = next(r for r in d["per_moderator"] if r["key"] == "daniel")
    assert row["overturn_per_decision"] == 0.3333 and row["decisions"] == 3
    assert d["per_week"][0] == {"week": "2026-W45", "actions": {"remove_content": 1,
                                                                "restrict_reach": 1}}  # fmt: skip
    assert d["inconsistent_profiles"][0]["decisions"][1]["clauses"] == ["KR-1", "CSS-4"]
    # the CLI writes the same object through the one serialiser
    assert orjson.loads(jsonout.encode(consistency_stats(lead))) == d


@pytest.mark.parametrize("name", ["minji", "root"])
def test_only_leads_see_stats(sessions, name):
    with pytest.raises(PermissionDenied):
        consistency_stats(sessions(name))


def test_a_reviewers_overturn_is_an_appeal_outcome_not_their_divergence(sessions):
    """The issue's example: a reviewer whose only decision is an overturn (which departs
    from guidance, so it is stored as diverged) is not '1 decision, 100% diverged'."""
    from appeals_tui.services import appeals
    from tests.conftest import removal

    minji, daniel, lead = sessions("minji"), sessions("daniel"), sessions("seoyeon")
    original = removal(minji)
    appeal = appeals.file_appeal(lead, original.decision_id, "It is only a story.")
    appeals.resolve_appeal(
        daniel, appeal.appeal_id, "overturned", "The comic shows no contact; we erred here."
    )
    outcome = lead.ws.get("decisions", lead.ws.get("appeals", appeal.appeal_id)["new_decision_id"])
    assert outcome["moderator"] == "daniel" and outcome["diverged"]  # what used to be counted
    s = consistency_stats(lead)
    assert (s.decisions, s.appeal_decisions, s.diverged) == (1, 1, 0)
    m = rows(s, "per_moderator")
    assert (m["daniel"].decisions, m["daniel"].diverged, m["daniel"].reviewed) == (0, 0, 1)
    assert m["daniel"].divergence_rate is None
    assert (m["minji"].decisions, m["minji"].appeals_resolved, m["minji"].overturned) == (1, 1, 1)
    assert "CSS-0" not in rows(s, "per_clause")  # the outcome's clause is not a decision's
