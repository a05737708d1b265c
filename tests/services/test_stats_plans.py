"""consistency_stats(): the grouped plan (PostgreSQL's, `Store.groups_on_server`) gives
exactly the one pass's dashboard, on both backends holding the same records.

The records: the KNOWN fixture (tests/leads_data.py) plus what the KNOWN rows do not
exercise -- a decision appealed twice, a lead's re-review that supersedes (their own
decision, not an appeal outcome), a canonical decision, ties between groups and
between actions, a group longer than the listing limit, a decision without clauses.
The workspace is copied into a fresh database with `appeals migrate`'s own transfer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from appeals_tui.services import stats
from appeals_tui.services.session import Session
from appeals_tui.services.stats import consistency_stats
from appeals_tui.store.factory import open_store
from appeals_tui.store.transfer import transfer
from tests.conftest import GLAMOUR, factors
from tests.leads_data import SOLICIT, appeal, decision, many, seed_known, write

LURE = factors(contact_means=True)


def more_records() -> tuple[list[dict], list[dict]]:
    decisions = [
        decision("D8", "minji", "label", ["CSS-4"], SOLICIT, "US", "2026-11-19", canonical=True),
        decision("D9", "daniel", "geo_block", ["CSS-4", "KR-1"], SOLICIT, "US", "2026-11-19"),
        # a lead's re-review superseding D4: seoyeon's own decision, not an appeal outcome
        decision(
            "D10", "seoyeon", "restrict_reach", ["CSS-1"], GLAMOUR, "US", "2026-11-20",
            supersedes="D4", rereview="RR-000001", diverged=True,
        ),
        decision("D11", "minji", "label", [], LURE, "JP", "2026-11-21"),
        decision("D12", "daniel", "remove_content", ["CSS-2"], LURE, "JP", "2026-11-21"),
        *many(7),  # GLAMOUR / US / label, October: a long group with D10's
    ]  # fmt: skip
    second = appeal("A5", "D2", "resolved", "upheld")
    second["reviewer"] = "daniel"
    appeals = [second, appeal("A6", "D9", "resolved", "upheld"), appeal("A7", "D12", "open", None)]
    return decisions, appeals


@pytest.fixture
def both(sessions, pg_cluster, tmp_path):
    """(embedded lead session, PostgreSQL lead session) over the same records."""
    from pgserver import create_database, drop_database

    lead = sessions("seoyeon")
    seed_known(lead.ws)
    write(lead.ws, *more_records())
    with lead.ws.transaction("fixture") as txn:
        txn.update("decisions", "D4", {"superseded_by": "D10"})
    name = create_database(pg_cluster)
    url = pg_cluster.url(name)
    transfer(lead.ws.location, url)
    store = open_store(url)
    # the owner's connection reads everything; the roster user is the embedded one's
    pg = Session(ws=store, user=lead.user, library=lead.library, clock=lead.clock)
    yield lead, pg
    store.close()
    drop_database(pg_cluster, name)


def _both_plans(session: Session, monkeypatch: pytest.MonkeyPatch, **kw) -> list[dict]:
    out = []
    for grouped in (False, True):
        with monkeypatch.context() as m:
            m.setattr(type(session.ws), "groups_on_server", property(lambda self, g=grouped: g))
            out.append(json.loads(json.dumps(consistency_stats(session, **kw).to_dict())))
    return out


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"group_limit": 3},
        {"since": datetime(2026, 11, 3, tzinfo=UTC)},
        {"since": datetime(2026, 11, 3, tzinfo=UTC), "until": datetime(2026, 11, 19, tzinfo=UTC)},
    ],
    ids=["all", "limit-3", "since", "since-until"],
)
def test_both_plans_on_both_backends_give_the_same_dashboard(both, monkeypatch, kw):
    embedded, pg = both
    one_pass, grouped = _both_plans(embedded, monkeypatch, **kw)
    pg_one_pass, pg_grouped = _both_plans(pg, monkeypatch, **kw)
    assert grouped == one_pass
    assert pg_grouped == one_pass
    assert pg_one_pass == one_pass
    # the same order too (JSON as the CLI prints it)
    assert json.dumps(pg_grouped) == json.dumps(one_pass)


def test_the_records_exercise_what_the_plans_could_disagree_on(both, monkeypatch):
    embedded, pg = both
    assert pg.ws.groups_on_server and not embedded.ws.groups_on_server
    s = consistency_stats(pg, group_limit=3)
    m = {r.key: r for r in s.per_moderator}
    # D10 (a re-review) is seoyeon's decision; D5/D7 (appeal outcomes) are not
    assert (m["seoyeon"].decisions, m["seoyeon"].diverged) == (1, 1)
    assert s.appeal_decisions == 2
    # D2 was appealed twice (upheld both times); reviewers seoyeon (x4) and daniel (x1)
    assert (m["minji"].appeals_resolved, m["minji"].upheld) == (3, 2)
    assert (m["seoyeon"].reviewed, m["daniel"].reviewed) == (4, 1)
    assert "CSS-8" in {r.key for r in s.per_clause}
    glamour_us = [
        g
        for g in s.inconsistent_profiles
        if not g.promotion_illegal and "glamorization" in g.factors
    ]
    (group,) = glamour_us
    assert group.decision_count == 7 + 1  # D4 is superseded by D10
    assert len(group.decisions) == 3  # listed: the limit; counted: all
    assert [d.decision_id for d in group.decisions][0] == "D10"  # newest first


def test_a_standing_decision_without_a_factor_mask_falls_back_to_the_one_pass(both, monkeypatch):
    """Records written before decisions stored their mask: only the one pass, which
    derives it from the factors, can group them; the dashboard is still the same."""
    embedded, pg = both
    for session in (embedded, pg):
        with session.ws.transaction("fixture") as txn:
            txn.update("decisions", "D11", {"factor_mask": None})
    assert stats._grouped_stats(pg, [], 100) is None
    assert consistency_stats(pg).to_dict() == consistency_stats(embedded).to_dict()
