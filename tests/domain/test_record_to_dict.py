"""`Record.to_dict` skips asdict's deepcopy but must give the same plain dicts."""

from __future__ import annotations

import dataclasses

from appeals_tui.domain.models import Case, ClauseRef, Decision, Subject


def test_to_dict_equals_asdict_with_fresh_containers() -> None:
    clauses = [ClauseRef("KR-1", 2), ClauseRef("CSS-4", 1)]
    decision = Decision(
        decision_id="D-1",
        case_id="C-1",
        moderator="minji",
        decided_at="2026-11-01T00:00:00+00:00",
        action="remove_content",
        clauses=clauses,
        factors={"contact_means": True},
        reasoning="Price list and booking link in the last panel.",
        guidance={"action": "remove_content", "clause_id": "KR-1"},
    )
    case = Case(
        case_id="C-1",
        subject=Subject("x", "post", "p1", "acct"),
        content_text="만화",
        report_ids=["R-1"],
    )
    for record in (decision, case, clauses[0]):
        plain = record.to_dict()
        assert plain == dataclasses.asdict(record)
    plain = decision.to_dict()
    assert plain["clauses"] == [{"id": "KR-1", "version": 2}, {"id": "CSS-4", "version": 1}]
    plain["factors"]["contact_means"] = False  # a copy: the record is untouched
    assert decision.factors == {"contact_means": True}
    assert case.to_dict()["report_ids"] is not case.report_ids
