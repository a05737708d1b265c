"""History additions: decision detail with supersession chain, pending-appeal filter, paging."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import NotFound, ValidationError
from appeals_tui.domain.models import Appeal, Case, Decision, Report
from appeals_tui.services.history import (
    DecisionDetail,
    HistoryFilter,
    decision_detail,
    history,
    supersession_chain,
)
from tests.conftest import GLAMOUR, removal
from tests.leads_data import decision, seed_known, write


@pytest.fixture
def lead(sessions):
    seoyeon = sessions("seoyeon")
    seed_known(seoyeon.ws)
    return seoyeon


def test_detail_has_chain_appeals_and_case(lead):
    detail = decision_detail(lead, "D5")
    assert isinstance(detail, DecisionDetail) and isinstance(detail.decision, Decision)
    assert detail.decision == Decision.from_dict(lead.ws.get("decisions", "D5"))
    assert [d.decision_id for d in detail.chain] == ["D1", "D5"]
    assert all(isinstance(d, Decision) for d in detail.chain)
    assert detail.appeals == []
    first = decision_detail(lead, "D1")
    assert [a.appeal_id for a in first.appeals] == ["A1"]
    assert all(isinstance(a, Appeal) for a in first.appeals)
    assert first.case is None and first.reports == []  # the fixture stores no case records
    with pytest.raises(NotFound):
        decision_detail(lead, "D404")


def test_detail_reads_the_case_and_its_reports(sessions):
    decided = removal(sessions("minji"))
    detail = decision_detail(sessions("seoyeon"), decided.decision_id)
    assert detail.decision == decided
    assert isinstance(detail.case, Case) and detail.case.case_id == decided.case_id
    assert [r.report_id for r in detail.reports] == detail.case.report_ids
    assert all(isinstance(r, Report) for r in detail.reports)


def test_chain_is_typed_oldest_first(lead):
    chain = supersession_chain(lead, "D5")
    assert [(d.decision_id, d.superseded_by) for d in chain] == [("D1", "D5"), ("D5", None)]
    with pytest.raises(NotFound):
        supersession_chain(lead, "D404")


def test_pending_outcome_filter(lead):
    page = history(lead, HistoryFilter(outcome="pending"))
    assert [d.decision_id for d in page.items] == ["D3"]
    assert history(lead, HistoryFilter(outcome="overturned")).total == 1


def test_paging_newest_first(lead):
    page = history(lead, offset=2, limit=3)
    assert page.total == 7 and [d.decision_id for d in page.items] == ["D5", "D4", "D3"]
    assert history(lead, HistoryFilter(include_superseded=False)).total == 5


def test_text_filter_and_chain_of_three(lead):
    write(lead.ws, [decision("D8", "minji", "label", ["CSS-4"], GLAMOUR, "KR", "2026-11-19",
                             supersedes="D5")])  # fmt: skip
    with lead.ws.transaction("fixture") as txn:
        txn.update("decisions", "D5", {"superseded_by": "D8"})
    assert [d.decision_id for d in decision_detail(lead, "D1").chain] == ["D1", "D5", "D8"]
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
    for bad in (
        "factor:nope=yes",
        "outcome:maybe",
        "since:yesterday",
        "factor:glamorization=eh",
        "action:remove",  # a typo listed no decisions, as if there were none
    ):
        with pytest.raises(ValidationError):
            HistoryFilter.parse(bad)


def test_an_unknown_action_is_named_not_an_empty_history():
    with pytest.raises(ValidationError, match="action: 'remove' is not one of no_action, label"):
        HistoryFilter(action="remove")
    assert HistoryFilter(action="remove_content").action == "remove_content"
