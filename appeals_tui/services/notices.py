"""Notices to the affected user: what was decided, under which rule, why, and how to appeal.

A notice is generated from the record (decision, case, reports, clause version
applied), through a `string.Template` in `data/notices/` — user and moderator
text is substituted once and never interpreted. The moderator may pick a
template, edit the text, or decide not to send it (with a reason); whatever
they chose is recorded in `notices` with an audit event. Private notes are
never part of a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Template
from typing import Any

from ..domain.errors import NotFound, ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.korean import with_particle
from ..domain.models import Action, AppealStatus, NoticeRecord
from ..domain.text import clean_text, is_meaningful
from .appeals import appeal_deadline, get_appeal
from .decisions import get_decision
from .notice_templates import (
    LANGS,
    _load_template,
    _strings,
    detection_sources,
    pick_lang,
    templates,
)
from .permissions import require_moderator, require_role
from .session import Session

__all__ = [
    "Notice",
    "LANGS",
    "templates",
    "detection_sources",
    "pick_lang",
    "render_notice",
    "send_notice",
    "notices_for",
    "notice_draft",
]


@dataclass
class Notice:
    """A rendered notice; `fields` are the facts the template was filled with."""

    subject: str
    body: str
    fields: JsonObject
    template: str
    lang: str
    kind: str
    decision_id: str
    appeal_id: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> JsonObject:
        return {
            "subject": self.subject,
            "body": self.body,
            "template": self.template,
            "lang": self.lang,
            "kind": self.kind,
            "decision_id": self.decision_id,
            "appeal_id": self.appeal_id,
            "fields": self.fields,
        }


def _fill(text: str, **values: Any) -> str:
    return Template(text).safe_substitute({k: str(v) for k, v in values.items()})


def _decision_fields(
    session: Session, decision: dict[str, Any], s: dict[str, Any], lang: str
) -> dict[str, Any]:
    case = session.ws.get("cases", decision["case_id"]) or {}
    subject = case.get("subject") or {}
    reports = [
        r for r in (session.ws.get("reports", rid) for rid in case.get("report_ids", [])) if r
    ]
    sources = detection_sources(reports)
    clauses = []
    for ref in decision["clauses"]:
        clause = session.library.get(ref["id"], ref["version"])
        clauses.append(
            {
                "id": clause.id,
                "version": clause.version,
                "title": clause.title_in(lang),
                "text": clause.text_in(lang),
            }
        )
    counts = {k: sum(1 for r in reports if detection_sources([r]) == [k]) for k in sources}
    subject_type = subject.get("subject_type", "")
    type_label = s["content_types"].get(subject_type, subject_type)
    detection = (
        s["detection_join"].join(f"{s['detection'][k]} ({counts[k]})" for k in sources)
        or s["detection"]["none"]
    )
    return {
        "decision_id": decision["decision_id"],
        "case_id": decision["case_id"],
        "account": subject.get("account") or decision.get("account") or "",
        "platform": subject.get("platform", ""),
        "content_type": subject.get("subject_type", ""),
        "content_type_label": type_label,
        # the object particle chosen by the word (게시물을, 스토리를), never "을(를)"
        "content_type_object": with_particle(type_label, "을/를") if lang == "ko" else type_label,
        "content_id": subject.get("subject_id", ""),
        "content_url": subject.get("url") or s["no_url"],
        "jurisdiction": case.get("jurisdiction") or "",
        "action": decision["action"],
        "action_text": s["actions"].get(decision["action"], decision["action"]),
        "clauses": clauses,
        "clauses_block": "\n".join(
            _fill(
                s["clause_line"],
                clause_id=c["id"],
                clause_version=c["version"],
                clause_title=c["title"],
                clause_text=c["text"],
            )
            for c in clauses
        ),
        "reasoning": decision["reasoning"],
        "detection": detection,
        "detection_sources": sources,
        "automated_detection": "automated" in sources,
        "automated_decision": False,
        "automated_text": s["automated_no"],
        "decided_at": decision["decided_at"][:10],
    }


def render_notice(
    session: Session,
    decision_id: str | None = None,
    appeal_id: str | None = None,
    template: str | None = None,
    lang: str | None = None,
) -> Notice:
    """The notice for a decision, or for an appeal's outcome, from the records."""
    require_role(session, "read", "see notices")
    if bool(decision_id) == bool(appeal_id):
        raise ValidationError("notice: give a decision id or an appeal id (one of them)")
    appeal = get_appeal(session, appeal_id) if appeal_id else None
    if appeal is not None and appeal.status != AppealStatus.RESOLVED:
        raise ValidationError(f"appeal {appeal_id} is {appeal.status}; no outcome to notify yet")
    original_id = appeal.decision_id if appeal else decision_id
    assert original_id is not None  # one of the two ids was given (checked above)
    original = get_decision(session, original_id)
    standing = (
        get_decision(session, appeal.new_decision_id)
        if appeal and appeal.new_decision_id
        else original
    ).to_dict()  # the template fields below are read from the stored shape
    case = session.ws.get("cases", standing["case_id"]) or {}
    chosen = pick_lang(case.get("jurisdiction"), lang)
    s = _strings()[chosen]
    values = _decision_fields(session, standing, s, chosen)
    if appeal is None:
        kind = "decision"
        deadline = appeal_deadline(session, standing["decided_at"])
        window = session.config("appeal_window_days")
        appealable = standing["action"] != Action.NO_ACTION
        values.update(
            kind=kind,
            appeal_deadline=deadline,
            appeal_window_days=window,
            appealable=appealable,
            appeal_text=_fill(s["appeal_open"], deadline=deadline[:10], window=window)
            if appealable
            else s["appeal_none"],
        )
    else:
        kind = "appeal_outcome"
        values.update(
            kind=kind,
            appeal_id=appeal.appeal_id,
            appeal_filed_at=appeal.filed_at[:10],
            original_decision_id=original.decision_id,
            original_action=original.action,
            new_decision_id=appeal.new_decision_id or "",
            outcome=appeal.outcome,
            outcome_label=s["outcome_labels"][appeal.outcome or ""],
            outcome_text=_fill(
                s["outcomes"][appeal.outcome or ""],
                new_decision_id=appeal.new_decision_id or "",
                original_decision_id=original.decision_id,
            ),
            reasoning=appeal.resolution_reasoning or "",
            resolved_at=(appeal.resolved_at or "")[:10],
            final=True,
            final_text=s["final"],
            redress_text=s["redress"],
        )
    name = template or kind
    subject_t, body_t = _load_template(name, chosen)
    flat = {k: v for k, v in values.items() if isinstance(v, str | int)}
    return Notice(
        subject=subject_t.safe_substitute(flat).strip(),
        body=body_t.safe_substitute(flat),
        fields=values,
        template=name,
        lang=chosen,
        kind=kind,
        decision_id=standing["decision_id"],
        appeal_id=appeal.appeal_id if appeal else None,
    )


def _private_notes(session: Session, notice: Notice) -> list[str]:
    entities = {f"case:{notice.fields['case_id']}"}
    if notice.appeal_id:
        entities.add(f"appeal:{notice.appeal_id}")
    return [n["text"] for e in sorted(entities) for n in session.ws.lookup("notes", "entity", e)]


#: an edited notice body goes into the audit chain and to the user: a letter, not a file dump
MAX_BODY_CHARS = 100_000


def send_notice(
    session: Session,
    decision_id: str | None = None,
    appeal_id: str | None = None,
    template: str | None = None,
    lang: str | None = None,
    *,
    body_override: str | None = None,
    send: bool = True,
    reason: str = "",
) -> NoticeRecord:
    """Record the notice as sent (possibly edited), or the decision not to send it and why."""
    require_moderator(session, "send notices")
    notice = render_notice(session, decision_id, appeal_id, template, lang)
    body = notice.body
    if body_override is not None:
        body = clean_text(body_override)
        if not body:
            raise ValidationError("body: the edited notice is empty")
        if len(body) > MAX_BODY_CHARS:
            raise ValidationError(
                f"body: the edited notice has {len(body):,} characters; "
                f"at most {MAX_BODY_CHARS:,} go to a user"
            )
    if not send and not is_meaningful(reason, min_chars=10):
        raise ValidationError("reason: say in a sentence why this notice is not sent")
    leaked = [t for t in _private_notes(session, notice) if len(t) >= 12 and t in body]
    if leaked:
        raise ValidationError("body: contains the text of a private note; notes never go to users")
    head = session.ws.head()
    with session.ws.transaction(session.actor) as txn:
        notice_id = txn.next_id("NT")
        doc = {
            "notice_id": notice_id,
            "kind": notice.kind,
            "decision_id": notice.decision_id,
            "appeal_id": notice.appeal_id,
            "case_id": notice.fields["case_id"],
            "account": notice.fields["account"],
            "template": notice.template,
            "lang": notice.lang,
            "subject": notice.subject,
            "body": body,
            "edited": body != notice.body,
            "sent": bool(send),
            "not_sent_reason": "" if send else clean_text(reason),
            "by": session.actor,
            "at": session.now_iso(),
            # the audit chain's head when the notice went out: `appeals verify --expect`
            # with it later proves the history the notice was based on is still there
            "chain_head": f"{head.seq}:{head.hash}",
        }
        txn.insert("notices", notice_id, doc)
        entity = (
            f"appeal:{notice.appeal_id}" if notice.appeal_id else f"decision:{notice.decision_id}"
        )
        txn.event(
            "notice.sent" if send else "notice.not_sent",
            entity,
            {
                "notice_id": notice_id,
                "template": notice.template,
                "lang": notice.lang,
                "edited": doc["edited"],
                "reason": doc["not_sent_reason"],
            },
        )
    return NoticeRecord.from_dict(doc)


def notices_for(
    session: Session, decision_id: str | None = None, appeal_id: str | None = None
) -> list[NoticeRecord]:
    """Every notice recorded for a decision (or an appeal), oldest first."""
    require_role(session, "read", "see notices")
    if decision_id and session.ws.get("decisions", decision_id) is None:
        raise NotFound(f"decision '{decision_id}' not found")
    rows: dict[str, dict[str, Any]] = {}
    for name, value in (("decision_id", decision_id), ("appeal_id", appeal_id)):
        if value:
            rows.update((n["notice_id"], n) for n in session.ws.lookup("notices", name, value))
    found = sorted(rows.values(), key=lambda n: (n["at"], n["notice_id"]))
    return [NoticeRecord.from_dict(n) for n in found]


@dataclass(frozen=True)
class NoticeDraft:
    """What the notice screen needs in one call: the rendering, the templates, the log."""

    notice: Notice
    templates: dict[str, list[str]]
    log: list[NoticeRecord]


def notice_draft(
    session: Session,
    decision_id: str | None = None,
    appeal_id: str | None = None,
    template: str | None = None,
    lang: str | None = None,
) -> NoticeDraft:
    """What the notice screen needs in one call: the rendering, the choices, the log."""
    notice = render_notice(session, decision_id, appeal_id, template, lang)
    log = notices_for(session, None, appeal_id) if appeal_id else notices_for(session, decision_id)
    return NoticeDraft(notice, templates(), log)
