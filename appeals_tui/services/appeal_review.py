"""What a reviewer reads before resolving an appeal, gathered in one call.

The review screen shows the original decision beside the case, the clause text of
the version that was applied (not today's), the grounds, precedents, the account's
standing and private notes; one service call keeps the UI to one worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.models import (
    Action,
    Appeal,
    AppealStatus,
    Case,
    Decision,
    Note,
    NoticeRecord,
    StoredReport,
)
from ..domain.similarity import RankedPrecedent
from ..domain.sources import detection_sources
from .appeals import appeal_deadline, chain_deciders, get_appeal
from .cases import notes_for
from .decisions import get_decision, precedents_for
from .history import supersession_chain
from .notices import notices_for
from .permissions import can, require_role
from .session import Session
from .strikes import AccountStanding, account_standing

__all__ = [
    "review_file",
    "clause_choices",
    "ClauseChoice",
    "AppliedClause",
    "ReviewFile",
    "ACTIONS",
]

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


@dataclass(frozen=True)
class AppliedClause:
    """A clause as the decision applied it (that version's text), and the latest version."""

    id: str
    version: int
    title: str
    text: str
    latest_version: int


@dataclass(frozen=True)
class ReviewFile:
    """Everything the review screen shows about one appeal."""

    appeal: Appeal
    decision: Decision
    case: Case | None  # None only when the case record is gone
    reports: list[StoredReport]
    detection: list[str]  # how the content was found: user_report, trusted_flagger, automated
    clauses: list[AppliedClause]
    precedents: list[RankedPrecedent]
    chain: list[Decision]  # the decision's supersession line, oldest first
    standing: AccountStanding
    notes: list[Note]  # private notes on the appeal ([] for those who may not read them)
    notices: list[NoticeRecord]
    appeal_deadline: str
    #: the reader made a decision of this chain: may not review it (separation of duties)
    own_decision: bool
    resolved: bool
    is_lead: bool
    clause_choices: list[ClauseChoice]


def review_file(session: Session, appeal_id: str) -> ReviewFile:
    """Appeal, decision, case, reports, applied clause texts, precedents, standing, notes."""
    require_role(session, "read", "see appeals")
    session.ws.refresh()
    appeal = get_appeal(session, appeal_id)
    decision = get_decision(session, appeal.decision_id)
    case = session.ws.get("cases", decision.case_id)
    reports = [
        r
        for r in (session.ws.get("reports", rid) for rid in (case or {}).get("report_ids", []))
        if r
    ]
    clauses = []
    for ref in decision.clauses:
        clause = session.library.get(ref["id"], ref["version"])
        latest = session.library.latest(ref["id"])
        clauses.append(
            AppliedClause(clause.id, clause.version, clause.title, clause.text, latest.version)
        )
    ranked = precedents_for(
        session,
        decision.factors,
        {c["id"] for c in decision.clauses},
        exclude_case=decision.case_id,
        limit=5,
        jurisdiction=(case or {}).get("jurisdiction") or decision.jurisdiction,
    )
    may_note = can(session, "note")
    return ReviewFile(
        appeal=appeal,
        decision=decision,
        case=Case.from_dict(case) if case else None,
        reports=[StoredReport.from_dict(r) for r in reports],
        detection=detection_sources(reports),
        clauses=clauses,
        precedents=ranked,
        chain=supersession_chain(session, decision.decision_id),
        standing=account_standing(session, decision.account),
        notes=notes_for(session, f"appeal:{appeal_id}") if may_note else [],
        notices=notices_for(session, appeal_id=appeal_id),
        appeal_deadline=appeal_deadline(session, decision.decided_at),
        own_decision=session.actor in chain_deciders(session, session.ws, decision.decision_id),
        resolved=appeal.status == AppealStatus.RESOLVED,
        is_lead=can(session, "lead"),
        clause_choices=clause_choices(session),
    )
