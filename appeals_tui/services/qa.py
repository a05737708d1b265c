"""QA sampling: blind re-review of a random sample of standing decisions.

A lead draws a seeded sample and assigns it to a reviewer who made none of the
sampled decisions. The reviewer sees each case (content, reports) and answers
action + clause without seeing the original decision; the report compares the
two with observed agreement and Cohen's kappa, overall and per clause.

Batches live in table `qa`, one document per batch with its items; a decision
is sampled at most once across batches, so repeated draws bring new cases.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime
from typing import Any

from ..domain.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ..domain.kappa import agreement_by, cohen_kappa
from ..domain.models import Action, Role
from ..domain.text import clean_text, is_meaningful
from ..domain.timeutil import iso
from ..store.protocol import Filter, Op, Order
from .permissions import require_lead, require_role
from .session import Session

__all__ = [
    "draw_sample",
    "submit_review",
    "qa_report",
    "list_batches",
    "get_batch",
    "review_queue",
]

MAX_SAMPLE = 1000


def get_batch(session: Session, batch_id: str) -> dict[str, Any]:
    doc = session.ws.get("qa", batch_id)
    if doc is None:
        raise NotFound(f"QA batch '{batch_id}' not found")
    return doc


def draw_sample(
    session: Session,
    size: int,
    since: datetime | None = None,
    seed: int | None = None,
    *,
    reviewer: str,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Create a QA batch of up to `size` standing decisions for `reviewer` to re-decide blind.

    The same seed over the same workspace draws the same sample; without a seed one
    is chosen and recorded in the batch so the draw can be repeated.
    """
    require_lead(session, "draw QA samples")
    if not 1 <= size <= MAX_SAMPLE:
        raise ValidationError(f"size: must be between 1 and {MAX_SAMPLE}")
    if not (reviewer or "").strip():
        raise ValidationError("reviewer: required; name the moderator who re-reviews blind")
    if reviewer == session.actor:
        raise PermissionDenied(
            f"{session.actor} draws this sample, so someone else must re-review it"
        )
    user = session.ws.get("users", reviewer)
    if user is None:
        raise NotFound(f"reviewer '{reviewer}' is not on the roster")
    if user["role"] not in (Role.MODERATOR, Role.LEAD):
        raise ValidationError(
            f"reviewer: {reviewer} is {'an' if user['role'] == 'admin' else 'a'} {user['role']}, "
            "not a moderator or lead"
        )
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    standing = [
        Filter("superseded_by", Op.IS_NULL),
        Filter("appeal_outcome", Op.NE, "overturned"),
        Filter("moderator", Op.NE, reviewer),
    ]
    if since is not None:
        standing.append(Filter("decided_at", Op.GE, since))
    if until is not None:
        standing.append(Filter("decided_at", Op.LT, until))
    ws = session.ws
    # The writer lock is held: the committed state read here is the transaction's.
    with ws.transaction(session.actor) as txn:
        sampled = {i["decision_id"] for b in ws.iterate("qa") for i in b["items"]}
        pool = sorted(
            d["decision_id"]
            for d in ws.iterate("decisions", standing)
            if d["decision_id"] not in sampled
        )
        if not pool:
            raise ValidationError(
                "sample: no standing decisions in range that "
                f"{reviewer} did not make and that are not already sampled"
            )
        chosen = random.Random(seed).sample(pool, min(size, len(pool)))
        batch_id = txn.next_id("QA")
        decisions = {d: txn.get("decisions", d) or {} for d in chosen}
        batch = {
            "batch_id": batch_id,
            "created_at": session.now_iso(),
            "created_by": session.actor,
            "reviewer": reviewer,
            "seed": seed,
            "size": size,
            "since": iso(since) if since else None,
            "until": iso(until) if until else None,
            "items": [
                {"decision_id": d, "case_id": decisions[d]["case_id"], "review": None}
                for d in chosen
            ],
        }
        txn.insert("qa", batch_id, batch)
        txn.event(
            "qa.drawn",
            f"qa:{batch_id}",
            {"reviewer": reviewer, "seed": seed, "size": len(chosen), "decisions": chosen},
        )
    return batch


def list_batches(session: Session) -> list[dict[str, Any]]:
    """Batches the user may see (leads: all; others: assigned to them), newest first,
    with progress counts but without the items' answers."""
    require_role(session, "read", "see QA batches")
    lead = session.role is Role.LEAD
    mine = [] if lead else [Filter("reviewer", Op.EQ, session.actor)]
    out = []
    for b in session.ws.iterate("qa", mine, [Order("created_at", descending=True)]):
        done = sum(1 for i in b["items"] if i["review"])
        out.append(
            {
                **{k: v for k, v in b.items() if k != "items"},
                "items": len(b["items"]),
                "reviewed": done,
            }
        )
    return out


def review_queue(session: Session, batch_id: str) -> list[dict[str, Any]]:
    """What the reviewer sees: each case with its reports, never the original decision."""
    batch = get_batch(session, batch_id)
    if session.actor != batch["reviewer"]:
        raise PermissionDenied(f"QA batch {batch_id} is assigned to {batch['reviewer']}")
    ws = session.ws
    out = []
    for item in batch["items"]:
        case = dict(ws.get("cases", item["case_id"]) or {})
        for hidden in ("decision_id", "status", "assignee"):
            case.pop(hidden, None)
        reports = [ws.get("reports", r) for r in case.get("report_ids", [])]
        out.append(
            {
                "decision_id": item["decision_id"],
                "case": case,
                "reports": [r for r in reports if r],
                "review": item["review"],
            }
        )
    return out


def submit_review(
    session: Session,
    batch_id: str,
    decision_id: str,
    action: str,
    clause_ids: list[str],
    reasoning: str,
) -> dict[str, Any]:
    """Record the reviewer's blind answer for one sampled decision (once)."""
    require_role(session, "moderate", "review QA samples")
    problems = []
    if not action:
        problems.append("action: choose an action")
    elif action not in {a.value for a in Action}:
        problems.append(f"action: '{action}' is not one of {', '.join(a.value for a in Action)}")
    if not clause_ids:
        problems.append("clause: cite at least one policy clause")
    for cid in clause_ids:
        if not session.library.has(cid):
            problems.append(f"clause: '{cid}' is not in the policy library")
    if not is_meaningful(reasoning):
        problems.append("reasoning: required; write at least a full sentence")
    if problems:
        raise ValidationError(
            problems[0] if len(problems) == 1 else f"{len(problems)} problems", problems
        )
    with session.ws.transaction(session.actor) as txn:
        batch = txn.get("qa", batch_id)
        if batch is None:
            raise NotFound(f"QA batch '{batch_id}' not found")
        if session.actor != batch["reviewer"]:
            raise PermissionDenied(
                f"QA batch {batch_id} is assigned to {batch['reviewer']}, not {session.actor}"
            )
        items = [dict(i) for i in batch["items"]]
        item = next((i for i in items if i["decision_id"] == decision_id), None)
        if item is None:
            raise NotFound(f"decision {decision_id} is not in QA batch {batch_id}")
        if item["review"]:
            raise ConflictError(f"decision {decision_id} was already reviewed in {batch_id}")
        item["review"] = {
            "action": action,
            "clause_ids": [session.library.latest(c).id for c in clause_ids],
            "reasoning": clean_text(reasoning),
            "reviewed_at": session.now_iso(),
        }
        txn.update("qa", batch_id, {"items": items})
        txn.event(
            "qa.reviewed",
            f"qa:{batch_id}",
            {"decision_id": decision_id, "action": action, "clauses": item["review"]["clause_ids"]},
        )
    return item


def qa_report(session: Session, batch_id: str | None = None) -> dict[str, Any]:
    """Agreement between original and blind re-review on the action, overall and per
    clause of the original decision (a decision citing two clauses counts for both)."""
    require_lead(session, "see QA agreement reports")
    batches = [get_batch(session, batch_id)] if batch_id else list(session.ws.iterate("qa"))
    wanted = sorted({i["decision_id"] for b in batches for i in b["items"]})
    decisions = {d["decision_id"]: d for d in session.ws.get_many("decisions", wanted)}
    rows: list[tuple[list[str], str, str]] = []
    clause_agreed = pending = 0
    for batch in batches:
        for item in batch["items"]:
            review = item["review"]
            original = decisions.get(item["decision_id"])
            if not review or original is None:
                pending += 1
                continue
            cited = [c["id"] for c in original["clauses"]]
            rows.append((cited, original["action"], review["action"]))
            clause_agreed += bool(set(cited) & set(review["clause_ids"]))
    overall = cohen_kappa((a, b) for _, a, b in rows)
    return {
        "batch_id": batch_id,
        "batches": len(batches),
        "reviewed": len(rows),
        "pending": pending,
        "overall": overall.to_dict(),
        "clause_agreement": round(clause_agreed / len(rows), 4) if rows else None,
        "per_clause": [
            {"clause": clause, **agreement.to_dict()}
            for clause, agreement in agreement_by(rows).items()
        ],
    }
