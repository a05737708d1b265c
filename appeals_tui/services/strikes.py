"""Account strikes: removals and suspensions count against an account.

A strike's weight comes from the clause applied; an overturn removes it; a lead
may dismiss one with a reason. Accounts whose active weight reaches the
threshold are flagged for suspension review.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import NotFound, ValidationError
from ..domain.models import Action, Decision, Strike
from ..domain.text import clean_text, is_meaningful
from ..store.protocol import Filter, Op
from ..store.protocol import Transaction as Txn
from .permissions import require_lead, require_role
from .session import Session

__all__ = [
    "STRIKING_ACTIONS",
    "add_strike_for",
    "remove_strikes_for",
    "dismiss_strike",
    "strikes_for",
    "account_standing",
    "flagged_accounts",
    "AccountStanding",
    "FlaggedAccount",
]

STRIKING_ACTIONS = frozenset({Action.REMOVE_CONTENT.value, Action.SUSPEND_ACCOUNT.value})


def _weight(session: Session, decision: Decision) -> int:
    weights = [
        session.library.get(ref["id"], ref["version"]).strike_weight for ref in decision.clauses
    ]
    return max([1, *weights])


def add_strike_for(session: Session, txn: Txn, decision: Decision) -> Strike | None:
    if decision.action not in STRIKING_ACTIONS:
        return None
    strike = Strike(
        strike_id=txn.next_id("S"),
        account=decision.account,
        decision_id=decision.decision_id,
        case_id=decision.case_id,
        weight=_weight(session, decision),
        at=decision.decided_at,
        by=decision.moderator,
    )
    # stored as before: without the fields only a dismissal or a read sets
    doc = {k: v for k, v in strike.to_dict().items() if k not in ("dismissed_by", "version")}
    txn.insert("strikes", strike.strike_id, doc)
    txn.event(
        "strike.added",
        f"account:{decision.account}",
        {
            "strike_id": strike.strike_id,
            "weight": strike.weight,
            "decision_id": decision.decision_id,
        },
    )
    return strike


def remove_strikes_for(session: Session, txn: Txn, decision_id: str, why: str) -> list[str]:
    """Lift every active strike that came from a decision that no longer stands."""
    removed = []
    for strike in session.ws.lookup("strikes", "decision_id", decision_id):
        if strike["status"] == "active":
            txn.update("strikes", strike["strike_id"], {"status": "removed", "reason": why})
            txn.event(
                "strike.removed",
                f"account:{strike['account']}",
                {"strike_id": strike["strike_id"], "reason": why},
            )
            removed.append(strike["strike_id"])
    return removed


def dismiss_strike(session: Session, strike_id: str, reason: str) -> Strike:
    require_lead(session, "dismiss strikes")
    if not is_meaningful(reason, min_chars=10):
        raise ValidationError("reason: say in a sentence why the strike is dismissed")
    with session.ws.transaction(session.actor) as txn:
        doc = txn.get("strikes", strike_id)
        if doc is None:
            raise NotFound(f"strike '{strike_id}' not found")
        strike = Strike.from_dict(doc)
        updated = txn.update(
            "strikes", strike_id, strike.dismiss(clean_text(reason), session.actor)
        )
        txn.event(
            "strike.dismissed",
            f"account:{strike.account}",
            {"strike_id": strike_id, "reason": clean_text(reason)},
        )
    return Strike.from_dict(updated)


def strikes_for(session: Session, account: str) -> list[Strike]:
    docs = sorted(session.ws.lookup("strikes", "account", account), key=lambda s: s["at"])
    return [Strike.from_dict(d) for d in docs]


@dataclass(frozen=True)
class AccountStanding:
    """An account's strikes and whether their active weight reaches the threshold."""

    account: str
    active_weight: int
    threshold: int
    flagged: bool
    strikes: list[Strike]


@dataclass(frozen=True)
class FlaggedAccount:
    account: str
    active_weight: int
    threshold: int


def account_standing(session: Session, account: str) -> AccountStanding:
    strikes = strikes_for(session, account)
    active = sum(s.weight for s in strikes if s.status == "active")
    threshold = session.config("strike_threshold")
    return AccountStanding(account, active, threshold, active >= threshold, strikes)


def flagged_accounts(session: Session) -> list[FlaggedAccount]:
    """Accounts at or over the strike threshold, heaviest first."""
    require_role(session, "read", "see account standing")
    active = [Filter("status", Op.EQ, "active")]
    groups = session.ws.aggregate("strikes", ["account"], active, sums=["weight"])
    threshold = session.config("strike_threshold")
    totals = [(g.key[0], int(g.sums["weight"])) for g in groups]
    return [
        FlaggedAccount(account, weight, threshold)
        for account, weight in sorted(totals, key=lambda kv: -kv[1])
        if weight >= threshold
    ]
