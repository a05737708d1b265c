"""SoR export through the real store: statements the DSA database would refuse are never
written, out-of-scope decisions are counted by reason, sor-api writes submit-ready files."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.models import Report
from appeals_tui.domain.reports import ParsedReport
from appeals_tui.domain.sor_rules import validate_statement
from appeals_tui.paths import data_dir
from appeals_tui.services import decisions, demo, intake
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.export import ExportFile, export_decisions, export_to_path
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from appeals_tui.store.shipped import load_library
from tests.conftest import GLAMOUR, case_for, factors, report

WHY = "Webtoon 'based on real stories' glamorizes the salon; 연락처 없음, no price."
DIVERGE = "Recorded for the export test; the rubric is not the point here."
SOLICIT = factors(depicts_commercial_sex=True, contact_means=True, pricing_or_booking=True)


def decide(session, subject, action, clauses, profile=GLAMOUR):
    draft = DecisionDraft(action, clauses, dict(profile), WHY, divergence_reason=DIVERGE)
    return decisions.decide(session, case_for(session, subject), draft).decision_id


@pytest.fixture
def mixed(sessions, tmp_path):
    """Four in-scope decisions, one posted in 1999 (content_date the database refuses),
    one KR geo-block (outside the EEA) and one no_action."""
    admin = sessions("root")
    old = report("R-OLD", "OLD1", reported_at="1999-06-01T09:00:00+09:00")
    # a file import refuses dates before 2000 (tests/trust/test_import_bounds.py); such a
    # report can still come from an older workspace, so it is stored past the file check
    intake.import_parsed(admin, [ParsedReport(1, Report.from_dict(old))], source="old.jsonl")
    minji = sessions("minji")
    made = {
        "S2": decide(minji, "S2", "restrict_reach", ["CSS-4"]),
        "S3": decide(minji, "S3", "remove_content", ["CSS-3"], SOLICIT),
        "S4": decide(minji, "S4", "label", ["CSS-8"]),
        "US1": decide(minji, "US1", "remove_content", ["CSS-3"], SOLICIT),
        "OLD1": decide(minji, "OLD1", "remove_content", ["CSS-3"], SOLICIT),
        "S1": decide(minji, "S1", "geo_block", ["KR-1"]),
        "S5": decide(minji, "S5", "no_action", ["CSS-7"]),
    }
    return sessions("seoyeon"), made


def test_refused_statement_stops_the_export_and_writes_nothing(mixed):
    lead, made = mixed
    out = io.StringIO()
    with pytest.raises(ValidationError) as e:
        export_decisions(lead, "sor", out)
    assert out.getvalue() == ""
    assert e.value.problems == [
        f"{made['OLD1']}: content_date: date_range: 1999-06-01 is outside 2000-01-01…2038-01-01"
    ]
    assert "nothing was written" in str(e.value)


def test_refused_statement_leaves_no_file(mixed, tmp_path):
    lead, _ = mixed
    target = tmp_path / "out" / "sor.jsonl"
    target.parent.mkdir()
    with pytest.raises(ValidationError):
        export_to_path(lead, "sor", target)
    assert list(target.parent.iterdir()) == []


def test_skip_invalid_lists_them_and_writes_the_rest(mixed):
    lead, made = mixed
    out = io.StringIO()
    result = export_decisions(lead, "sor", out, skip_invalid=True)
    puids = [json.loads(line)["puid"] for line in out.getvalue().splitlines()]
    assert sorted(puids) == sorted(made[s] for s in ("S2", "S3", "S4", "US1"))
    assert result.invalid_decisions == 1 and made["OLD1"] in result.invalid[0]
    assert result.left_out == {"no_action": 1, "outside_eea": 1}
    assert result.summary() == (
        "exported 4 statement(s); left out 2 needing no statement "
        "(no_action 1, outside_eea 1); skipped 1 invalid"
    )
    for line in out.getvalue().splitlines():
        assert validate_statement(json.loads(line), lead.library.sor.rules) == []


def test_demo_export_passes_every_rule_and_says_what_it_left_out(tmp_path):
    path = tmp_path / "demo"
    demo.build_demo(path)
    ws = Workspace.open(path)
    try:
        lead = Session.open(ws, "seoyeon")
        out = io.StringIO()
        result = export_decisions(lead, "sor", out)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert result.written == len(lines) == 16 and result.invalid == []
        assert all(validate_statement(s, lead.library.sor.rules) == [] for s in lines)
        assert result.left_out == {"escalate": 1, "no_action": 6, "outside_eea": 4}
        assert result.scanned == 16 + 11
        assert not any("KR" in s["territorial_scope"] for s in lines)
        assert set(result.as_dict()["left_out_why"]) == {"escalate", "no_action", "outside_eea"}
    finally:
        ws.close()


@pytest.fixture
def small_batches(mixed, tmp_path):
    """The same workspace under a library whose multi-statement limit is 2."""
    lead, made = mixed
    folder = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", folder)
    sor = json.loads((folder / "sor.json").read_text(encoding="utf-8"))
    sor["database_rules"]["statements_per_request"] = 2
    (folder / "sor.json").write_text(json.dumps(sor, ensure_ascii=False), encoding="utf-8")
    session = Session.open(lead.ws, "seoyeon", clock=lead.clock, library=load_library(folder))
    return session, made


def test_sor_api_files_hold_at_most_the_limit_with_a_manifest(small_batches, tmp_path):
    lead, made = small_batches
    target = tmp_path / "submit"
    result = export_to_path(lead, "sor-api", target, skip_invalid=True)
    files = sorted(p.name for p in target.iterdir())
    assert files == ["manifest.json", "statements-00001.json", "statements-00002.json"]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    seen = []
    for entry in manifest["files"]:
        body = json.loads((target / entry["file"]).read_text(encoding="utf-8"))
        assert list(body) == ["statements"] and 1 <= len(body["statements"]) <= 2
        assert [s["puid"] for s in body["statements"]] == entry["decisions"]
        for s in body["statements"]:
            assert "taxonomy_version" not in s  # only fields the API takes
            assert validate_statement(s, lead.library.sor.rules) == []
        seen += entry["decisions"]
    assert sorted(seen) == sorted(made[s] for s in ("S2", "S3", "S4", "US1"))
    assert manifest["left_out"] == {"no_action": 1, "outside_eea": 1}
    assert manifest["invalid_decisions"] == 1 and manifest["puid"] == "decision_id"
    assert manifest["statements_per_request"] == 2 and result.written == 4
    assert manifest["taxonomy_version"] and manifest["database_rules"].startswith("2026-06-24")
    # the result's files are typed; the manifest lists them with the same fields
    assert all(isinstance(f, ExportFile) for f in result.files)
    assert [dataclasses.asdict(f) for f in result.files] == manifest["files"]


def test_sor_api_rerun_keeps_puids_and_replaces_its_own_folder(small_batches, tmp_path):
    lead, _ = small_batches
    target = tmp_path / "submit"

    def puids() -> list[str]:
        m = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        return [d for f in m["files"] for d in f["decisions"]]

    export_to_path(lead, "sor-api", target, skip_invalid=True)
    first = puids()
    export_to_path(lead, "sor-api", target, skip_invalid=True)
    assert puids() == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_sor_api_refuses_a_folder_with_other_files_and_leaves_nothing_when_refused(
    small_batches, tmp_path
):
    lead, _ = small_batches
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ValidationError, match="holds other files"):
        export_to_path(lead, "sor-api", other)
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    with pytest.raises(ValidationError, match="would be refused"):
        export_to_path(lead, "sor-api", tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_sor_api_needs_a_folder_not_a_stream(mixed):
    lead, _ = mixed
    with pytest.raises(ValidationError, match="sor-api writes a folder"):
        export_decisions(lead, "sor-api", io.StringIO())


def test_default_limit_is_the_multi_endpoint_limit(mixed):
    lead, _ = mixed
    assert lead.library.sor.rules.statements_per_request == 100


def test_source_type_comes_from_the_cases_reports(sessions):
    """#15: `source_type` says trusted flagger where a trusted flagger reported the case
    (as notices do), not the default from an unset `case.source_type`."""
    admin = sessions("root")
    rows = [
        report("R-TF1", "TF1", jurisdiction="DE", reporter="trusted_flagger_jugendschutz"),
        report("R-TF2", "TF1", jurisdiction="DE", reporter="user_77"),
        report("R-AU1", "AU1", jurisdiction="DE", reporter="auto_classifier"),
        report("R-US1", "UR1", jurisdiction="DE", reporter="user_12"),
    ]
    intake.import_parsed(
        admin, [ParsedReport(i, Report.from_dict(r)) for i, r in enumerate(rows, 1)], "r.jsonl"
    )
    minji = sessions("minji")
    made = {
        s: decide(minji, s, "remove_content", ["CSS-3"], SOLICIT) for s in ("TF1", "AU1", "UR1")
    }
    out = io.StringIO()
    export_decisions(sessions("seoyeon"), "sor", out)
    by_puid = {s["puid"]: s for s in map(json.loads, out.getvalue().splitlines())}
    tf, auto, user = (by_puid[made[s]] for s in ("TF1", "AU1", "UR1"))
    assert (tf["source_type"], tf["automated_detection"]) == ("SOURCE_TRUSTED_FLAGGER", "No")
    assert (auto["source_type"], auto["automated_detection"]) == ("SOURCE_VOLUNTARY", "Yes")
    assert (user["source_type"], user["automated_detection"]) == ("SOURCE_ARTICLE_16", "No")
    for s in (tf, auto, user):
        assert validate_statement(s, sessions("seoyeon").library.sor.rules) == []
