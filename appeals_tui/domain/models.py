"""Entities of the moderation workflow as plain dataclasses (no I/O).

Records are stored as dicts; `to_dict()`/`from_dict()` are the only bridge, so the
store never needs to know these classes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar

from .errors import ConflictError, ValidationError
from .timeutil import parse_ts

__all__ = [
    "Action",
    "Role",
    "CaseStatus",
    "AppealStatus",
    "AppealOutcome",
    "SubjectType",
    "StoredReport",
    "Page",
    "Event",
    "FACTORS",
    "ACTION_SEVERITY",
    "ClauseRef",
    "Subject",
    "Report",
    "Case",
    "Decision",
    "GuidanceThen",
    "Appeal",
    "User",
    "Record",
]


class Action(StrEnum):
    """What a moderator does to the reported subject, from mildest to harshest."""

    NO_ACTION = "no_action"
    LABEL = "label"
    RESTRICT_REACH = "restrict_reach"
    GEO_BLOCK = "geo_block"
    REMOVE_CONTENT = "remove_content"
    SUSPEND_ACCOUNT = "suspend_account"
    ESCALATE = "escalate"


ACTION_SEVERITY: dict[Action, int] = {a: i for i, a in enumerate(Action)}


class Role(StrEnum):
    MODERATOR = "moderator"
    LEAD = "lead"
    ADMIN = "admin"


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    APPEALED = "appealed"
    RESOLVED = "resolved"


class AppealStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"
    MODIFIED = "modified"


class SubjectType(StrEnum):
    ACCOUNT = "account"
    POST = "post"
    REEL = "reel"
    STORY = "story"
    COMMENT = "comment"
    MESSAGE = "message"


#: The rubric's yes/no questions, in the order they are asked.
FACTORS: tuple[str, ...] = (
    "depicts_commercial_sex",
    "narrative_framing",
    "first_person_provider",
    "contact_means",
    "pricing_or_booking",
    "location_details",
    "recruitment",
    "glamorization",
    "minors_indicated",
    "news_or_educational_context",
)


class Record:
    """Mixin: dataclass <-> plain dict, ignoring unknown keys for forward compatibility."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The record from a stored document (unknown keys ignored). Why the fast path: the
        history streams 100k stored decisions through here; a frozen dataclass's
        `__init__` is most of the cost, and with every field present (or defaulted) and no
        `__post_init__` it would only copy the values into the instance's `__dict__`."""
        spec = _spec(cls)
        if spec.direct and spec.required <= data.keys():
            record = object.__new__(cls)
            values = record.__dict__
            values.update(data)
            for name in data.keys() - spec.names:  # storage-only keys (factor_mask, ...)
                del values[name]
            if len(values) < len(spec.names):  # a record written before a field existed
                for name, default in spec.defaults:
                    if name not in values:
                        values[name] = default()
            return record
        # a missing field raises TypeError as it always did
        return cls(**{k: v for k, v in data.items() if k in spec.names})

    def to_dict(self) -> dict[str, Any]:
        """Like `dataclasses.asdict` (new containers, nested records as dicts) without its
        deepcopy of every leaf: a third of importing 20k reports went there."""
        out: dict[str, Any] = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            kind = type(value)  # plain values as they are (most fields; an import's records)
            plain = kind is str or value is None or kind is int or kind is bool or kind is float
            out[name] = value if plain else _plain(value)
        return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class _Spec:
    names: frozenset[str]
    required: frozenset[str]
    #: (name, zero-argument callable giving its default) for each field with a default
    defaults: tuple[tuple[str, Callable[[], Any]], ...]
    #: safe to fill `__dict__` directly: no `__post_init__`, no `__slots__`
    direct: bool


_SPECS: dict[type, _Spec] = {}


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _spec(cls: type) -> _Spec:
    spec = _SPECS.get(cls)
    if spec is None:
        fields = dataclasses.fields(cls)
        defaults: list[tuple[str, Callable[[], Any]]] = []
        for f in fields:
            if f.default_factory is not dataclasses.MISSING:
                defaults.append((f.name, f.default_factory))
            elif f.default is not dataclasses.MISSING:
                defaults.append((f.name, _constant(f.default)))
        direct = not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")
        spec = _SPECS[cls] = _Spec(
            names=frozenset(f.name for f in fields),
            required=frozenset(f.name for f in fields) - {name for name, _ in defaults},
            defaults=tuple(defaults),
            direct=direct and all(f.init for f in fields),
        )
    return spec


def _field_names(cls: type) -> tuple[str, ...]:
    """The dataclass's field names, computed once per class."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(_plain(v) for v in value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ClauseRef(Record):
    id: str
    version: int


@dataclass
class Subject(Record):
    platform: str
    subject_type: str
    subject_id: str
    account: str
    url: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.subject_type, self.subject_id)


@dataclass
class Report(Record):
    report_id: str
    reported_at: str
    reporter: str
    reason: str
    platform: str
    subject_type: str
    subject_id: str
    account: str
    content_text: str = ""
    media_description: str = ""
    jurisdiction: str = ""
    followers: int | None = None
    views: int | None = None
    url: str | None = None
    case_id: str = ""
    imported_at: str = ""
    #: where it was imported from ("FILE:LINE"), to name it when a later file disagrees
    source: str = ""
    #: in a parsed file: paths relative to it; once stored: SHA-256 of each file
    media: list[str] = field(default_factory=list)


@dataclass
class StoredReport(Report):
    """A report as the store keeps it: with its record version (a report file has none)."""

    version: int = 1


@dataclass(frozen=True)
class Case(Record):
    case_id: str
    subject: dict[str, Any]
    content_text: str = ""
    media_description: str = ""
    jurisdiction: str = ""
    metrics: dict[str, int] = field(default_factory=dict)
    report_ids: list[str] = field(default_factory=list)
    status: str = CaseStatus.OPEN
    assignee: str | None = None
    priority: float = 0.0
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    first_reported_at: str = ""
    linked_case: str | None = None
    escalated: bool = False
    decision_id: str | None = None
    #: SHA-256 of every image reported with this case, first seen first (see store/media.py)
    media: list[str] = field(default_factory=list)

    # -- typed views of the stored sub-documents (the store indexes their fields) -----

    @property
    def subject_ref(self) -> Subject:
        """The reported subject as a typed record."""
        return Subject.from_dict(self.subject)

    @property
    def account(self) -> str:
        """The reported account."""
        return str(self.subject.get("account", ""))

    @property
    def platform(self) -> str:
        return str(self.subject.get("platform", ""))

    @property
    def followers(self) -> int:
        return int(self.metrics.get("followers") or 0)

    @property
    def views(self) -> int:
        return int(self.metrics.get("views") or 0)

    # -- state transitions: the rule beside the change it allows --------------------

    @property
    def undecided(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.IN_REVIEW)

    def claim(self, actor: str, at: str) -> dict[str, Any] | None:
        """The fields that claim this case for `actor`; None when `actor` holds it already
        (ConflictError when someone else does, or it is no longer open)."""
        if self.status == CaseStatus.IN_REVIEW and self.assignee == actor:
            return None
        if self.status == CaseStatus.IN_REVIEW:
            raise ConflictError(
                f"case {self.case_id} is already claimed by {self.assignee}; a lead can reassign it"
            )
        if self.status != CaseStatus.OPEN:
            raise ConflictError(
                f"case {self.case_id} is {self.status}; only open cases can be claimed"
            )
        return {"status": CaseStatus.IN_REVIEW.value, "assignee": actor, "updated_at": at}

    def release(self, at: str) -> dict[str, Any]:
        """The fields that put this claimed case back in the open queue."""
        if self.status != CaseStatus.IN_REVIEW:
            raise ValidationError(f"case {self.case_id} is {self.status}, not claimed")
        return {"status": CaseStatus.OPEN.value, "assignee": None, "updated_at": at}

    def reassign(self, to_user: str, at: str) -> dict[str, Any]:
        """The fields that give this undecided case to `to_user`."""
        if not self.undecided:
            raise ValidationError(
                f"case {self.case_id} is {self.status}; only undecided cases can be reassigned"
            )
        return {"status": CaseStatus.IN_REVIEW.value, "assignee": to_user, "updated_at": at}

    def escalate(self, at: str) -> dict[str, Any]:
        """The fields that flag this undecided case for a lead."""
        if not self.undecided:
            raise ValidationError(
                f"case {self.case_id} is {self.status}; only undecided cases can be escalated"
            )
        return {"escalated": True, "updated_at": at}


@dataclass(frozen=True)
class Strike(Record):
    """A removal or suspension counted against an account (weight from the clause)."""

    strike_id: str
    account: str
    decision_id: str
    case_id: str
    weight: int
    status: str = "active"  # active, removed (decision overturned), dismissed (by a lead)
    at: str = ""
    reason: str = ""
    by: str = ""
    dismissed_by: str | None = None
    version: int = 1

    def dismiss(self, reason: str, by: str) -> dict[str, Any]:
        """The fields that dismiss this strike (only an active one)."""
        if self.status != "active":
            raise ValidationError(f"strike {self.strike_id} is already {self.status}")
        return {"status": "dismissed", "reason": reason, "dismissed_by": by}


@dataclass(frozen=True)
class NoticeRecord(Record):
    """A notice to the affected user as recorded: sent (maybe edited) or not sent and why."""

    notice_id: str
    kind: str
    decision_id: str
    appeal_id: str | None
    case_id: str
    account: str
    template: str
    lang: str
    subject: str
    body: str
    edited: bool
    sent: bool
    not_sent_reason: str
    by: str
    at: str
    #: the audit chain's head when it went out (`appeals verify --expect` proves it later)
    chain_head: str
    version: int = 1

    @property
    def state(self) -> str:
        """'sent', 'sent (edited)' or 'not sent: REASON'."""
        if self.sent:
            return "sent" + (" (edited)" if self.edited else "")
        return f"not sent: {self.not_sent_reason}"


@dataclass(frozen=True)
class Note(Record):
    """A private note on a case or an appeal (moderators and leads; never in a notice)."""

    note_id: str
    entity: str
    author: str
    at: str
    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Decision(Record):
    decision_id: str
    case_id: str
    moderator: str
    decided_at: str
    action: str
    clauses: list[dict[str, Any]]
    factors: dict[str, bool]
    reasoning: str
    guidance: dict[str, Any] = field(default_factory=dict)
    divergence_reason: str | None = None
    precedents_cited: list[str] = field(default_factory=list)
    supersedes: str | None = None
    superseded_by: str | None = None
    appeal_outcome: str | None = None
    canonical: bool = False
    account: str = ""
    jurisdiction: str = ""
    diverged: bool = False
    version: int = 1
    #: SHA-256 of the images the case held when decided (what the decision was about)
    media: list[str] = field(default_factory=list)
    #: the policy library in force when decided (its clause versions are in `clauses`)
    library_version: str = ""
    #: the re-review item that wrote this decision (services/rereview.py), else None
    rereview: str | None = None

    @property
    def clause_refs(self) -> list[ClauseRef]:
        """The clauses applied, as typed records (stored as dicts)."""
        return [ClauseRef.from_dict(c) for c in self.clauses]

    @property
    def clause_ids(self) -> list[str]:
        return [str(c["id"]) for c in self.clauses]

    @property
    def guidance_then(self) -> GuidanceThen:
        """What the rubric recommended when this was decided (stored as a dict;
        decisions older than a key have "?" there)."""
        g = self.guidance or {}
        nearest = g.get("nearest_precedent") or {}
        return GuidanceThen(
            action=str(g.get("action", "?")),
            clause_id=str(g.get("clause_id", "?")),
            rule_id=str(g.get("rule_id", "?")),
            nearest_decision_id=nearest.get("decision_id"),
            nearest_action=nearest.get("action"),
        )


@dataclass(frozen=True)
class GuidanceThen:
    """The guidance a decision recorded, as the lead's decision card shows it."""

    action: str
    clause_id: str
    rule_id: str
    nearest_decision_id: str | None = None
    nearest_action: str | None = None


@dataclass(frozen=True)
class Appeal(Record):
    appeal_id: str
    decision_id: str
    filed_at: str
    appellant: str
    grounds: str
    status: str = AppealStatus.OPEN
    reviewer: str | None = None
    outcome: str | None = None
    resolution_reasoning: str | None = None
    due_at: str = ""
    new_information: str = ""
    resolved_at: str | None = None
    new_decision_id: str | None = None
    case_id: str = ""
    version: int = 1

    # -- state transitions: the rule beside the change it allows --------------------

    def claim(self, reviewer: str) -> dict[str, Any]:
        """The fields that put this appeal in `reviewer`'s review (ValidationError once
        resolved; ConflictError while someone else reviews it)."""
        if self.status == AppealStatus.RESOLVED:
            raise ValidationError(f"appeal {self.appeal_id} is already resolved")
        self.check_not_reviewed_by_other(reviewer)
        return {"status": AppealStatus.IN_REVIEW.value, "reviewer": reviewer}

    def check_not_reviewed_by_other(self, reviewer: str) -> None:
        if self.status == AppealStatus.IN_REVIEW and self.reviewer not in (None, reviewer):
            raise ConflictError(f"appeal {self.appeal_id} is being reviewed by {self.reviewer}")

    def check_open(self) -> None:
        """An appeal is resolved once (its resolver is in the chain afterwards)."""
        if self.status == AppealStatus.RESOLVED:
            raise ValidationError(f"appeal {self.appeal_id} is already resolved ({self.outcome})")

    def resolve(
        self,
        reviewer: str,
        outcome: AppealOutcome,
        reasoning: str,
        at: str,
        new_decision_id: str | None,
    ) -> dict[str, Any]:
        """The fields that close this appeal with `outcome`."""
        self.check_open()
        self.check_not_reviewed_by_other(reviewer)
        return {
            "status": AppealStatus.RESOLVED.value,
            "reviewer": reviewer,
            "outcome": outcome.value,
            "resolution_reasoning": reasoning,
            "resolved_at": at,
            "new_decision_id": new_decision_id,
        }

    def overdue(self, now: datetime) -> bool:
        """Still unresolved past its due time."""
        return self.status != AppealStatus.RESOLVED and parse_ts(self.due_at) < now


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of an ordered result (a queue, the history, appeals): `items` from
    `offset`, out of `total` matching; `limit` is the page size asked for (None: all)."""

    items: list[T]
    total: int
    offset: int
    limit: int | None = None


@dataclass(frozen=True)
class Event(Record):
    """One event of the audit chain (docs/cli.md **Event**); `payload` is what the
    event type records (free-form JSON, hashed into the chain as written)."""

    seq: int
    at: str
    actor: str
    type: str
    entity: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass
class User(Record):
    name: str
    role: str
    added_at: str = ""
    added_by: str = ""
    #: the OS login (embedded workspace) allowed to act as this user; "" = same as name
    login: str = ""

    @property
    def acting_login(self) -> str:
        return self.login or self.name
