"""Appeals: filing within the window, second-person review, and supersession."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.errors import NotFound, PermissionDenied, ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.models import (
    Action,
    Appeal,
    AppealOutcome,
    AppealStatus,
    Case,
    CaseStatus,
    Decision,
    Page,
)
from ..domain.text import clean_text, is_meaningful
from ..domain.timeutil import iso, parse_ts
from ..store.protocol import Filter, Op, Order, Store
from ..store.protocol import Page as Window
from ..store.protocol import Transaction as Txn
from .decisions import DecisionDraft, check_divergence, supersede_decision
from .permissions import require_role
from .session import Session
from .versioned import _load_versioned

__all__ = [
    "AppealFilter",
    "file_appeal",
    "claim_appeal",
    "resolve_appeal",
    "list_appeals",
    "get_appeal",
    "appeal_deadline",
    "AppealPage",
    "AppealListing",
    "page_appeals",
]


def get_appeal(session: Session, appeal_id: str) -> Appeal:
    doc = session.ws.get("appeals", appeal_id)
    if doc is None:
        raise NotFound(f"appeal '{appeal_id}' not found")
    return Appeal.from_dict(doc)


def appeal_deadline(session: Session, decided_at: str) -> str:
    """Last moment an appeal against a decision made at `decided_at` is accepted."""
    window = session.config("appeal_window_days")
    return iso(parse_ts(decided_at) + timedelta(days=window))


def _open_appeal_for(session: Session, decision_id: str) -> dict[str, Any] | None:
    for appeal in session.ws.lookup("appeals", "decision_id", decision_id):
        if appeal["status"] != AppealStatus.RESOLVED:
            return appeal
    return None


def file_appeal(
    session: Session,
    decision_id: str,
    grounds: str,
    appellant: str | None = None,
    new_information: str = "",
) -> Appeal:
    """Record a user's appeal; one open appeal per decision, within the window."""
    require_role(session, "file_appeal", "file appeals")
    text = clean_text(grounds)
    if not text:
        raise ValidationError(
            "grounds: required; what does the user say is wrong with the decision?"
        )
    with session.ws.transaction(session.actor) as txn:
        decision = txn.get("decisions", decision_id)
        if decision is None:
            raise NotFound(f"decision '{decision_id}' not found")
        if decision.get("superseded_by"):
            raise ValidationError(
                f"decision {decision_id} was superseded by {decision['superseded_by']}; appeal that one"
            )
        now = session.now()
        deadline = appeal_deadline(session, decision["decided_at"])
        if now > parse_ts(deadline):
            raise ValidationError(
                f"decision {decision_id}: the appeal window closed on {deadline[:10]} "
                f"({session.config('appeal_window_days')} days after the decision)"
            )
        existing = _open_appeal_for(session, decision_id)
        if existing is not None:
            raise ValidationError(
                f"decision {decision_id} already has an open appeal ({existing['appeal_id']})"
            )
        if decision["action"] == Action.NO_ACTION:
            raise ValidationError(
                f"decision {decision_id} took no action; there is nothing to appeal"
            )
        appeal_id = txn.next_id("A")
        appeal = Appeal(
            appeal_id=appeal_id,
            decision_id=decision_id,
            filed_at=iso(now),
            appellant=clean_text(appellant) or decision.get("account") or "unknown",
            grounds=text,
            due_at=iso(now + timedelta(days=session.config("appeal_sla_days"))),
            new_information=clean_text(new_information),
            case_id=decision["case_id"],
        )
        txn.insert("appeals", appeal_id, appeal.to_dict())
        txn.update(
            "cases",
            decision["case_id"],
            {"status": CaseStatus.APPEALED.value, "updated_at": iso(now)},
        )
        txn.event(
            "appeal.filed",
            f"appeal:{appeal_id}",
            {"decision_id": decision_id, "appellant": appeal.appellant},
        )
    return appeal


def chain_deciders(session: Session, txn: Txn | Store, decision_id: str) -> dict[str, str]:
    """Everyone who made a decision in this decision's chain -> one decision of theirs:
    every decision on the case, and those it supersedes (back to the first). `txn` is
    the transaction the check runs in (or the store, to read only)."""
    decision = txn.get("decisions", decision_id)
    if decision is None:
        raise NotFound(f"decision '{decision_id}' not found")
    found: dict[str, str] = {}
    for d in session.ws.lookup("decisions", "case_id", decision["case_id"]):
        found.setdefault(d["moderator"], d["decision_id"])
    seen: set[str] = set()
    current: dict[str, Any] | None = decision
    while current is not None and current["decision_id"] not in seen:
        seen.add(current["decision_id"])
        found.setdefault(current["moderator"], current["decision_id"])
        earlier = current.get("supersedes")
        current = txn.get("decisions", earlier) if earlier else None
    return found


def _check_reviewer(session: Session, txn: Txn, appeal: Appeal) -> dict[str, Any]:
    """Separation of duties: nobody who made any decision in the appealed decision's
    chain reviews the appeal (so nobody can restore their own earlier decision)."""
    require_role(session, "review_appeal", "review appeals")
    decision = txn.get("decisions", appeal.decision_id)
    assert decision is not None
    mine = chain_deciders(session, txn, appeal.decision_id).get(session.actor)
    if mine is not None:
        raise PermissionDenied(
            f"{session.actor} made decision {mine} in this case's chain; "
            "an appeal must be reviewed by someone else, who made none of its decisions"
        )
    return decision


def claim_appeal(session: Session, appeal_id: str, expected_version: int | None = None) -> Appeal:
    """Take an appeal for review (never one whose chain holds a decision of yours)."""
    with session.ws.transaction(session.actor) as txn:
        appeal = _load(txn, appeal_id, expected_version)
        _check_reviewer(session, txn, appeal)
        updated = txn.update("appeals", appeal_id, appeal.claim(session.actor))
        txn.event("appeal.claimed", f"appeal:{appeal_id}", {"reviewer": session.actor})
    return Appeal.from_dict(updated)


def _load(txn: Txn, appeal_id: str, expected_version: int | None) -> Appeal:
    return Appeal.from_dict(_load_versioned(txn, "appeals", "appeal", appeal_id, expected_version))


def resolve_appeal(
    session: Session,
    appeal_id: str,
    outcome: str,
    reasoning: str,
    *,
    action: str | None = None,
    clause_ids: list[str] | None = None,
    factors: dict[str, bool] | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """Uphold, overturn or modify. Overturn/modify write a new decision that supersedes the old."""
    try:
        result = AppealOutcome(outcome)
    except ValueError:
        raise ValidationError(
            f"outcome: '{outcome}' is not one of {', '.join(o.value for o in AppealOutcome)}"
        ) from None
    if not is_meaningful(reasoning):
        raise ValidationError(
            "reasoning: required; write at least a full sentence explaining the outcome"
        )
    if result is AppealOutcome.MODIFIED and not (action and clause_ids):
        raise ValidationError("action: a modified outcome needs the new --action and --clause")
    if result is AppealOutcome.UPHELD and (action or clause_ids):
        raise ValidationError(
            "action: an upheld decision keeps its action; choose modified to change it"
        )
    session.sync_library()
    with session.ws.transaction(session.actor) as txn:
        appeal = _load(txn, appeal_id, expected_version)
        appeal.check_open()  # before the reviewer check: its resolver is in the chain now
        decision = _check_reviewer(session, txn, appeal)
        appeal.check_not_reviewed_by_other(session.actor)
        case = txn.get("cases", decision["case_id"])
        assert case is not None
        new_decision_id = None
        if result is not AppealOutcome.UPHELD:
            draft = DecisionDraft(
                action=action or Action.NO_ACTION.value,
                clause_ids=clause_ids or ["CSS-0"],
                factors=factors or dict(decision["factors"]),
                reasoning=reasoning,
                divergence_reason=None,
            )
            problems = _draft_problems(session, draft)
            if problems:
                raise ValidationError(problems[0], problems)
            current = Case.from_dict(case)
            divergence = check_divergence(
                session, current, draft.action, draft.factors, draft.clause_ids
            )
            if divergence.required:
                draft.divergence_reason = (
                    f"Appeal {appeal_id} {result.value}: {clean_text(reasoning)}"
                )
            new = supersede_decision(
                session,
                txn,
                current,
                Decision.from_dict(decision),
                draft,
                divergence,
                f"appeal {appeal_id} {result.value}",
            )
            new_decision_id = new.decision_id
        txn.update("decisions", decision["decision_id"], {"appeal_outcome": result.value})
        changes = appeal.resolve(
            session.actor, result, clean_text(reasoning), session.now_iso(), new_decision_id
        )
        updated = txn.update("appeals", appeal_id, changes)
        txn.update(
            "cases",
            case["case_id"],
            {
                "status": CaseStatus.RESOLVED.value,
                "decision_id": new_decision_id or decision["decision_id"],
                "updated_at": session.now_iso(),
            },
        )
        txn.event(
            "appeal.resolved",
            f"appeal:{appeal_id}",
            {
                "outcome": result.value,
                "decision_id": decision["decision_id"],
                "new_decision_id": new_decision_id,
            },
        )
    return Appeal.from_dict(updated)


def _draft_problems(session: Session, draft: DecisionDraft) -> list[str]:
    problems = []
    for cid in draft.clause_ids:
        try:
            session.library.latest(cid)
        except NotFound as exc:
            problems.append(f"clause: {exc}")
    if not problems:
        try:
            session.library.check_action(draft.action, draft.clause_ids)
        except ValidationError as exc:
            problems.extend(exc.problems)  # each already names its field (action:, clauses:)
    return problems


@dataclass
class AppealFilter:
    status: set[str] | None = None
    clause: str | None = None
    moderator: str | None = None
    overdue_only: bool = False


_DEFAULT_STATUS = frozenset({AppealStatus.OPEN.value, AppealStatus.IN_REVIEW.value})


def _where(session: Session, flt: AppealFilter, now: datetime) -> list[Filter]:
    """Store filters for `flt`; moderator and clause are the appealed decision's."""
    out: list[Filter] = []
    if flt.status:
        out.append(Filter("status", Op.IN, tuple(sorted(flt.status))))
    if flt.overdue_only:
        out.extend(_overdue(now))
    decisions: set[str] | None = None
    for name, value in (("moderator", flt.moderator), ("clause_ids", flt.clause)):
        if value:
            ids = {d["decision_id"] for d in session.ws.lookup("decisions", name, value)}
            decisions = ids if decisions is None else decisions & ids
    if decisions is not None:
        out.append(Filter("decision_id", Op.IN, tuple(sorted(decisions))))
    return out


def _overdue(now: datetime) -> list[Filter]:
    return [Filter("status", Op.NE, AppealStatus.RESOLVED.value), Filter("due_at", Op.LT, now)]


@dataclass(frozen=True)
class AppealListing:
    """An appeal in a queue: with the decision it is against and whether it is overdue."""

    appeal: Appeal
    decision: Decision | None
    overdue: bool

    def to_json(self) -> JsonObject:
        """docs/cli.md: the appeal's fields, `decision` ({} if missing) and `overdue`."""
        return {
            **self.appeal.to_dict(),
            "decision": self.decision.to_dict() if self.decision else {},
            "overdue": self.overdue,
        }


def _with_decisions(
    session: Session, appeals: list[dict[str, Any]], now: datetime
) -> list[AppealListing]:
    """Each appeal with its decision and whether it is overdue now."""
    wanted = sorted({a["decision_id"] for a in appeals})
    decisions = {d["decision_id"]: d for d in session.ws.get_many("decisions", wanted)}
    out = []
    for doc in appeals:
        appeal = Appeal.from_dict(doc)
        decision = decisions.get(appeal.decision_id)
        out.append(
            AppealListing(
                appeal,
                Decision.from_dict(decision) if decision else None,
                appeal.overdue(now),
            )
        )
    return out


def list_appeals(session: Session, flt: AppealFilter | None = None) -> list[AppealListing]:
    """Appeals with their decision, due date first; `overdue` computed against the clock."""
    require_role(session, "read", "see appeals")
    flt = flt or AppealFilter(status=set(_DEFAULT_STATUS))
    now = session.now()
    found = session.ws.query("appeals", _where(session, flt, now), (Order("due_at"),))
    return _with_decisions(session, found.rows, now)


@dataclass(frozen=True)
class AppealPage(Page[AppealListing]):
    """A page of the appeals queue, with how many of all matching are overdue."""

    overdue: int = 0


def page_appeals(
    session: Session, flt: AppealFilter | None = None, *, offset: int = 0, limit: int = 50
) -> AppealPage:
    """One page of `list_appeals` for screens, with totals for the status line."""
    require_role(session, "read", "see appeals")
    flt = flt or AppealFilter(status=set(_DEFAULT_STATUS))
    now = session.now()
    where = _where(session, flt, now)
    total = session.ws.count("appeals", where)
    last_page = max(total - 1, 0) // limit * limit
    offset = max(0, min(offset, last_page))
    found = session.ws.query("appeals", where, (Order("due_at"),), Window(offset, limit))
    return AppealPage(
        items=_with_decisions(session, found.rows, now),
        total=found.total,
        overdue=session.ws.count("appeals", [*where, *_overdue(now)]),
        offset=offset,
        limit=limit,
    )
