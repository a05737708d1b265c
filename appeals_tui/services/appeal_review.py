"""What a reviewer reads before resolving an appeal, gathered in one call.

The review screen shows the original decision beside the case, the clause text of
the version that was applied (not today's), the grounds, precedents, the account's
standing and private notes; one service call keeps the UI to one worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.models import Action, AppealStatus
from .appeals import appeal_deadline, chain_deciders, get_appeal
from .cases import notes_for
from .decisions import get_decision, precedents_for
from .notices import detection_sources, notices_for
from .permissions import can, require_role
from .session import Session
from .strikes import account_standing

__all__ = ["review_file", "clause_choices", "ClauseChoice", "ACTIONS"]

ACTIONS = tuple(a.value for a in Action)


@dataclass(frozen=True)
class ClauseChoice:
    """A clause the reviewer may apply in an outcome (its latest version)."""

    id: str
    version: int
    title: str
    actions_allowed: tuple[str, ...]


def clause_choices(session: Session) -> list[ClauseChoice]:
    """Latest version of every clause, for the outcome's clause picker."""
    return [
        ClauseChoice(c.id, c.version, c.title, tuple(c.actions_allowed))
        for c in session.library.all_latest()
    ]


def _chain(session: Session, decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The decision and every decision it superseded or that superseded it, oldest first."""
    seen: dict[str, dict[str, Any]] = {decision["decision_id"]: decision}
    for link in ("supersedes", "superseded_by"):
        current = decision
        while current.get(link) and current[link] not in seen:
            nxt = session.ws.get("decisions", current[link])
            if nxt is None:
                break
            seen[nxt["decision_id"]] = nxt
            current = nxt
    return sorted(seen.values(), key=lambda d: (d["decided_at"], d["decision_id"]))


def review_file(session: Session, appeal_id: str) -> dict[str, Any]:
    """Appeal, decision, case, reports, applied clause texts, precedents, standing, notes."""
    require_role(session, "read", "see appeals")
    session.ws.refresh()
    appeal = get_appeal(session, appeal_id)
    decision = get_decision(session, appeal.decision_id).to_dict()  # the review file's shape
    case = session.ws.get("cases", decision["case_id"]) or {}
    reports = [
        r for r in (session.ws.get("reports", rid) for rid in case.get("report_ids", [])) if r
    ]
    clauses = []
    for ref in decision["clauses"]:
        clause = session.library.get(ref["id"], ref["version"])
        latest = session.library.latest(ref["id"])
        clauses.append(
            {
                "id": clause.id,
                "version": clause.version,
                "title": clause.title,
                "text": clause.text,
                "latest_version": latest.version,
            }
        )
    ranked = precedents_for(
        session,
        decision["factors"],
        {c["id"] for c in decision["clauses"]},
        exclude_case=decision["case_id"],
        limit=5,
        jurisdiction=case.get("jurisdiction") or decision.get("jurisdiction"),
    )
    may_note = can(session, "note")
    return {
        "appeal": appeal.to_dict(),
        "decision": decision,
        "case": case,
        "reports": reports,
        "detection": detection_sources(reports),
        "clauses": clauses,
        "precedents": [p.to_dict() for p in ranked],
        "chain": _chain(session, decision),
        "standing": account_standing(session, decision.get("account") or "").to_dict(),
        "notes": notes_for(session, f"appeal:{appeal_id}") if may_note else [],
        "notices": [n.to_dict() for n in notices_for(session, appeal_id=appeal_id)],
        "appeal_deadline": appeal_deadline(session, decision),
        # made any decision of this chain: may not review it (separation of duties)
        "own_decision": session.actor in chain_deciders(session, session.ws, decision),
        "resolved": appeal.status == AppealStatus.RESOLVED,
        "is_lead": can(session, "lead"),
        "clause_choices": clause_choices(session),
    }
