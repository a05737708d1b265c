"""The queue's filters, sorts and pages, answered by the store (not a Python scan)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.models import Case, Page
from appeals_tui.domain.timeutil import parse_ts
from appeals_tui.services import cases
from appeals_tui.services.cases import CaseFilter
from tests.conftest import case_for


def subjects(page: Page[Case]) -> list[str]:
    assert all(isinstance(c, Case) for c in page.items)  # read models, not stored dicts
    return [c.subject["subject_id"] for c in page.items]


def test_filters_each_narrow_the_queue(sessions) -> None:
    minji = sessions("minji")
    cases.claim(minji, case_for(minji, "S2"))
    every = cases.list_cases(minji, limit=None)
    assert every.total == 6 and sorted(subjects(every)) == ["S1", "S2", "S3", "S4", "S5", "US1"]

    def only(**kw) -> list[str]:
        return sorted(subjects(cases.list_cases(minji, CaseFilter(**kw), limit=None)))

    assert only(status={"in_review"}) == ["S2"]
    assert only(status={"open", "in_review"}) == ["S1", "S2", "S3", "S4", "S5", "US1"]
    assert only(jurisdiction="us") == ["US1"]  # any case
    assert only(platform="instagram", jurisdiction="KR") == ["S1", "S2", "S3", "S4", "S5"]
    assert only(platform="tiktok") == []
    assert only(assignee="minji") == ["S2"]
    assert only(assignee="") == ["S1", "S3", "S4", "S5", "US1"]  # unassigned
    assert only(account="acct_S4") == ["S4"]
    assert only(text="실화 s3") == ["S3"]  # casefolded, across Korean text
    assert only(text=case_for(minji, "S5").lower()) == ["S5"]  # ids are searched too
    assert only(text="salon", status={"in_review"}) == ["S2"]
    for bad in ({"opne"}, {"open", "closed"}):  # a typo listed nothing, as if the queue were empty
        with pytest.raises(ValidationError, match="status: '(opne|closed)' is not one of open"):
            cases.list_cases(minji, CaseFilter(status=bad))
        with pytest.raises(ValidationError, match="is not one of open, in_review, decided"):
            next(cases.iter_cases(minji, CaseFilter(status=bad)))


def test_sorts_and_pages(sessions) -> None:
    minji = sessions("minji")
    # S1 has two reports: first by report count; then oldest first (all equal: insertion)
    by_reports = cases.list_cases(minji, sort="reports", limit=None)
    assert subjects(by_reports)[0] == "S1"
    age = subjects(cases.list_cases(minji, sort="age", limit=None))
    pages = [cases.list_cases(minji, sort="age", offset=o, limit=4) for o in (0, 4)]
    assert [p.total for p in pages] == [6, 6]
    assert subjects(pages[0]) + subjects(pages[1]) == age
    assert cases.list_cases(minji, sort="sla", limit=None).items == (
        cases.list_cases(minji, sort="age", limit=None).items
    )
    with pytest.raises(ValidationError):
        cases.list_cases(minji, sort="random")


def test_iter_cases_streams_the_same_read_models(sessions) -> None:
    minji = sessions("minji")
    cases.claim(minji, case_for(minji, "S2"))
    streamed = list(cases.iter_cases(minji, sort="age"))
    assert streamed == cases.list_cases(minji, sort="age", limit=None).items
    assert streamed[0] == cases.get_case(minji, streamed[0].case_id)
    claimed = cases.list_cases(minji, CaseFilter(status={"in_review"})).items
    assert [(c.status, c.assignee) for c in claimed] == [("in_review", "minji")]


def test_sla_state_from_the_first_report(sessions, clock) -> None:
    minji = sessions("minji")
    case = cases.get_case(minji, case_for(minji, "S1"))
    hours = minji.config("case_sla_hours")
    first = parse_ts(case.first_reported_at)
    state, left = cases.sla_state(minji, case.first_reported_at, first)
    assert (state, left) == ("ok", hours)
    assert (
        cases.sla_state(minji, case.first_reported_at, first + timedelta(hours=hours - 1))[0]
        == "due"
    )
    assert cases.sla_state(minji, case.first_reported_at, first + timedelta(hours=hours + 1)) == (
        "overdue", -1.0
    )  # fmt: skip
