"""Golden statements of reasons, one per action × ground a valid decision can produce, and a
property: whatever the exporter builds for an in-scope decision passes the database's rules.

Which combinations exist follows from the clauses' allowed actions: only KR-1 (Korean law)
grounds a statement on illegal content, and only for geo_block and remove_content; label,
restrict_reach and suspend_account are always grounded on the terms and conditions.
Set UPDATE_GOLDEN=1 to rewrite the files after a deliberate change, then review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals_tui.domain.sor import out_of_scope_reason, statement_of_reasons
from appeals_tui.domain.sor_rules import validate_statement

GOLDEN = Path(__file__).parent / "golden" / "sor"
REASONING = (
    "Webtoon 'based on real stories' names the salon and ends with a booking handle; 예약 문의."
)


def case(jurisdiction: str, **kw):
    base = {
        "case_id": "C-000001",
        "subject": {"platform": "instagram", "subject_type": "post", "subject_id": "p1",
                    "account": "salon_diary_ai"},
        "content_text": "실화 바탕 이야기 — AI로 그린 실제 이야기",
        "media_description": "AI-generated comic, 8 panels",
        "jurisdiction": jurisdiction,
        "first_reported_at": "2026-03-01T10:00:00+09:00",
    }  # fmt: skip
    base.update(kw)
    return base


def decision(action, clauses):
    return {
        "decision_id": f"D-{action.upper()}",
        "case_id": "C-000001",
        "action": action,
        "clauses": [{"id": c, "version": v} for c, v in clauses],
        "reasoning": REASONING,
        "decided_at": "2026-03-02T09:00:00+00:00",
    }


CASES = {
    ("label", "incompatible"): (decision("label", [("CSS-8", 1)]), case("DE")),
    ("restrict_reach", "incompatible"): (decision("restrict_reach", [("CSS-4", 2)]), case("FR")),
    ("geo_block", "illegal"): (decision("geo_block", [("KR-1", 1)]), case("DE")),
    ("remove_content", "incompatible"): (decision("remove_content", [("CSS-3", 1)]), case("KR")),
    # removed everywhere on Korean law: it applies in the EEA too, so it is in scope
    ("remove_content", "illegal"): (decision("remove_content", [("KR-1", 1)]), case("KR")),
    ("suspend_account", "incompatible"): (
        decision("suspend_account", [("CSS-5", 1), ("CSS-3", 1)]),
        case("", content_text="recruiting 'hostesses', DM for pay", media_description=""),
    ),
}


@pytest.mark.parametrize(("action", "ground"), sorted(CASES))
def test_golden_statement(lib, action, ground):
    d, c = CASES[(action, ground)]
    assert out_of_scope_reason(d, c, lib) is None
    s = statement_of_reasons(d, c, lib)
    assert s is not None
    assert validate_statement(s, lib.sor.rules) == []
    assert s["decision_ground"] == f"DECISION_GROUND_{ground.upper()}_CONTENT"
    path = GOLDEN / f"{action}-{ground}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(s, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                        encoding="utf-8")  # fmt: skip
    assert s == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("d", "c", "reason"),
    [
        (decision("geo_block", [("KR-1", 1)]), case("KR"), "outside_eea"),
        (decision("geo_block", [("CSS-4", 2), ("KR-1", 1)]), case("us"), "outside_eea"),
        (decision("no_action", [("CSS-7", 1)]), case("DE"), "no_action"),
        (decision("escalate", [("CSS-6", 1)]), case("DE"), "escalate"),
    ],
)
def test_out_of_scope(lib, d, c, reason):
    assert out_of_scope_reason(d, c, lib) == reason
    assert reason in lib.sor.out_of_scope


EEA = ["AT", "DE", "FR", "IE", "IS", "LI", "NO", "SE"]
EXPORTABLE = ["label", "restrict_reach", "geo_block", "remove_content", "suspend_account"]


@st.composite
def decisions(draw, lib):
    action = draw(st.sampled_from(EXPORTABLE))
    allowed = [c for c in lib.all_latest() if action in c.actions_allowed]
    first = draw(st.sampled_from(allowed))
    more = draw(st.lists(st.sampled_from(lib.all_latest()), max_size=3, unique_by=lambda c: c.id))
    clauses = [first, *(c for c in more if c.id != first.id)]
    decided = draw(st.datetimes(datetime(2020, 1, 1), datetime(2037, 12, 31)))
    reported = decided - draw(st.timedeltas(timedelta(0), timedelta(days=3000)))
    reported = max(reported, datetime(2000, 1, 1))
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6000)
    d = {
        "decision_id": draw(st.from_regex(r"D-[0-9]{6}", fullmatch=True)),
        "case_id": "C-1",
        "action": action,
        "clauses": [{"id": c.id, "version": c.version} for c in clauses],
        "reasoning": draw(text.filter(lambda t: t.strip())),
        "decided_at": decided.replace(tzinfo=UTC).isoformat(),
    }
    c = {
        "subject": {"subject_type": draw(st.sampled_from(
            ["account", "post", "reel", "story", "comment", "message"]))},
        "content_text": draw(text),
        "media_description": draw(text),
        "jurisdiction": draw(st.sampled_from([*EEA, "KR", "US", "JP", "", None])),
        "first_reported_at": reported.replace(tzinfo=UTC).isoformat(),
        "source_type": draw(st.sampled_from(["", "user_report", "trusted_flagger", "proactive",
                                             "authority", "something_else"])),
    }  # fmt: skip
    return d, c


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_in_scope_statement_passes_the_database_rules(lib, data):
    d, c = data.draw(decisions(lib))
    reason = out_of_scope_reason(d, c, lib)
    if d["action"] == "geo_block" and c["jurisdiction"] and c["jurisdiction"] not in EEA:
        assert reason == "outside_eea"
        return
    assert reason is None
    s = statement_of_reasons(d, c, lib)
    assert s is not None
    assert validate_statement(s, lib.sor.rules) == []
