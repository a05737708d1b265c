"""History additions: decision detail with supersession chain, pending-appeal filter, paging."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import NotFound, ValidationError
from appeals_tui.services.history import HistoryFilter, decision_detail, history
from tests.conftest import GLAMOUR
from tests.leads_data import decision, seed_known, write


@pytest.fixture
def lead(sessions):
    seoyeon = sessions("seoyeon")
    seed_known(seoyeon.ws)
    return seoyeon


def test_detail_has_chain_appeals_and_case(lead):
    detail = decision_detail(lead, "D5")
    assert [d["decision_id"] for d in detail["chain"]] == ["D1", "D5"]
    assert detail["appeals"] == []
    first = decision_detail(lead, "D1")
    assert [a["appeal_id"] for a in first["appeals"]] == ["A1"]
    assert first["case"] == {} and first["reports"] == []
    with pytest.raises(NotFound):
        decision_detail(lead, "D404")


def test_pending_outcome_filter(lead):
    page = history(lead, HistoryFilter(outcome="pending"))
    assert [d["decision_id"] for d in page.decisions] == ["D3"]
    assert history(lead, HistoryFilter(outcome="overturned")).total == 1


def test_paging_newest_first(lead):
    page = history(lead, offset=2, limit=3)
    assert page.total == 7 and [d["decision_id"] for d in page.decisions] == ["D5", "D4", "D3"]
    assert history(lead, HistoryFilter(include_superseded=False)).total == 5


def test_text_filter_and_chain_of_three(lead):
    write(lead.ws, [decision("D8", "minji", "label", ["CSS-4"], GLAMOUR, "KR", "2026-11-19",
                             supersedes="D5")])  # fmt: skip
    with lead.ws.transaction("fixture") as txn:
        txn.update("decisions", "D5", {"superseded_by": "D8"})
    assert [d["decision_id"] for d in decision_detail(lead, "D1")["chain"]] == ["D1", "D5", "D8"]
    assert history(lead, HistoryFilter(text="(d8)")).total == 1


def test_filter_query_parsing():
    flt = HistoryFilter.parse(
        "moderator:minji clause:css-4 factor:glamorization=yes factor:minors_indicated=no "
        "outcome:pending since:2026-11-01 current salon comic"
    )
    assert flt.moderator == "minji" and flt.clause == "CSS-4" and flt.outcome == "pending"
    assert flt.factor == {"glamorization": True, "minors_indicated": False}
    assert flt.since.isoformat() == "2026-11-01T00:00:00+00:00"
    assert flt.include_superseded is False and flt.text == "salon comic"
    assert HistoryFilter.parse("") == HistoryFilter()
    for bad in ("factor:nope=yes", "outcome:maybe", "since:yesterday", "factor:glamorization=eh"):
        with pytest.raises(ValidationError):
            HistoryFilter.parse(bad)
