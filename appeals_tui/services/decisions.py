"""Deciding a case: validation, guidance, precedents and divergence.

`decide()` is the heart of the product: it refuses a decision that is not
explained, and it refuses to let a moderator silently depart from the rubric
or from an identical earlier case without saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.errors import ConflictError, NotFound, ValidationError
from ..domain.guidance import Guidance, recommend, validate_factors
from ..domain.models import FACTORS, Action, Case, CaseStatus, Decision
from ..domain.similarity import RankedPrecedent, factor_mask
from ..domain.text import clean_text, is_meaningful
from ..store.protocol import Filter
from ..store.protocol import Transaction as Txn
from .cases import _load_case
from .permissions import require_lead, require_moderator
from .precedent_index import ranked_precedents
from .session import Session
from .strikes import add_strike_for, remove_strikes_for

__all__ = [
    "DecisionDraft",
    "Divergence",
    "guidance_for",
    "precedents_for",
    "check_divergence",
    "validate_draft",
    "decide",
    "record_decision",
    "supersede_decision",
    "set_canonical",
    "get_decision",
    "decisions_for_case",
]


@dataclass
class DecisionDraft:
    """What a moderator has entered so far; the UI re-validates it on every change."""

    action: str
    clause_ids: list[str]
    factors: dict[str, bool]
    reasoning: str
    divergence_reason: str | None = None
    precedents_cited: list[str] | None = None


@dataclass
class Divergence:
    """Why a decision needs a divergence reason (empty when it does not)."""

    guidance: Guidance
    precedent: Decision | None  # the nearest same-profile standing decision, if any
    from_guidance: bool
    from_precedent: bool

    @property
    def required(self) -> bool:
        return self.from_guidance or self.from_precedent

    def explain(self, action: str) -> str:
        parts = []
        if self.from_guidance:
            parts.append(
                f"guidance recommends {self.guidance.action} under {self.guidance.clause_id} "
                f"(rule {self.guidance.rule_id}), you chose {action}"
            )
        if self.from_precedent and self.precedent:
            parts.append(
                f"precedent {self.precedent.decision_id} with the same factor profile was "
                f"decided {self.precedent.action}"
            )
        return "; ".join(parts)


def get_decision(session: Session, decision_id: str) -> Decision:
    doc = session.ws.get("decisions", decision_id)
    if doc is None:
        raise NotFound(f"decision '{decision_id}' not found")
    return Decision.from_dict(doc)


def decisions_for_case(session: Session, case_id: str) -> list[Decision]:
    docs = session.ws.lookup("decisions", "case_id", case_id)
    return [Decision.from_dict(d) for d in sorted(docs, key=lambda d: d["decided_at"])]


def guidance_for(
    session: Session, factors: dict[str, bool], jurisdiction: str | None, *, assume_no: bool = False
) -> Guidance:
    """The rubric's recommendation. `assume_no` answers unasked factors "no" (a quick query,
    not a decision: decisions always need every factor answered)."""
    if assume_no:
        factors = {name: bool(factors.get(name, False)) for name in FACTORS}
    validate_factors(factors)
    return recommend(factors, jurisdiction, session.library)


def precedents_for(
    session: Session,
    factors: dict[str, bool],
    clause_ids: set[str] | None = None,
    *,
    exclude_case: str | None = None,
    limit: int = 10,
    jurisdiction: str | None = None,
    same_profile_only: bool = False,
    skip: Sequence[Filter] = (),
    fields: Sequence[str] = (),
) -> list[RankedPrecedent]:
    """Earlier standing decisions most like this profile (never overturned or superseded),
    by the library's weighted similarity (shared decisive "yes" first; family, jurisdiction),
    passing over decisions that match any `skip` filter (`fields`: see
    `ranked_precedents`)."""
    lib = session.library
    return ranked_precedents(
        session.ws,
        factors,
        clause_ids or set(),
        exclude_case=exclude_case,
        limit=limit,
        weights=lib.similarity,
        jurisdiction=jurisdiction,
        family_of=lib.family_of,
        same_profile_only=same_profile_only,
        skip=skip,
        fields=fields,
    )


def check_divergence(
    session: Session,
    case: Case,
    action: str,
    factors: dict[str, bool],
    clause_ids: list[str],
) -> Divergence:
    """Compare a proposed action with the rubric and with the nearest identical-profile precedent.

    Only a precedent with the *same* factor profile binds: a different profile is
    itself a reason to decide differently.
    """
    guidance = recommend(factors, case.jurisdiction or None, session.library)
    ranked = precedents_for(
        session,
        factors,
        set(clause_ids),
        exclude_case=case.case_id,
        limit=1,
        jurisdiction=case.jurisdiction or None,
        same_profile_only=True,
    )
    precedent = Decision.from_dict(ranked[0].decision) if ranked else None
    return Divergence(
        guidance=guidance,
        precedent=precedent,
        from_guidance=action != guidance.action,
        from_precedent=precedent is not None and precedent.action != action,
    )


def validate_draft(session: Session, case: Case, draft: DecisionDraft) -> Divergence:
    """Every problem with the draft at once, as `field: problem` lines, in form order."""
    problems: list[str] = []
    actions = [a.value for a in Action]
    action_ok = draft.action in actions
    if not draft.action:
        problems.append("action: choose an action")
    elif not action_ok:
        problems.append(f"action: '{draft.action}' is not one of {', '.join(actions)}")
    if not draft.clause_ids:
        problems.append("clause: cite at least one policy clause")
    clauses_ok = bool(draft.clause_ids)
    for cid in draft.clause_ids:
        if not session.library.has(cid):
            clauses_ok = False
            try:
                session.library.latest(cid)
            except NotFound as exc:
                problems.append(f"clause: {exc}")
    if action_ok and clauses_ok:
        try:
            session.library.check_action(draft.action, draft.clause_ids)
        except ValidationError as exc:
            problems.extend(
                p if p.startswith(("action:", "clauses:")) else f"action: {p}" for p in exc.problems
            )
    factors_ok = True
    try:
        validate_factors(draft.factors)
    except ValidationError as exc:
        factors_ok = False
        problems.extend(p if p.startswith("factor") else f"factors: {p}" for p in exc.problems)
    if not clean_text(draft.reasoning):
        problems.append("reasoning: required; explain what in the content led to this decision")
    elif not is_meaningful(draft.reasoning):
        problems.append("reasoning: too short; write at least a full sentence")
    divergence = None
    if action_ok and factors_ok:
        divergence = check_divergence(session, case, draft.action, draft.factors, draft.clause_ids)
        if divergence.required and not is_meaningful(draft.divergence_reason, min_chars=10):
            problems.append(
                f"divergence_reason: required because {divergence.explain(draft.action)}"
            )
    if problems:
        raise ValidationError(
            problems[0] if len(problems) == 1 else f"{len(problems)} problems", problems
        )
    assert divergence is not None
    return divergence


def record_decision(
    session: Session,
    txn: Txn,
    case: Case,
    draft: DecisionDraft,
    divergence: Divergence,
    *,
    supersedes: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Decision:
    """Write the decision record, its strike and audit event inside an open transaction.
    `extra`: fields only some decisions carry (e.g. the re-review that wrote it)."""
    decision_id = txn.next_id("D")
    clauses = [session.library.latest(cid).ref().to_dict() for cid in draft.clause_ids]
    decision = Decision(
        decision_id=decision_id,
        case_id=case.case_id,
        moderator=session.actor,
        decided_at=session.now_iso(),
        action=draft.action,
        clauses=clauses,
        factors={k: bool(v) for k, v in draft.factors.items()},
        reasoning=clean_text(draft.reasoning),
        guidance=divergence.guidance.to_dict(),
        divergence_reason=clean_text(draft.divergence_reason) or None,
        precedents_cited=list(draft.precedents_cited or []),
        supersedes=supersedes,
        account=case.subject["account"],
        jurisdiction=case.jurisdiction or "",
        diverged=divergence.required,
        media=list(case.media or ()),
        library_version=session.library.library_version,
    )
    if divergence.precedent is not None:
        decision.guidance["nearest_precedent"] = {
            "decision_id": divergence.precedent.decision_id,
            "action": divergence.precedent.action,
        }
    # stored only when set (a re-review's decision); the read model says None otherwise
    doc = {k: v for k, v in decision.to_dict().items() if not (k == "rereview" and v is None)}
    # the mask lets precedent ranking over 100k decisions skip per-factor lookups
    txn.insert(
        "decisions",
        decision_id,
        {**doc, **(extra or {}), "factor_mask": factor_mask(decision.factors)},
    )
    txn.event(
        "decision.recorded",
        f"decision:{decision_id}",
        {
            "case_id": case.case_id,
            "action": decision.action,
            "clauses": clauses,
            "diverged": decision.diverged,
            "supersedes": supersedes,
        },
    )
    add_strike_for(session, txn, decision)
    return decision


def supersede_decision(
    session: Session,
    txn: Txn,
    case: Case,
    old: Decision,
    draft: DecisionDraft,
    divergence: Divergence,
    why: str,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Decision:
    """Replace a standing decision with a new one (an appeal's overturn or modify, a
    lead's re-review): the new decision `supersedes` the old, which stays in history
    marked `superseded_by`, and the old decision's strikes are lifted (`why`)."""
    new = record_decision(
        session, txn, case, draft, divergence, supersedes=old.decision_id, extra=extra
    )
    txn.update("decisions", old.decision_id, {"superseded_by": new.decision_id})
    remove_strikes_for(session, txn, old.decision_id, why)
    return new


def decide(
    session: Session,
    case_id: str,
    draft: DecisionDraft,
    *,
    expected_version: int | None = None,
) -> Decision:
    """Record a moderator's decision on an open or claimed case."""
    require_moderator(session, "decide cases")
    session.sync_library()
    with session.ws.transaction(session.actor) as txn:
        case = _load_case(txn, case_id, expected_version)
        status = case["status"]
        if status not in (CaseStatus.OPEN, CaseStatus.IN_REVIEW):
            raise ConflictError(
                f"case {case_id} is already {status}"
                + (f" (decision {case['decision_id']})" if case.get("decision_id") else "")
            )
        if status == CaseStatus.IN_REVIEW and case.get("assignee") not in (None, session.actor):
            raise ConflictError(
                f"case {case_id} is claimed by {case['assignee']}; ask a lead to reassign it"
            )
        current = Case.from_dict(case)
        divergence = validate_draft(session, current, draft)
        decision = record_decision(session, txn, current, draft, divergence)
        txn.update(
            "cases",
            case_id,
            {
                "status": CaseStatus.DECIDED.value,
                "assignee": case.get("assignee") or session.actor,
                "decision_id": decision.decision_id,
                "updated_at": session.now_iso(),
            },
        )
    return decision


def set_canonical(
    session: Session, decision_id: str, canonical: bool, reason: str = ""
) -> Decision:
    """Leads mark the decision that borderline cases should follow (or withdraw the mark)."""
    require_lead(session, "mark canonical precedents")
    with session.ws.transaction(session.actor) as txn:
        decision = txn.get("decisions", decision_id)
        if decision is None:
            raise NotFound(f"decision '{decision_id}' not found")
        if canonical and (
            decision.get("superseded_by") or decision.get("appeal_outcome") == "overturned"
        ):
            raise ValidationError(
                f"decision {decision_id} was overturned or superseded; it cannot be a precedent"
            )
        updated = txn.update("decisions", decision_id, {"canonical": canonical})
        txn.event(
            "precedent.canonical" if canonical else "precedent.uncanonical",
            f"decision:{decision_id}",
            {"reason": clean_text(reason)},
        )
    return Decision.from_dict(updated)
