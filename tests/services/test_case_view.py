"""The case screen's data and its precedent choice, as a service (rule out of the UI)."""

from __future__ import annotations

from appeals_tui.services import intake
from appeals_tui.services.case_view import case_view
from tests.conftest import case_for, removal, report, write_jsonl


def test_first_case_of_an_account_asks_for_factors(sessions):
    minji = sessions("minji")
    view = case_view(minji, case_for(minji, "S2"))
    assert view.decision is None and view.precedents == []
    assert view.precedent_note.startswith("Answer the factors in Decide")
    assert view.case.subject["subject_id"] == "S2" and view.notes == []
    assert view.file.case == view.case and [r["report_id"] for r in view.file.reports]


def test_decided_case_is_ranked_by_its_own_decision(sessions):
    minji = sessions("minji")
    other = removal(minji, "S2")  # an earlier standing decision with the same profile
    mine = removal(minji, "S1")
    view = case_view(minji, mine.case_id)
    assert view.decision is not None and view.decision.decision_id == mine.decision_id
    assert view.precedent_note == f"Ranked by this case's decision {mine.decision_id}."
    assert [p.decision["decision_id"] for p in view.precedents] == [other.decision_id]


def test_open_case_is_ranked_by_the_accounts_last_decision(sessions, tmp_path):
    minji = sessions("minji")
    removal(minji, "S2")
    first = removal(minji, "S1")
    rows = [report("R-9", "S1-ep2", account="acct_S1")]  # the same account posts again
    intake.import_reports(minji, write_jsonl(tmp_path / "more.jsonl", rows))
    view = case_view(minji, case_for(minji, "S1-ep2"))
    assert view.decision is None
    assert view.precedent_note.startswith(f"Using the factors of {first.decision_id}")
    assert first.decision_id in [p.decision["decision_id"] for p in view.precedents]


def test_moderators_without_notes_rights_get_none(sessions):
    root = sessions("root")  # admins may not read private notes
    assert case_view(root, case_for(root, "S1")).notes is None
