"""Exports: CSV and JSONL round-trip to the history records; SoR fields and values."""

from __future__ import annotations

import csv
import io
import json

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.models import FACTORS, Decision
from appeals_tui.domain.sor import REQUIRED_FIELDS
from appeals_tui.services import appeals, decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.export import CSV_COLUMNS, export_decisions
from appeals_tui.services.history import HistoryFilter, history
from tests.conftest import GLAMOUR, case_for, factors

WHY = "Webtoon 'based on real stories' glamorizes the salon; 연락처 없음, no price."
DIVERGE = "Recorded for the export test; the rubric is not the point here."
NEWS = factors(depicts_commercial_sex=True, news_or_educational_context=True)
SOLICIT = factors(depicts_commercial_sex=True, contact_means=True, pricing_or_booking=True)


@pytest.fixture
def decided(sessions):
    """Six decisions incl. one no_action and one superseded by an appeal."""
    minji, daniel = sessions("minji"), sessions("daniel")
    plan = [
        (minji, "S1", "geo_block", ["KR-1"], GLAMOUR),
        (minji, "S2", "restrict_reach", ["CSS-4"], GLAMOUR),
        (daniel, "S3", "remove_content", ["CSS-3", "KR-1"], SOLICIT),
        (daniel, "S4", "no_action", ["CSS-7"], NEWS),
        (daniel, "US1", "label", ["CSS-8"], GLAMOUR),
    ]
    made = {}
    for who, subject, action, clauses, profile in plan:
        draft = DecisionDraft(action, clauses, dict(profile), WHY, divergence_reason=DIVERGE)
        made[subject] = decisions.decide(who, case_for(who, subject), draft)
    appeal = appeals.file_appeal(daniel, made["S2"].decision_id, "It is fiction.")
    appeals.resolve_appeal(
        daniel, appeal.appeal_id, "modified", "Reach restriction is enough; label it instead.",
        action="label", clause_ids=["CSS-4"],
    )  # fmt: skip
    return sessions("seoyeon")


def run(session, fmt, flt=None, progress=None):
    out = io.StringIO()
    result = export_decisions(session, fmt, out, flt, progress)
    return result.written, out.getvalue()


def test_csv_round_trip(decided):
    count, text = run(decided, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    records = history(decided, limit=100).items
    assert count == len(rows) == len(records) == 6
    assert list(rows[0]) == list(CSV_COLUMNS)
    for row, d in zip(rows, records, strict=True):
        assert row["decision_id"] == d.decision_id and row["action"] == d.action
        assert row["reasoning"] == d.reasoning
        assert row["clauses"] == ";".join(f"{c['id']}@v{c['version']}" for c in d.clauses)
        assert {f: row[f"factor_{f}"] == "yes" for f in FACTORS} == d.factors
        assert row["superseded_by"] == (d.superseded_by or "")
        assert row["appeal_outcome"] == (d.appeal_outcome or "")
    assert sum("연락처" in row["reasoning"] for row in rows) == 5
    assert sum(bool(row["superseded_by"]) for row in rows) == 1


def test_jsonl_round_trip(decided):
    count, text = run(decided, "jsonl")
    back = [json.loads(line) for line in text.splitlines()]
    # the stored record, as the history reads it
    assert [Decision.from_dict(r) for r in back] == history(decided, limit=100).items
    assert count == 6


def test_filters_as_in_history(decided):
    flt = HistoryFilter(moderator="daniel", include_superseded=False)
    count, text = run(decided, "jsonl", flt)
    # S3, S4, US1 and the label decision written when daniel modified minji's S2 on appeal
    assert count == history(decided, flt).total == 4
    assert {json.loads(line)["moderator"] for line in text.splitlines()} == {"daniel"}


def test_sor_has_required_fields_with_allowed_values_and_skips_no_action(decided):
    out = io.StringIO()
    result = export_decisions(decided, "sor", out)
    count, text = result.written, out.getvalue()
    statements = [json.loads(line) for line in text.splitlines()]
    vocab = decided.library.sor.vocabulary
    exported = {s["puid"] for s in statements}
    no_action = {
        d.decision_id for d in history(decided, limit=100).items if d.action == "no_action"
    }
    assert no_action and not (no_action & exported)
    # the KR geo-block restricts nothing in the EEA: left out and counted, not hidden
    assert count == len(statements) == 4
    assert result.left_out == {"no_action": 1, "outside_eea": 1} and result.scanned == 6
    assert "EEA" in result.left_out_why["outside_eea"] and result.invalid == []
    assert "left out 2 needing no statement (no_action 1, outside_eea 1)" in result.summary()
    for s in statements:
        for name in REQUIRED_FIELDS:
            assert s.get(name) not in (None, "", []), name
        assert s.get("decision_visibility") or s.get("decision_account")
        for v in s.get("decision_visibility", []):
            assert v in vocab["decision_visibility"]
        if "decision_account" in s:
            assert s["decision_account"] in vocab["decision_account"]
        assert s["decision_ground"] in vocab["decision_ground"]
        if s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT":
            assert s["illegal_content_legal_ground"] and s["illegal_content_explanation"]
        else:
            assert s["incompatible_content_ground"] and s["incompatible_content_explanation"]
        assert all(c in vocab["content_type"] for c in s["content_type"])
        assert s["category"] in vocab["category"]
        assert s["source_type"] in vocab["source_type"]
        assert s["automated_detection"] in ("Yes", "No")
        assert s["automated_decision"] in vocab["automated_decision"]
        assert s["territorial_scope"]
        assert s["application_date"][:4] == "2026" and s["content_date"][:4] == "2026"
        assert s["taxonomy_version"] == decided.library.sor.taxonomy_version


def test_progress_reports_decisions_scanned(decided):
    seen: list[tuple] = []
    count, _ = run(decided, "sor", progress=lambda *a: seen.append(a))
    assert count == 4
    assert seen[0] == (0, 6, "exporting") and seen[-1] == (6, 6, "exporting")
    seen.clear()
    run(decided, "jsonl", HistoryFilter(moderator="daniel"), lambda *a: seen.append(a))
    assert seen[0] == (0, None, "exporting")  # filtered: the total is not known up front


def test_unknown_format(decided):
    with pytest.raises(ValidationError, match="format"):
        run(decided, "xml")


def test_export_to_path_is_atomic(decided, tmp_path):
    from appeals_tui.services.export import export_to_path

    target = tmp_path / "out.jsonl"
    assert export_to_path(decided, "jsonl", target).written == 6
    assert len(target.read_text(encoding="utf-8").splitlines()) == 6
    assert not (tmp_path / "out.jsonl.part").exists()
    with pytest.raises(ValidationError, match="folder"):
        export_to_path(decided, "csv", tmp_path / "missing" / "x.csv")
    with pytest.raises(ValidationError, match="format"):
        export_to_path(decided, "xml", tmp_path / "x.xml")
    assert not (tmp_path / "x.xml.part").exists()


def test_export_refuses_paths_inside_the_workspace(sessions):
    import pytest

    from appeals_tui.domain.errors import ValidationError
    from appeals_tui.services.export import export_to_path

    lead = sessions("seoyeon")
    journal = lead.ws.path / "journal.log"
    before = journal.read_bytes()
    with pytest.raises(ValidationError, match="inside the workspace"):
        export_to_path(lead, "csv", journal)
    assert journal.read_bytes() == before
    assert lead.ws.verify().ok
