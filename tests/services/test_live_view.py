"""The decide screen's live panel as a service: guidance, precedents, divergence."""

from __future__ import annotations

from appeals_tui.domain.models import FACTORS
from appeals_tui.services.cases import get_case
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.live_view import live_view
from tests.conftest import GLAMOUR, case_for, removal

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def _case(session, subject="S2"):
    return get_case(session, case_for(session, subject))


def test_unanswered_factors_are_listed_and_assumed_no(sessions):
    minji = sessions("minji")
    view = live_view(minji, _case(minji), DecisionDraft("", [], {"glamorization": True}, ""))
    assert view.unanswered == [f for f in FACTORS if f != "glamorization"]
    assert view.divergence is None and view.problems is None


def test_departing_from_guidance_explains_the_reason_needed(sessions):
    minji = sessions("minji")
    case = _case(minji)
    follows = live_view(minji, case, DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON))
    assert follows.guidance.action == "geo_block" and follows.divergence is None
    departs = live_view(minji, case, DecisionDraft("label", ["CSS-8"], dict(GLAMOUR), REASON))
    assert departs.divergence is not None and departs.divergence.startswith("Required because")


def test_precedents_fit_the_draft(sessions):
    minji = sessions("minji")
    earlier = removal(minji, "S1")
    draft = DecisionDraft("remove_content", ["CSS-3"], dict(earlier.factors), REASON)
    view = live_view(minji, _case(minji), draft)
    assert [p.decision["decision_id"] for p in view.precedents][:1] == [earlier.decision_id]


def test_check_gives_the_saves_verdict(sessions):
    minji = sessions("minji")
    draft = DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), "ok")
    view = live_view(minji, _case(minji), draft, check=True)
    assert view.problems and any(p.startswith("reasoning:") for p in view.problems)
    good = live_view(
        minji, _case(minji), DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON), check=True
    )
    assert good.problems == []
