"""Strikes: added on removal/suspension, lifted on overturn, dismissed by leads, threshold."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import NotFound, PermissionDenied, ValidationError
from appeals_tui.services import appeals, decisions, roster, strikes
from appeals_tui.services.decisions import DecisionDraft
from tests.conftest import GLAMOUR, case_for, factors

PROMO = factors(depicts_commercial_sex=True, narrative_framing=True, contact_means=True)
RECRUIT = factors(depicts_commercial_sex=True, recruitment=True)


def decide(session, subject, action, clause, fs, divergence=None):
    return decisions.decide(
        session,
        case_for(session, subject),
        DecisionDraft(
            action=action,
            clause_ids=[clause],
            factors=dict(fs),
            reasoning="The content shows what the clause describes in detail.",
            divergence_reason=divergence,
        ),
    )


def test_removal_and_suspension_add_label_does_not(sessions):
    minji = sessions("minji")
    r = decide(minji, "S1", "remove_content", "CSS-3", PROMO)
    s = decide(minji, "S2", "suspend_account", "CSS-5", RECRUIT)
    decide(minji, "S3", "label", "CSS-4", GLAMOUR, divergence="Label is enough for this one.")
    rows = minji.ws.all("strikes")
    assert sorted(x["decision_id"] for x in rows) == sorted([r.decision_id, s.decision_id])
    weight = minji.library.get("CSS-3", r.clauses[0]["version"]).strike_weight
    assert strikes.strikes_for(minji, "acct_S1")[0].weight == max(1, weight)
    assert "strike.added" in [e["type"] for e in minji.ws.events()]


def test_overturn_removes_strike(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = decide(minji, "S1", "remove_content", "CSS-3", PROMO)
    a = appeals.file_appeal(minji, d.decision_id, "It is a fan account.")
    appeals.resolve_appeal(daniel, a.appeal_id, "overturned", "No contact means is shown at all.")
    assert [s.status for s in strikes.strikes_for(daniel, "acct_S1")] == ["removed"]
    assert strikes.account_standing(daniel, "acct_S1").active_weight == 0


def test_modified_to_non_striking_removes_strike(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = decide(minji, "S1", "remove_content", "CSS-3", PROMO)
    a = appeals.file_appeal(minji, d.decision_id, "Too harsh.")
    appeals.resolve_appeal(
        daniel,
        a.appeal_id,
        "modified",
        "Contact was cropped; glamorizing only, restrict reach instead.",
        action="restrict_reach",
        clause_ids=["CSS-4"],
    )
    assert [s.status for s in strikes.strikes_for(daniel, "acct_S1")] == ["removed"]


def test_dismiss_lead_only_with_reason(sessions):
    minji, lead = sessions("minji"), sessions("seoyeon")
    decide(minji, "S1", "remove_content", "CSS-3", PROMO)
    sid = strikes.strikes_for(minji, "acct_S1")[0].strike_id
    with pytest.raises(PermissionDenied):
        strikes.dismiss_strike(minji, sid, "I changed my mind about this one.")
    with pytest.raises(ValidationError, match="reason"):
        strikes.dismiss_strike(lead, sid, "no")
    with pytest.raises(NotFound):
        strikes.dismiss_strike(lead, "S-999999", "Not a real strike at all here.")
    done = strikes.dismiss_strike(lead, sid, "Account verified as a survivor support group.")
    assert done.status == "dismissed" and done.dismissed_by == "seoyeon"
    with pytest.raises(ValidationError, match="already dismissed"):
        strikes.dismiss_strike(lead, sid, "Account verified as a survivor support group.")
    assert "strike.dismissed" in [e["type"] for e in lead.ws.events()]


def test_flagged_threshold_configurable(sessions):
    minji = sessions("minji")
    decide(minji, "S2", "suspend_account", "CSS-5", RECRUIT)
    standing = strikes.account_standing(minji, "acct_S2")
    roster.set_config(sessions("root"), "strike_threshold", str(standing.active_weight + 1))
    assert strikes.flagged_accounts(minji) == []
    assert strikes.account_standing(minji, "acct_S2").flagged is False
    roster.set_config(sessions("root"), "strike_threshold", str(standing.active_weight))
    flagged = strikes.flagged_accounts(minji)
    assert [f.account for f in flagged] == ["acct_S2"]
    assert strikes.account_standing(minji, "acct_S2").flagged is True
