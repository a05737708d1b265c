"""The case screen's data and its precedent choice, as a service (rule out of the UI)."""

from __future__ import annotations

from appeals_tui.domain.models import Event, StoredReport
from appeals_tui.services import intake
from appeals_tui.services.case_view import case_view
from appeals_tui.services.cases import case_file
from tests.conftest import case_for, removal, report, write_jsonl


def test_first_case_of_an_account_asks_for_factors(sessions):
    minji = sessions("minji")
    view = case_view(minji, case_for(minji, "S2"))
    assert view.decision is None and view.precedents == []
    assert view.precedent_note.startswith("Answer the factors in Decide")
    assert view.case.subject["subject_id"] == "S2" and view.notes == []
    assert view.file.case == view.case and [r.report_id for r in view.file.reports]


def test_case_file_reports_and_timeline_are_typed_records(sessions):
    minji = sessions("minji")
    case_id = case_for(minji, "S1")
    removal(minji, "S1")
    file = case_file(minji, case_id)
    stored = [minji.ws.get("reports", r) for r in file.case.report_ids]
    assert file.reports == [StoredReport.from_dict(r) for r in stored]
    assert all(isinstance(r, StoredReport) and r.version == 1 for r in file.reports)
    assert [r.report_id for r in file.reports] == file.case.report_ids
    assert all(isinstance(e, Event) for e in file.timeline)
    seqs = [e.seq for e in file.timeline]
    assert seqs == sorted(seqs) and file.timeline[-1].type.startswith("decision")
    assert {e.entity for e in file.timeline} == {
        f"case:{case_id}",
        f"decision:{file.case.decision_id}",
    }
    raw = minji.ws.events_for([f"case:{case_id}"])[0]
    assert file.timeline[0] == Event.from_dict(raw) and file.timeline[0].payload == raw["payload"]


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
