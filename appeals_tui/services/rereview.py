"""The leads' re-review queue after a policy change.

Why: publishing a library changes no decision, but the standing decisions whose
guidance it changes deserve a second look. `publish_policy` writes one item per such
decision (from `policy_impact`, so the queue is exactly the impact a lead saw); a lead
either confirms the decision (recorded, no new decision) or supersedes it with a new
decision under the new library, the way an appeal's modify does. History stays: the
old decision is marked superseded, never changed otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..domain.errors import ConflictError, NotFound, ValidationError
from ..domain.models import AppealStatus, Case, Decision
from ..domain.text import clean_text, is_meaningful
from ..store.protocol import Filter, Op, Order
from ..store.protocol import Transaction as Txn
from ..store.schema import INSERTED
from .decisions import DecisionDraft, supersede_decision, validate_draft
from .permissions import require_lead
from .policy_impact import GuidanceChange, PolicyImpact, impact_of, load_draft
from .policy_versions import (
    _current_files,
    _store_version,
    check_reason,
    library_for,
    published_versions,
)
from .session import Session

__all__ = [
    "PENDING",
    "PublishResult",
    "RereviewItem",
    "RereviewQueue",
    "publish_policy",
    "rereview_queue",
    "confirm_rereview",
    "supersede_rereview",
]

PENDING = "pending"
CONFIRMED = "confirmed"
SUPERSEDED = "superseded"
#: a later publish asked for this decision again (its newer item replaces this one)
REPLACED = "replaced"
#: not standing any more (an appeal superseded or overturned it): nothing to re-review
MOOT = "moot"
DONE = frozenset({CONFIRMED, SUPERSEDED, MOOT})


@dataclass(frozen=True)
class PublishResult:
    """What `publish_policy` did."""

    library_version: str
    from_version: str
    draft_sha256: str
    rereviews: int  # items opened
    impact: PolicyImpact


@dataclass(frozen=True)
class RereviewItem:
    """One decision a publish asked leads to look at again, and what became of it."""

    rereview_id: str
    decision_id: str
    case_id: str
    moderator: str  # who made the decision
    action: str  # what the decision did
    clauses: tuple[str, ...]
    library_version: str  # the publish that asked
    from_version: str
    old_action: str  # guidance before / after the publish
    old_clause: str
    new_action: str
    new_clause: str
    status: str  # pending, confirmed, superseded, replaced, moot
    by: str
    at: str
    reasoning: str
    new_decision_id: str
    # the decision's factor answers (what a supersession starts from)
    factors: dict[str, bool] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in DONE


@dataclass(frozen=True)
class RereviewQueue:
    """A library version's re-review items and the progress through them."""

    library_version: str
    items: tuple[RereviewItem, ...]

    @property
    def total(self) -> int:
        return sum(1 for i in self.items if i.status != REPLACED)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def pending(self) -> int:
        return sum(1 for i in self.items if i.status == PENDING)

    def progress(self) -> str:
        return f"{self.done} of {self.total} done"


def publish_policy(session: Session, draft_path: Path, reason: str) -> PublishResult:
    """Make the draft the library in force (leads): stored with a new library_version,
    recorded in the audit chain with the draft's SHA-256, one re-review item per standing
    decision whose guidance changes. An invalid draft raises ValidationError naming every
    problem, and nothing changes."""
    require_lead(session, "publish a policy library")
    why = check_reason(reason)
    session.sync_library()
    taken = [v.library_version for v in published_versions(session.ws)]
    draft = load_draft(draft_path, files=_current_files(session.ws), taken=taken)
    impact = impact_of(session, draft)
    version = draft.library.library_version
    at = session.now_iso()
    with session.ws.transaction(session.actor) as txn:
        _store_version(
            txn,
            files=draft.files,
            library_version=version,
            from_version=impact.from_version,
            expected_current=session.library.library_version,
            at=at,
            by=session.actor,
            reason=why,
            description=draft.description,
            draft_sha256=draft.sha256,
            rereviews=len(impact.changes),
        )
        for change in impact.changes:
            _open_item(session, txn, change, impact, at)
        txn.event(
            "policy.published",
            f"policy:{version}",
            {
                "library_version": version,
                "from_version": impact.from_version,
                "draft_sha256": draft.sha256,
                "reason": why,
                "rereviews": len(impact.changes),
            },
        )
    session.library = library_for(session.ws)
    return PublishResult(version, impact.from_version, draft.sha256, len(impact.changes), impact)


def _open_item(
    session: Session, txn: Txn, change: GuidanceChange, impact: PolicyImpact, at: str
) -> None:
    for earlier in session.ws.lookup("rereviews", "decision_id", change.decision_id):
        if earlier["status"] == PENDING:
            txn.update("rereviews", earlier["rereview_id"], {"status": REPLACED})
    rid = txn.next_id("RR")
    txn.insert(
        "rereviews",
        rid,
        {
            "rereview_id": rid,
            "decision_id": change.decision_id,
            "case_id": change.case_id,
            "moderator": change.moderator,
            "action": change.action,
            "clauses": list(change.clauses),
            "library_version": impact.to_version,
            "from_version": impact.from_version,
            "old_action": change.old_action,
            "old_clause": change.old_clause,
            "new_action": change.new_action,
            "new_clause": change.new_clause,
            "status": PENDING,
            "created_at": at,
            "by": None,
            "at": None,
            "reasoning": None,
            "new_decision_id": None,
        },
    )


def _item(doc: dict[str, Any], decision: dict[str, Any] | None) -> RereviewItem:
    status = doc["status"]
    standing = (
        decision is not None
        and not decision.get("superseded_by")
        and decision.get("appeal_outcome") != "overturned"
    )
    if status == PENDING and not standing:
        status = MOOT
    return RereviewItem(
        rereview_id=doc["rereview_id"],
        decision_id=doc["decision_id"],
        case_id=doc.get("case_id") or "",
        moderator=doc.get("moderator") or "",
        action=doc.get("action") or "",
        clauses=tuple(doc.get("clauses") or ()),
        library_version=doc["library_version"],
        from_version=doc.get("from_version") or "",
        old_action=doc.get("old_action") or "",
        old_clause=doc.get("old_clause") or "",
        new_action=doc.get("new_action") or "",
        new_clause=doc.get("new_clause") or "",
        status=status,
        by=doc.get("by") or "",
        at=doc.get("at") or "",
        reasoning=doc.get("reasoning") or "",
        new_decision_id=doc.get("new_decision_id") or "",
        factors={k: bool(v) for k, v in ((decision or {}).get("factors") or {}).items()},
    )


def rereview_queue(session: Session, library_version: str | None = None) -> RereviewQueue:
    """The re-review items of a published version (default: the one in force), in the
    order they were opened; items whose decision no longer stands count as done (moot)."""
    require_lead(session, "see the re-review queue")
    version = library_version or session.sync_library().library_version
    docs = session.ws.query(
        "rereviews", [Filter("library_version", Op.EQ, version)], (Order(INSERTED),)
    ).rows
    decisions = {
        d["decision_id"]: d
        for d in session.ws.get_many("decisions", [d["decision_id"] for d in docs])
    }
    items = tuple(_item(d, decisions.get(d["decision_id"])) for d in docs)
    return RereviewQueue(version, items)


def _pending(session: Session, txn: Txn, decision_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pending item for a decision and the decision, or a clear error."""
    decision = txn.get("decisions", decision_id)
    if decision is None:
        raise NotFound(f"decision '{decision_id}' not found")
    found = [
        r
        for r in session.ws.lookup("rereviews", "decision_id", decision_id)
        if r["library_version"] == session.library.library_version
    ]
    if not found:
        raise NotFound(
            f"decision {decision_id} is not in the re-review queue of policy library "
            f"{session.library.library_version}"
        )
    item = txn.get("rereviews", found[-1]["rereview_id"])
    assert item is not None
    if item["status"] != PENDING:
        raise ValidationError(
            f"decision {decision_id}: its re-review is already {item['status']}"
            + (f" by {item['by']}" if item.get("by") else "")
        )
    if decision.get("superseded_by") or decision.get("appeal_outcome") == "overturned":
        raise ValidationError(
            f"decision {decision_id} no longer stands (superseded by "
            f"{decision.get('superseded_by') or 'an overturn'}); nothing to re-review"
        )
    return item, decision


def confirm_rereview(session: Session, decision_id: str, reasoning: str) -> RereviewItem:
    """Keep the decision as it is under the new library: the confirmation is recorded
    (who, when, why) and audited; no new decision is written."""
    require_lead(session, "re-review decisions")
    session.sync_library()
    if not is_meaningful(reasoning):
        raise ValidationError(
            "reason: required; say in at least a full sentence why the decision still stands"
        )
    with session.ws.transaction(session.actor) as txn:
        item, decision = _pending(session, txn, decision_id)
        updated = txn.update(
            "rereviews",
            item["rereview_id"],
            {
                "status": CONFIRMED,
                "by": session.actor,
                "at": session.now_iso(),
                "reasoning": clean_text(reasoning),
            },
        )
        txn.event(
            "rereview.confirmed",
            f"decision:{decision_id}",
            {
                "rereview_id": item["rereview_id"],
                "library_version": item["library_version"],
                "action": decision["action"],
            },
        )
    return _item(updated, decision)


def supersede_rereview(
    session: Session,
    decision_id: str,
    draft: DecisionDraft,
    expected_version: int | None = None,
) -> RereviewItem:
    """Replace the decision with a new one under the library in force, validated like
    any decision (a divergence from the new guidance needs its reason), superseding the
    old one as an appeal's modify does. Factors the draft leaves out keep the old
    decision's answers."""
    require_lead(session, "re-review decisions")
    session.sync_library()
    with session.ws.transaction(session.actor) as txn:
        item, decision = _pending(session, txn, decision_id)
        case = txn.get("cases", decision["case_id"])
        if case is None:
            raise NotFound(f"case '{decision['case_id']}' not found")
        if expected_version is not None and case["version"] != expected_version:
            raise ConflictError(
                f"case {case['case_id']} changed (version {case['version']}, "
                f"you had {expected_version}); reload it"
            )
        for appeal in session.ws.lookup("appeals", "decision_id", decision_id):
            if appeal["status"] != AppealStatus.RESOLVED:
                raise ValidationError(
                    f"decision {decision_id} has an open appeal ({appeal['appeal_id']}); "
                    "its review decides first"
                )
        draft = replace(draft, factors={**decision["factors"], **draft.factors})
        current = Case.from_dict(case)
        divergence = validate_draft(session, current, draft)
        new = supersede_decision(
            session,
            txn,
            current,
            Decision.from_dict(decision),
            draft,
            divergence,
            f"re-review {item['rereview_id']} under policy {item['library_version']}",
            extra={"rereview": item["rereview_id"]},
        )
        txn.update(
            "cases",
            case["case_id"],
            {"decision_id": new.decision_id, "updated_at": session.now_iso()},
        )
        updated = txn.update(
            "rereviews",
            item["rereview_id"],
            {
                "status": SUPERSEDED,
                "by": session.actor,
                "at": session.now_iso(),
                "reasoning": clean_text(draft.reasoning),
                "new_decision_id": new.decision_id,
            },
        )
        txn.event(
            "rereview.superseded",
            f"decision:{decision_id}",
            {
                "rereview_id": item["rereview_id"],
                "library_version": item["library_version"],
                "new_decision_id": new.decision_id,
                "action": new.action,
            },
        )
    refreshed = session.ws.get("decisions", decision_id)
    return _item(updated, refreshed)
