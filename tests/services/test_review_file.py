"""`review_file`: everything the appeal review screen shows, as typed read models."""

from __future__ import annotations

from datetime import timedelta

from appeals_tui.domain.models import Appeal, Case, Decision, Note, StoredReport
from appeals_tui.domain.sources import detection_sources
from appeals_tui.domain.timeutil import parse_ts
from appeals_tui.services import appeals, cases, decisions
from appeals_tui.services.appeal_review import AppliedClause, ClauseChoice, ReviewFile, review_file
from appeals_tui.services.strikes import AccountStanding
from tests.conftest import removal


def test_review_file_is_typed_and_matches_the_records(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    decided = removal(minji)
    appeal = appeals.file_appeal(minji, decided.decision_id, "It is only a story.", "acct_S1")
    cases.add_note(daniel, f"appeal:{appeal.appeal_id}", "Check the last panel again.")
    f = review_file(daniel, appeal.appeal_id)
    assert isinstance(f, ReviewFile)
    assert isinstance(f.appeal, Appeal) and f.appeal == appeals.get_appeal(daniel, appeal.appeal_id)
    assert isinstance(f.decision, Decision) and f.decision == decided
    assert f.decision == decisions.get_decision(daniel, decided.decision_id)
    assert isinstance(f.case, Case) and f.case.case_id == decided.case_id
    assert all(isinstance(r, StoredReport) for r in f.reports)
    assert [r.report_id for r in f.reports] == f.case.report_ids and f.reports[0].version >= 1
    assert f.detection == detection_sources(r.to_dict() for r in f.reports)
    assert "user_report" in f.detection
    (clause,) = f.clauses
    applied = daniel.library.get("CSS-3", decided.clauses[0]["version"])
    assert clause == AppliedClause(
        "CSS-3", applied.version, applied.title, applied.text,
        daniel.library.latest("CSS-3").version,
    )  # fmt: skip
    assert f.chain == [decided]
    assert isinstance(f.standing, AccountStanding) and f.standing.account == decided.account
    assert [(n.text, type(n)) for n in f.notes] == [("Check the last panel again.", Note)]
    assert f.notices == []
    window = daniel.config("appeal_window_days")
    assert parse_ts(f.appeal_deadline) == parse_ts(decided.decided_at) + timedelta(days=window)
    assert f.own_decision is False and f.resolved is False and f.is_lead is False
    assert f.clause_choices and all(isinstance(c, ClauseChoice) for c in f.clause_choices)
    # the moderator who decided reads the same file, told it is their own decision
    assert review_file(minji, appeal.appeal_id).own_decision is True


def test_review_file_after_an_overturn_shows_the_chain_and_resolution(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    decided = removal(minji)
    appeal = appeals.file_appeal(minji, decided.decision_id, "It is only a story.")
    appeals.claim_appeal(daniel, appeal.appeal_id)
    resolved = appeals.resolve_appeal(
        daniel, appeal.appeal_id, "overturned",
        "A story with no contact details; it does not promote anything.",
        action="no_action", clause_ids=["CSS-0"],
    )  # fmt: skip
    f = review_file(sessions("seoyeon"), appeal.appeal_id)
    assert f.resolved is True and f.is_lead is True and f.appeal.outcome == "overturned"
    assert [d.decision_id for d in f.chain] == [decided.decision_id, resolved.new_decision_id]
    assert f.chain[0].superseded_by == resolved.new_decision_id
