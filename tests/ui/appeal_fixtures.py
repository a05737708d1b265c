"""Shared set-up for the appeals UI tests: a removal decision by minji with an open appeal."""

from __future__ import annotations

from appeals_tui.services import appeals, decisions
from appeals_tui.services.decisions import DecisionDraft
from tests.conftest import case_for, factors

PROMO = factors(depicts_commercial_sex=True, narrative_framing=True, contact_means=True)


def removal(session, subject: str = "S1"):
    return decisions.decide(
        session,
        case_for(session, subject),
        DecisionDraft(
            action="remove_content",
            clause_ids=["CSS-3"],
            factors=dict(PROMO),
            reasoning="Comic ends with a KakaoTalk ID for booking; this is promotion.",
        ),
    )


def appealed(sessions, subject: str = "S1"):
    """(decision, appeal): minji's removal, appealed by the account."""
    minji = sessions("minji")
    d = removal(minji, subject)
    a = appeals.file_appeal(minji, d.decision_id, "It is only a story, the ID is a fan page.")
    return d, a
