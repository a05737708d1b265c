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
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ..domain.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.kappa import Agreement, agreement_by, cohen_kappa
from ..domain.models import Action, Record, Role, StoredReport
from ..domain.text import clean_text, is_meaningful
from ..domain.timeutil import iso
from ..store.protocol import Filter, Op, Order
from .permissions import require_lead, require_role
from .session import Session

__all__ = [
    "QAReview",
    "QAItem",
    "QABatch",
    "QABatchSummary",
    "BlindCase",
    "QAQueueItem",
    "ClauseAgreement",
    "QAReport",
    "draw_sample",
    "submit_review",
    "qa_report",
    "list_batches",
    "get_batch",
    "review_queue",
]

MAX_SAMPLE = 1000


# -- read models (field names are the `qa …  --json` contract, docs/cli.md) ---------


@dataclass(frozen=True)
class QAReview(Record):
    """The reviewer's blind answer to one sampled decision."""

    action: str
    clause_ids: list[str]
    reasoning: str
    reviewed_at: str


@dataclass(frozen=True)
class QAItem:
    """One sampled decision and, once given, the blind answer to it."""

    decision_id: str
    case_id: str
    review: QAReview | None

    @classmethod
    def _from_doc(cls, doc: dict[str, Any]) -> QAItem:
        review = doc.get("review")
        return cls(
            doc["decision_id"], doc["case_id"], QAReview.from_dict(review) if review else None
        )


@dataclass(frozen=True)
class _BatchHead:
    """What a batch and its summary in the list both show: who drew it for whom, how."""

    batch_id: str
    created_at: str
    created_by: str
    reviewer: str
    seed: int
    size: int
    since: str | None
    until: str | None


@dataclass(frozen=True)
class QABatch(_BatchHead):
    """A drawn sample: who drew it for whom, how (seed, range), and its items."""

    items: list[QAItem]
    version: int = 1

    @classmethod
    def _from_doc(cls, doc: dict[str, Any]) -> QABatch:
        return cls(
            batch_id=doc["batch_id"],
            created_at=doc["created_at"],
            created_by=doc["created_by"],
            reviewer=doc["reviewer"],
            seed=doc["seed"],
            size=doc["size"],
            since=doc.get("since"),
            until=doc.get("until"),
            items=[QAItem._from_doc(i) for i in doc["items"]],
            version=doc.get("version", 1),
        )

    @property
    def reviewed(self) -> int:
        return sum(1 for i in self.items if i.review)

    def summary(self) -> QABatchSummary:
        """The batch as the list shows it: progress counts instead of the items."""
        head = {f.name: getattr(self, f.name) for f in fields(_BatchHead)}
        return QABatchSummary(
            **head, version=self.version, items=len(self.items), reviewed=self.reviewed
        )


@dataclass(frozen=True)
class QABatchSummary(_BatchHead):
    """A batch in the list: progress counts instead of the items (no answers shown)."""

    version: int
    items: int
    reviewed: int


@dataclass(frozen=True)
class BlindCase(Record):
    """A case as the blind reviewer sees it. Why a model of its own: `decision_id`,
    `status` and `assignee` would tell the original outcome, so they are not fields."""

    case_id: str
    subject: JsonObject
    content_text: str = ""
    media_description: str = ""
    jurisdiction: str = ""
    metrics: dict[str, int] = field(default_factory=dict)
    report_ids: list[str] = field(default_factory=list)
    priority: float = 0.0
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    first_reported_at: str = ""
    linked_case: str | None = None
    escalated: bool = False
    media: list[str] = field(default_factory=list)

    @property
    def account(self) -> str:
        """The reported account (the subject's `account`)."""
        return str(self.subject.get("account", ""))


@dataclass(frozen=True)
class QAQueueItem:
    """One case to re-review: the case and its reports, never the original decision."""

    decision_id: str
    case: BlindCase | None  # None only when the case record is gone
    reports: list[StoredReport]
    review: QAReview | None


@dataclass(frozen=True)
class ClauseAgreement:
    """Agreement on the action among sampled decisions citing `clause` (rates rounded
    to 4 places as `Agreement.to_dict` writes them)."""

    clause: str
    n: int
    agreed: int
    observed: float | None
    expected: float | None
    kappa: float | None

    @classmethod
    def of(cls, clause: str, agreement: Agreement) -> ClauseAgreement:
        return cls(clause=clause, **agreement.to_dict())


@dataclass(frozen=True)
class QAReport:
    """Original vs blind answer over one batch (`batch_id`) or all of them (None)."""

    batch_id: str | None
    batches: int
    reviewed: int
    pending: int
    overall: Agreement
    clause_agreement: float | None
    per_clause: list[ClauseAgreement]


def get_batch(session: Session, batch_id: str) -> QABatch:
    """One QA batch with its items (NotFound if there is none)."""
    return QABatch._from_doc(_batch_doc(session, batch_id))


def _batch_doc(session: Session, batch_id: str) -> dict[str, Any]:
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
) -> QABatch:
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
    return QABatch._from_doc(batch)


def list_batches(session: Session) -> list[QABatchSummary]:
    """Batches the user may see (leads: all; others: assigned to them), newest first,
    with progress counts but without the items' answers."""
    require_role(session, "read", "see QA batches")
    lead = session.role is Role.LEAD
    mine = [] if lead else [Filter("reviewer", Op.EQ, session.actor)]
    docs = session.ws.iterate("qa", mine, [Order("created_at", descending=True)])
    return [QABatch._from_doc(doc).summary() for doc in docs]


def review_queue(session: Session, batch_id: str) -> list[QAQueueItem]:
    """What the reviewer sees: each case with its reports, never the original decision."""
    batch = get_batch(session, batch_id)
    if session.actor != batch.reviewer:
        raise PermissionDenied(f"QA batch {batch_id} is assigned to {batch.reviewer}")
    ws = session.ws
    out = []
    for item in batch.items:
        case = ws.get("cases", item.case_id)
        reports = [ws.get("reports", r) for r in (case or {}).get("report_ids", [])]
        out.append(
            QAQueueItem(
                decision_id=item.decision_id,
                case=BlindCase.from_dict(case) if case else None,
                reports=[StoredReport.from_dict(r) for r in reports if r],
                review=item.review,
            )
        )
    return out


def submit_review(
    session: Session,
    batch_id: str,
    decision_id: str,
    action: str,
    clause_ids: list[str],
    reasoning: str,
) -> QAItem:
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
    return QAItem._from_doc(item)


def qa_report(session: Session, batch_id: str | None = None) -> QAReport:
    """Agreement between original and blind re-review on the action, overall and per
    clause of the original decision (a decision citing two clauses counts for both)."""
    require_lead(session, "see QA agreement reports")
    batches = [_batch_doc(session, batch_id)] if batch_id else list(session.ws.iterate("qa"))
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
    return QAReport(
        batch_id=batch_id,
        batches=len(batches),
        reviewed=len(rows),
        pending=pending,
        overall=overall,
        clause_agreement=round(clause_agreed / len(rows), 4) if rows else None,
        per_clause=[
            ClauseAgreement.of(clause, agreement)
            for clause, agreement in agreement_by(rows).items()
        ],
    )
