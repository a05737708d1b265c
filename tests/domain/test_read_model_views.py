"""Typed views of a record's stored sub-documents (subject, metrics, clauses, guidance):
what the UI and CLI read instead of indexing the dicts."""

from __future__ import annotations

from appeals_tui.domain.models import Case, ClauseRef, Decision, GuidanceThen, Subject

SUBJECT = {
    "platform": "x",
    "subject_type": "post",
    "subject_id": "185993",
    "account": "gangnam_room_toon",
    "url": "https://x.com/gangnam_room_toon/status/185993",
}


def test_case_views_read_the_stored_subject_and_metrics() -> None:
    case = Case.from_dict(
        {"case_id": "C-1", "subject": SUBJECT, "metrics": {"followers": 5600, "views": 24000}}
    )
    assert case.account == "gangnam_room_toon" and case.platform == "x"
    assert case.subject_ref == Subject("x", "post", "185993", "gangnam_room_toon", SUBJECT["url"])
    assert (case.followers, case.views) == (5600, 24000)
    bare = Case.from_dict({"case_id": "C-2", "subject": {**SUBJECT, "url": None}})
    assert (bare.followers, bare.views, bare.subject_ref.url) == (0, 0, None)


def _decision(**extra: object) -> Decision:
    return Decision.from_dict(
        {
            "decision_id": "D-1",
            "case_id": "C-1",
            "moderator": "minji",
            "decided_at": "2026-11-30T10:00:00+00:00",
            "action": "remove_content",
            "clauses": [{"id": "CSS-2", "version": 1}, {"id": "CSS-4", "version": 2}],
            "factors": {},
            "reasoning": "r",
            **extra,
        }
    )


def test_decision_clauses_and_guidance_then() -> None:
    d = _decision(
        guidance={
            "action": "label",
            "clause_id": "CSS-8",
            "rule_id": "R7",
            "nearest_precedent": {"decision_id": "D-7", "action": "label"},
        }
    )
    assert d.clause_ids == ["CSS-2", "CSS-4"]
    assert d.clause_refs == [ClauseRef("CSS-2", 1), ClauseRef("CSS-4", 2)]
    assert d.guidance_then == GuidanceThen("label", "CSS-8", "R7", "D-7", "label")
    # a decision stored before guidance was recorded shows "?" rather than failing
    assert _decision().guidance_then == GuidanceThen("?", "?", "?")
