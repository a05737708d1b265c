"""Report import: all-or-nothing validation, idempotence, grouping into cases."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.services import intake
from tests.conftest import report, write_jsonl


def test_grouping_and_idempotent_reimport(sessions, tmp_path):
    minji = sessions("minji")
    before = minji.ws.count("cases")
    path = write_jsonl(
        tmp_path / "more.jsonl",
        [report("R-100", "NEW"), report("R-101", "NEW", reporter="x"), report("R-1", "S1")],
    )
    result = intake.import_reports(minji, path)
    assert (result.imported, result.skipped, len(result.cases_created)) == (2, 1, 1)
    again = intake.import_reports(minji, path)
    assert (again.imported, again.skipped) == (0, 3)
    assert minji.ws.count("cases") == before + 1
    new_case = next(c for c in minji.ws.all("cases") if c["subject"]["subject_id"] == "NEW")
    assert new_case["report_ids"] == ["R-100", "R-101"]


def test_bad_file_imports_nothing_and_names_lines(sessions, tmp_path):
    minji = sessions("minji")
    rows = [
        report("R-200", "B"),
        report("R-201", "B", reported_at="2026-11-19T09:00:00"),
        report("R-202", "B", subject_type="tweet"),
    ]
    del rows[0]["reporter"]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    before = minji.ws.count("reports")
    with pytest.raises(ValidationError) as err:
        intake.import_reports(minji, path)
    problems = err.value.problems
    assert f"{path}:1: reporter: required" in problems
    assert any(p.startswith(f"{path}:2: reported_at:") and "offset" in p for p in problems)
    assert any(p.startswith(f"{path}:3: subject_type:") for p in problems)
    assert minji.ws.count("reports") == before


def test_csv_import_with_korean_and_quotes(sessions, tmp_path):
    minji = sessions("minji")
    path = tmp_path / "r.csv"
    path.write_text(
        "report_id,reported_at,reporter,reason,platform,subject_type,subject_id,account,content_text,followers\n"
        'R-300,2026-11-19T09:00:00+09:00,u1,sexual_services,instagram,reel,RL1,acct,"실화, ""진짜"" 이야기",1200\n',
        encoding="utf-8",
    )
    result = intake.import_reports(minji, path)
    assert result.imported == 1
    case = next(c for c in minji.ws.all("cases") if c["subject"]["subject_id"] == "RL1")
    assert case["content_text"] == '실화, "진짜" 이야기' and case["metrics"]["followers"] == 1200


def test_csv_header_naming_a_column_twice_is_refused(sessions, tmp_path):
    """`report_id,report_id,…` imported the row under the second id (q2), silently."""
    minji = sessions("minji")
    path = tmp_path / "twice.csv"
    path.write_text(
        "report_id,report_id,reported_at,reporter,reason,platform,subject_type,subject_id,account,"
        "account\n"
        "q1,q2,2026-11-19T09:00:00+09:00,u1,spam,instagram,post,TW1,first,second\n",
        encoding="utf-8",
    )
    before = minji.ws.count("reports")
    with pytest.raises(ValidationError) as err:
        intake.import_reports(minji, path)
    assert err.value.problems == [f"{path}:1: header: column(s) account, report_id repeated"]
    assert minji.ws.count("reports") == before


def test_decided_case_rereport_opens_linked_case(sessions, tmp_path):
    from appeals_tui.services import decisions
    from tests.conftest import case_for
    from tests.services.test_decide import draft

    minji = sessions("minji")
    old = case_for(minji, "S1")
    decisions.decide(minji, old, draft())
    intake.import_reports(minji, write_jsonl(tmp_path / "re.jsonl", [report("R-400", "S1")]))
    new = [
        c
        for c in minji.ws.all("cases")
        if c["subject"]["subject_id"] == "S1" and c["case_id"] != old
    ]
    assert len(new) == 1 and new[0]["linked_case"] == old and new[0]["status"] == "open"


def test_unsupported_extension(sessions, tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("x")
    with pytest.raises(ValidationError, match="unsupported file type"):
        intake.import_reports(sessions("minji"), path)
