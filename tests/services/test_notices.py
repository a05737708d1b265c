"""Notices: fields from the record, deadlines, language, choices recorded, no leaks."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import PermissionDenied, ValidationError
from appeals_tui.services import appeals, cases, notices, roster
from appeals_tui.services.notices import MAX_BODY_CHARS
from tests.conftest import removal


def test_decision_notice_fields(sessions):
    minji = sessions("minji")
    d = removal(minji)
    n = notices.render_notice(minji, d.decision_id, lang="en")
    f = n.fields
    assert (f["platform"], f["content_type"], f["content_id"]) == ("instagram", "post", "S1")
    assert f["action"] == "remove_content" and f["account"] == "acct_S1"
    clause = minji.library.get("CSS-3", d.clauses[0]["version"])
    assert f["clauses"] == [
        {"id": "CSS-3", "version": clause.version, "title": clause.title, "text": clause.text}
    ]
    assert clause.text in n.body and clause.title in n.body
    assert d.reasoning in n.body
    # S1 was reported by a user and by the trusted flagger tf_kcsc
    assert f["detection_sources"] == ["user_report", "trusted_flagger"]
    assert "trusted flagger" in n.body and "human review" in n.body
    assert f["automated_decision"] is False
    assert f["appeal_deadline"].startswith("2027-05-19")  # 2026-11-20 + 180 days
    assert "2027-05-19" in n.body and n.subject.startswith("Decision D-")


def test_deadline_follows_configured_window(sessions):
    roster.set_config(sessions("root"), "appeal_window_days", "30")
    minji = sessions("minji")
    d = removal(minji)
    n = notices.render_notice(minji, d.decision_id, lang="en")
    assert n.fields["appeal_deadline"].startswith("2026-12-20") and "30 days" in n.body


def test_korean_template_for_kr_and_english_otherwise(sessions):
    minji = sessions("minji")
    kr = removal(minji)
    assert notices.render_notice(minji, kr.decision_id).lang == "ko"
    assert "이의제기" in notices.render_notice(minji, kr.decision_id).body
    us = removal(minji, "US1")
    assert notices.render_notice(minji, us.decision_id).lang == "en"
    assert notices.render_notice(minji, us.decision_id, lang="ko").lang == "ko"
    with pytest.raises(ValidationError, match="lang"):
        notices.render_notice(minji, us.decision_id, lang="fr")
    with pytest.raises(ValidationError, match="template"):
        notices.render_notice(minji, us.decision_id, template="nope")


def test_appeal_outcome_notice(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "The handle is a fan account.")
    with pytest.raises(ValidationError, match="no outcome"):
        notices.render_notice(minji, appeal_id=a.appeal_id)
    done = appeals.resolve_appeal(
        daniel, a.appeal_id, "overturned", "The handle belongs to an unrelated fan page."
    )
    n = notices.render_notice(daniel, appeal_id=a.appeal_id, lang="en")
    f = n.fields
    assert f["outcome"] == "overturned" and f["final"] is True
    assert f["original_decision_id"] == d.decision_id
    assert f["decision_id"] == done.new_decision_id and f["action"] == "no_action"
    assert "unrelated fan page" in n.body and "final" in n.body and "out-of-court" in n.body
    assert [c["id"] for c in f["clauses"]] == ["CSS-0"]


def test_send_records_edit_and_not_sent_reason(sessions):
    minji = sessions("minji")
    d = removal(minji)
    rendered = notices.render_notice(minji, d.decision_id)
    sent = notices.send_notice(minji, d.decision_id, body_override=rendered.body + "\nThanks.")
    assert sent.sent and sent.edited and sent.body.endswith("Thanks.")
    with pytest.raises(ValidationError, match="reason"):
        notices.send_notice(minji, d.decision_id, send=False, reason="")
    kept = notices.send_notice(
        minji, d.decision_id, send=False, reason="Account already deleted by the user."
    )
    assert kept.sent is False and kept.not_sent_reason.startswith("Account already")
    log = notices.notices_for(minji, d.decision_id)
    assert [n.notice_id for n in log] == [sent.notice_id, kept.notice_id]
    types = [e["type"] for e in minji.ws.events()]
    assert "notice.sent" in types and "notice.not_sent" in types


def test_admin_cannot_send(sessions):
    d = removal(sessions("minji"))
    with pytest.raises(PermissionDenied):
        notices.send_notice(sessions("root"), d.decision_id)


def test_private_notes_never_leak(sessions):
    minji = sessions("minji")
    d = removal(minji)
    secret = "Internal: reporter is the ex-partner, handle with care"
    cases.add_note(minji, f"case:{d.case_id}", secret)
    n = notices.render_notice(minji, d.decision_id)
    assert secret not in n.body and secret not in str(n.fields)
    with pytest.raises(ValidationError, match="private note"):
        notices.send_notice(minji, d.decision_id, body_override=n.body + secret)


def test_hostile_reasoning_stays_literal(sessions):
    minji = sessions("minji")
    hostile = "Contact $account ${platform} {0} %(x)s [bold]x[/] ok sentence here."
    d = removal(minji, reasoning=hostile)
    n = notices.render_notice(minji, d.decision_id, lang="en")
    assert hostile in n.body
    sent = notices.send_notice(minji, d.decision_id, lang="en")
    assert hostile in sent.body


def test_trusted_flagger_reporters_are_not_called_user_reports():
    from appeals_tui.services.notice_templates import detection_sources

    reports = [
        {"reporter": "trusted_flagger_kcsc"},
        {"reporter": "Trusted_Flagger-NGO"},
        {"reporter": "tf_kcsc"},
        {"reporter": "user_12"},
        {"reporter": "auto_classifier"},
    ]
    assert detection_sources(reports[:3]) == ["trusted_flagger"]
    assert detection_sources(reports) == ["trusted_flagger", "user_report", "automated"]


def test_an_edited_body_longer_than_a_letter_is_refused(sessions):
    minji = sessions("minji")
    d = removal(minji)
    with pytest.raises(ValidationError, match="at most 100,000 go to a user"):
        notices.send_notice(minji, d.decision_id, body_override="x" * (MAX_BODY_CHARS + 1))
    assert notices.notices_for(minji, d.decision_id) == []


def test_a_no_action_notice_does_not_say_action_was_taken(sessions):
    """The decision template said "…and took action on it" above "No action: your content
    stays up" (and 조치를 취했습니다 in Korean)."""
    from appeals_tui.services import decisions
    from appeals_tui.services.decisions import DecisionDraft
    from tests.conftest import case_for, factors

    minji = sessions("minji")
    kept = decisions.decide(
        minji,
        case_for(minji, "S2"),
        DecisionDraft(
            action="no_action",
            clause_ids=["CSS-0"],
            factors=factors(),
            reasoning="A cafe webtoon: nothing depicts or hints at commercial sex here.",
        ),
    )
    en = notices.render_notice(minji, kept.decision_id, lang="en").body
    ko = notices.render_notice(minji, kept.decision_id, lang="ko").body
    assert "took action" not in en and "No action" in en
    assert "조치를 취했습니다" not in ko
