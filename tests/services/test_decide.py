"""decide(): validation, guidance, divergence, precedents, conflicts, permissions."""

from __future__ import annotations

import orjson
import pytest

from appeals_tui import jsonout
from appeals_tui.domain.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from appeals_tui.domain.models import Case, Decision
from appeals_tui.services import appeals, cases, decisions
from appeals_tui.services.decisions import DecisionDraft
from tests.conftest import GLAMOUR, case_for, factors

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def draft(**kw) -> DecisionDraft:
    base = dict(action="geo_block", clause_ids=["KR-1"], factors=dict(GLAMOUR), reasoning=REASON)
    base.update(kw)
    return DecisionDraft(**base)


def test_decide_records_guidance_and_clause_version(sessions):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    decision = decisions.decide(minji, cid, draft())
    assert decision.action == "geo_block"
    assert decision.clauses == [{"id": "KR-1", "version": minji.library.latest("KR-1").version}]
    assert decision.guidance["action"] == "geo_block"
    assert decision.guidance["rule_id"]
    assert not decision.diverged
    case = minji.ws.get("cases", cid)
    assert case["status"] == "decided" and case["decision_id"] == decision.decision_id


@pytest.mark.parametrize("reasoning", ["", "   \n\t ", "ok", "bad."])
def test_trivial_reasoning_rejected_and_nothing_saved(sessions, reasoning):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    with pytest.raises(ValidationError) as err:
        decisions.decide(minji, cid, draft(reasoning=reasoning))
    assert any(p.startswith("reasoning:") for p in err.value.problems)
    assert minji.ws.count("decisions") == 0
    assert minji.ws.get("cases", cid)["status"] == "open"


def test_unknown_clause_and_action_rejected(sessions):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    with pytest.raises(ValidationError) as err:
        decisions.decide(minji, cid, draft(action="vaporize", clause_ids=["NOPE-9"]))
    text = " ".join(err.value.problems)
    assert "vaporize" in text and "NOPE-9" in text


def test_missing_factor_rejected(sessions):
    minji = sessions("minji")
    partial = dict(GLAMOUR)
    partial.pop("glamorization")
    with pytest.raises(ValidationError, match="glamorization"):
        decisions.decide(minji, case_for(minji, "S1"), draft(factors=partial))


def test_divergence_from_guidance_requires_reason(sessions):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    with pytest.raises(ValidationError, match="divergence_reason"):
        decisions.decide(minji, cid, draft(action="remove_content", clause_ids=["CSS-1"]))
    d = decisions.decide(
        minji,
        cid,
        draft(
            action="remove_content",
            clause_ids=["CSS-1"],
            divergence_reason="Account posts these daily as a series; cumulative promotion.",
        ),
    )
    assert d.diverged and d.divergence_reason.startswith("Account posts")


def test_divergence_from_identical_precedent_requires_reason(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    us_case = case_for(minji, "US1")
    # Outside KR the rubric says restrict_reach; daniel departs with a reason -> precedent label
    decisions.decide(
        daniel,
        us_case,
        draft(
            action="label",
            clause_ids=["CSS-8"],
            divergence_reason="Satire account, clearly fictional framing.",
        ),
    )
    # a second US-like profile decided by guidance (restrict_reach) now differs from that precedent
    other = case_for(minji, "S2")
    div = decisions.check_divergence(
        minji,
        Case.from_dict(minji.ws.get("cases", other) | {"jurisdiction": "US"}),
        "restrict_reach",
        dict(GLAMOUR),
        ["CSS-4"],
    )
    assert div.from_precedent and not div.from_guidance
    assert isinstance(div.precedent, Decision) and div.precedent.action == "label"
    assert f"precedent {div.precedent.decision_id}" in div.explain("restrict_reach")


def test_overturned_precedent_not_binding(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = decisions.decide(minji, case_for(minji, "S1"), draft())
    # positive control: while it stands, the decision is offered and binds a twin case
    ranked = decisions.precedents_for(minji, dict(GLAMOUR))
    offered = [r.decision["decision_id"] for r in ranked]
    assert offered == [d.decision_id]
    # what readers outside the ranking get: the Decision read model
    assert isinstance(ranked[0].record, Decision) and ranked[0].record == d
    assert (ranked[0].decision_id, ranked[0].action) == (d.decision_id, d.action)
    assert "factor_mask" not in orjson.loads(jsonout.encode(ranked[0]))["decision"]
    twin = Case.from_dict(minji.ws.get("cases", case_for(minji, "S2")))
    standing = decisions.check_divergence(minji, twin, "label", dict(GLAMOUR), ["CSS-8"])
    assert standing.from_precedent
    appeal = appeals.file_appeal(minji, d.decision_id, "The comic is fiction with no promotion.")
    done = appeals.resolve_appeal(
        daniel,
        appeal.appeal_id,
        "overturned",
        "No promotional element at all; the geo-block was not warranted here.",
    )
    offered = [r.decision["decision_id"] for r in decisions.precedents_for(minji, dict(GLAMOUR))]
    assert d.decision_id not in offered
    assert offered == [done.new_decision_id]  # the superseding decision stands instead


def test_claimed_by_other_is_conflict(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    cid = case_for(minji, "S1")
    cases.claim(minji, cid)
    with pytest.raises(ConflictError, match="claimed by minji"):
        decisions.decide(daniel, cid, draft())
    with pytest.raises(ConflictError):
        cases.claim(daniel, cid)


def test_stale_version_is_conflict(sessions):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    version = minji.ws.get("cases", cid)["version"]
    cases.claim(minji, cid)
    with pytest.raises(ConflictError, match="changed since"):
        decisions.decide(minji, cid, draft(), expected_version=version)


def test_already_decided_is_conflict(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    cid = case_for(minji, "S1")
    decisions.decide(minji, cid, draft())
    with pytest.raises(ConflictError, match="already decided"):
        decisions.decide(daniel, cid, draft())


def test_admin_cannot_decide_and_unknown_case(sessions):
    with pytest.raises(PermissionDenied):
        decisions.decide(sessions("root"), "C-000001", draft())
    with pytest.raises(NotFound):
        decisions.decide(sessions("minji"), "C-999999", draft())


def test_canonical_only_by_lead_and_ranked_first(sessions):
    minji, daniel, lead = sessions("minji"), sessions("daniel"), sessions("seoyeon")
    a = decisions.decide(minji, case_for(minji, "S1"), draft())
    b = decisions.decide(daniel, case_for(minji, "S2"), draft())
    with pytest.raises(PermissionDenied):
        decisions.set_canonical(minji, a.decision_id, True)
    decisions.set_canonical(lead, a.decision_id, True, "reference")
    ranked = decisions.precedents_for(lead, dict(GLAMOUR), {"KR-1"})
    assert [r.decision["decision_id"] for r in ranked][:2] == [a.decision_id, b.decision_id]
    assert lead.ws.events()[-1]["type"] == "precedent.canonical"


def test_decide_strike_for_removal(sessions):
    minji = sessions("minji")
    promo = factors(depicts_commercial_sex=True, narrative_framing=True, contact_means=True)
    d = decisions.decide(
        minji,
        case_for(minji, "S3"),
        DecisionDraft(
            action="remove_content",
            clause_ids=["CSS-3"],
            factors=promo,
            reasoning="Comic ends with a KakaoTalk ID for booking; promotion.",
        ),
    )
    strikes = minji.ws.all("strikes")
    assert [s["decision_id"] for s in strikes] == [d.decision_id]
    assert strikes[0]["weight"] >= 1


def test_all_problems_reported_at_once_in_form_order(sessions):
    minji = sessions("minji")
    cid = case_for(minji, "S1")
    with pytest.raises(ValidationError) as err:
        decisions.decide(
            minji, cid, draft(action="remove_content", clause_ids=["CSS-1"], reasoning="bad.")
        )
    fields = [p.split(":")[0] for p in err.value.problems]
    assert fields == ["reasoning", "divergence_reason"]
    with pytest.raises(ValidationError) as err:
        decisions.decide(minji, cid, draft(action=""))
    assert err.value.problems[0] == "action: choose an action"
    with pytest.raises(ValidationError) as err:
        decisions.decide(minji, cid, draft(action="zap"))
    assert "no_action, label, restrict_reach" in err.value.problems[0]
