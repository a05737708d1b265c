"""services.batch: one decide() per case; refusals collected per case, never raised."""

from __future__ import annotations

from appeals_tui.services import cases
from appeals_tui.services.batch import account_open_cases, decide_each
from appeals_tui.services.decisions import DecisionDraft
from tests.conftest import GLAMOUR, case_for, report, write_jsonl

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def test_decide_each_saves_each_case_and_reports_refusals(sessions, tmp_path):
    from appeals_tui.services import intake

    minji, daniel = sessions("minji"), sessions("daniel")
    rows = [report(f"B-{i}", f"B{i}", account="acct_batch") for i in (1, 2, 3)]
    intake.import_reports(minji, write_jsonl(tmp_path / "b.jsonl", rows))
    found = account_open_cases(minji, "acct_batch")
    assert [c.case_id for c in found] == [case_for(minji, f"B{i}") for i in (1, 2, 3)]
    taken = case_for(minji, "B3")
    cases.claim(daniel, taken)
    targets = [(c.case_id, c.version) for c in found]
    draft = DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
    outcomes = decide_each(minji, targets, draft)
    assert [o.ok for o in outcomes] == [True, True, False]
    assert outcomes[0].message.startswith("D-")
    assert "changed since" in outcomes[2].message or "claimed by daniel" in outcomes[2].message
    assert minji.ws.count("decisions") == 2
    # a bad draft: every case refused, with the service's problems, nothing saved
    rest = [(taken, minji.ws.get("cases", taken)["version"])]
    bad = decide_each(daniel, rest, DecisionDraft("", [], {}, ""))
    assert not bad[0].ok and "action: choose an action" in bad[0].message
    assert minji.ws.count("decisions") == 2
