"""The case queue: listing, claiming, escalating, notes, and the case file view."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.errors import NotFound, ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.models import Case, CaseStatus, Decision, Event, Note, Page, StoredReport, Strike
from ..domain.priority import sla_due
from ..domain.text import clean_text, is_meaningful
from ..store.protocol import Filter, Op, Order
from ..store.protocol import Page as Window
from ..store.protocol import Transaction as Txn
from .permissions import require_lead, require_moderator, require_role
from .session import Session
from .versioned import _load_versioned

__all__ = [
    "CaseFilter",
    "SORT_KEYS",
    "list_cases",
    "get_case",
    "case_file",
    "CaseFile",
    "claim",
    "release",
    "reassign",
    "escalate",
    "add_note",
    "notes_for",
]

#: Queue orderings a moderator can pick; each maps a case dict to a sort key (ascending).
SORT_KEYS = ("priority", "reports", "age", "sla", "reach")


@dataclass
class CaseFilter:
    status: set[str] = field(default_factory=set)
    platform: str | None = None
    jurisdiction: str | None = None
    assignee: str | None = None
    account: str | None = None
    text: str | None = None

    def where(self) -> list[Filter]:
        """The filter as store filters on the declared case fields (store/schema.py)."""
        out: list[Filter] = []
        if self.status:
            known = [s.value for s in CaseStatus]
            for status in sorted(self.status - set(known)):  # a typo would list nothing
                raise ValidationError(f"status: '{status}' is not one of {', '.join(known)}")
            out.append(Filter("status", Op.IN, tuple(sorted(self.status))))
        if self.platform:
            out.append(Filter("subject.platform", Op.EQ, self.platform))
        if self.jurisdiction:
            out.append(Filter("jurisdiction", Op.EQ, self.jurisdiction.upper()))
        if self.assignee == "":
            out.append(Filter("assignee", Op.IS_NULL))
        elif self.assignee is not None:
            out.append(Filter("assignee", Op.EQ, self.assignee))
        if self.account:
            out.append(Filter("subject.account", Op.EQ, self.account))
        if self.text:
            out.append(Filter("search", Op.CONTAINS, self.text))
        return out


#: each queue ordering as store orders; ties fall back to insertion (= case id) order.
#: "sla" is "age": every case's SLA runs the same hours from its first report.
_ORDERS: dict[str, tuple[Order, ...]] = {
    "priority": (Order("priority", descending=True), Order("first_reported_at")),
    "reports": (Order("report_count", descending=True), Order("first_reported_at")),
    "age": (Order("first_reported_at"),),
    "sla": (Order("first_reported_at"),),
    "reach": (Order("reach", descending=True),),
}


def list_cases(
    session: Session,
    flt: CaseFilter | None = None,
    *,
    sort: str = "priority",
    offset: int = 0,
    limit: int | None = 50,
) -> Page[Case]:
    """A page of the queue, filtered, sorted and counted by the store."""
    require_role(session, "read", "see the queue")
    flt = flt or CaseFilter()
    order = _ORDERS.get(sort)
    if order is None:
        raise ValidationError(f"sort: '{sort}' is not one of {', '.join(SORT_KEYS)}")
    found = session.ws.query("cases", flt.where(), order, Window(offset, limit))
    rows = [Case.from_dict(c) for c in found.rows]
    return Page(rows, total=found.total, offset=offset, limit=limit or found.total)


def iter_cases(
    session: Session, flt: CaseFilter | None = None, *, sort: str = "priority"
) -> Iterator[Case]:
    """The whole queue in order, streamed from the store (`cases list --json`): the
    first cases come before the last are read."""
    require_role(session, "read", "see the queue")
    flt = flt or CaseFilter()
    order = _ORDERS.get(sort)
    if order is None:
        raise ValidationError(f"sort: '{sort}' is not one of {', '.join(SORT_KEYS)}")
    from_dict = Case.from_dict
    for doc in session.ws.iterate("cases", flt.where(), order):
        yield from_dict(doc)


def _case_doc(session: Session, case_id: str) -> dict[str, Any]:
    """The stored case record, for services that read fields by name (NotFound if none)."""
    case = session.ws.get("cases", case_id)
    if case is None:
        raise NotFound(f"case '{case_id}' not found")
    return case


def get_case(session: Session, case_id: str) -> Case:
    return Case.from_dict(_case_doc(session, case_id))


def _load_case(txn: Txn, case_id: str, expected_version: int | None) -> dict[str, Any]:
    """Fetch a case inside a transaction, refusing a stale version up front."""
    return _load_versioned(txn, "cases", "case", case_id, expected_version)


def sla_state(
    session: Session, first_reported_at: str, now: datetime | None = None
) -> tuple[str, float]:
    """('overdue'|'due'|'ok', hours left) for an undecided case first reported then."""
    due = sla_due(first_reported_at, session.config("case_sla_hours"))
    left = ((due - (now or session.now())).total_seconds()) / 3600
    if left < 0:
        return "overdue", left
    return ("due" if left < 4 else "ok"), left


def claim(session: Session, case_id: str, expected_version: int | None = None) -> Case:
    """Take a case so nobody else decides it while you read it."""
    require_moderator(session, "claim cases")
    with session.ws.transaction(session.actor) as txn:
        doc = _load_case(txn, case_id, expected_version)
        changes = Case.from_dict(doc).claim(session.actor, session.now_iso())
        if changes is None:  # yours already
            return Case.from_dict(doc)
        updated = txn.update("cases", case_id, changes, expected_version=doc["version"])
        txn.event("case.claimed", f"case:{case_id}", {"assignee": session.actor})
    return Case.from_dict(updated)


def release(session: Session, case_id: str, expected_version: int | None = None) -> Case:
    """Put a claimed case back in the open queue (own claim, or a lead for anyone's)."""
    require_moderator(session, "release cases")
    with session.ws.transaction(session.actor) as txn:
        case = Case.from_dict(_load_case(txn, case_id, expected_version))
        changes = case.release(session.now_iso())
        if case.assignee != session.actor:
            require_lead(session, f"release a case claimed by {case.assignee}")
        updated = txn.update("cases", case_id, changes)
        txn.event("case.released", f"case:{case_id}", {"previous_assignee": case.assignee})
    return Case.from_dict(updated)


def reassign(
    session: Session, case_id: str, to_user: str, expected_version: int | None = None
) -> Case:
    """Leads move a claimed or open case to another moderator."""
    require_lead(session, "reassign cases")
    target = session.ws.get("users", to_user)
    if target is None or target["role"] not in ("moderator", "lead"):
        raise ValidationError(f"assignee: '{to_user}' is not a moderator or lead on the roster")
    with session.ws.transaction(session.actor) as txn:
        case = Case.from_dict(_load_case(txn, case_id, expected_version))
        updated = txn.update("cases", case_id, case.reassign(to_user, session.now_iso()))
        txn.event("case.reassigned", f"case:{case_id}", {"from": case.assignee, "to": to_user})
    return Case.from_dict(updated)


def escalate(
    session: Session, case_id: str, note: str, expected_version: int | None = None
) -> Case:
    """Flag a case for a lead, with a note saying what the lead should look at."""
    require_moderator(session, "escalate cases")
    text = clean_text(note)
    if not is_meaningful(text, min_chars=10):
        raise ValidationError("note: say in a sentence why this needs a lead")
    with session.ws.transaction(session.actor) as txn:
        case = Case.from_dict(_load_case(txn, case_id, expected_version))
        updated = txn.update("cases", case_id, case.escalate(session.now_iso()))
        _insert_note(session, txn, f"case:{case_id}", text, kind="escalation")
        txn.event("case.escalated", f"case:{case_id}", {"note": text})
    return Case.from_dict(updated)


def _insert_note(session: Session, txn: Txn, entity: str, text: str, kind: str = "note") -> Note:
    note = Note(txn.next_id("N"), entity, session.actor, session.now_iso(), text, kind)
    txn.insert("notes", note.note_id, note.to_dict())
    return note


def add_note(session: Session, entity: str, text: str) -> Note:
    """Private note on a case ('case:C-…') or appeal ('appeal:A-…'); never shown in notices."""
    require_role(session, "note", "write private notes")
    body = clean_text(text)
    if not body:
        raise ValidationError("note: empty")
    kind, _, key = entity.partition(":")
    table = {"case": "cases", "appeal": "appeals"}.get(kind)
    if table is None or session.ws.get(table, key) is None:
        raise NotFound(f"{entity}: no such case or appeal")
    with session.ws.transaction(session.actor) as txn:
        note = _insert_note(session, txn, entity, body)
        txn.event("note.added", entity, {"note_id": note.note_id})
    return note


def notes_for(session: Session, entity: str) -> list[Note]:
    """The private notes on a case or appeal, oldest first."""
    require_role(session, "note", "read private notes")
    rows = sorted(session.ws.lookup("notes", "entity", entity), key=lambda n: n["at"])
    return [Note.from_dict(n) for n in rows]


@dataclass(frozen=True)
class CaseFile:
    """Everything a moderator reads before deciding (`appeals cases show`, the case and
    decide screens): the case, its reports, the account's history, the timeline."""

    case: Case
    #: the reports as imported and stored (docs/cli.md **Report**)
    reports: list[StoredReport]
    #: the account's other cases
    account_cases: list[Case]
    account_decisions: list[Decision]
    strikes: list[Strike]
    active_strikes: int
    #: audit events of the case and its decisions, in chain order
    timeline: list[Event]

    def to_json(self) -> JsonObject:
        """The case's own fields at the top, the file beside them (docs/cli.md)."""
        return {
            **self.case.to_dict(),
            "reports": self.reports,
            "account_cases": self.account_cases,
            "account_decisions": self.account_decisions,
            "strikes": self.strikes,
            "active_strikes": self.active_strikes,
            "timeline": self.timeline,
        }


def case_file(session: Session, case_id: str) -> CaseFile:
    """Everything a moderator reads before deciding: reports, account history, timeline."""
    case = _case_doc(session, case_id)
    ws = session.ws
    reports = [ws.get("reports", rid) for rid in case["report_ids"]]
    account = case["subject"]["account"]
    earlier = [c for c in ws.lookup("cases", "subject.account", account) if c["case_id"] != case_id]
    decisions = ws.lookup("decisions", "account", account)
    strikes = ws.lookup("strikes", "account", account)
    entity = f"case:{case_id}"
    decision_ids = {d["decision_id"] for d in decisions if d["case_id"] == case_id}
    timeline = ws.events_for([entity, *(f"decision:{d}" for d in decision_ids)])
    return CaseFile(
        case=Case.from_dict(case),
        reports=[StoredReport.from_dict(r) for r in reports if r],
        account_cases=[Case.from_dict(c) for c in earlier],
        account_decisions=[Decision.from_dict(d) for d in decisions],
        strikes=[Strike.from_dict(s) for s in strikes],
        active_strikes=sum(s.get("weight", 1) for s in strikes if s.get("status") == "active"),
        timeline=[Event.from_dict(e) for e in timeline],
    )
