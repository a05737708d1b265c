"""Plain-text panels of the review screen, built from `services.appeal_review.review_file`.

Everything returned is a literal `Content` (user text never parsed as markup).
"""

from __future__ import annotations

from textual.content import Content

from ...services.appeal_review import ReviewFile
from ..text import content, visible

__all__ = [
    "title_panel",
    "case_panel",
    "decision_panel",
    "appeal_panel",
    "precedents_panel",
    "standing_panel",
    "notes_panel",
    "history_panel",
]

_SOURCE = {
    "user_report": "user report",
    "trusted_flagger": "trusted flagger",
    "automated": "automated",
}


def title_panel(f: ReviewFile, now_iso: str) -> Content:
    """Appeal id, state, reviewer, due date; overdue and separation-of-duties warnings."""
    a = f.appeal
    overdue = a.status != "resolved" and a.due_at < now_iso
    who = f" by {a.reviewer}" if a.reviewer else ""
    line = f"{a.appeal_id} · {a.status}{who} · due {a.due_at[:10]}"
    if overdue:
        line += " · OVERDUE"
    if a.status == "resolved":
        line += f" · {a.outcome}" + (f" → {a.new_decision_id}" if a.new_decision_id else "")
    if f.own_decision:
        line += " · your own decision: someone else must review it"
    return content(line)


def case_panel(f: ReviewFile) -> Content:
    """The case as reported: subject, content, media description, reports."""
    c = f.case
    s = c.subject if c else {}
    lines = [
        f"{c.case_id if c else ''} · {s.get('platform', '')} {s.get('subject_type', '')} "
        f"{s.get('subject_id', '')} · {s.get('account', '')} · {(c and c.jurisdiction) or '—'}",
        f"url: {s.get('url') or '—'}",
        "",
        "Content:",
        visible((c and c.content_text) or "—"),
        "",
        "Media description:",
        visible((c and c.media_description) or "—"),
        "",
        f"Reports ({len(f.reports)}) · detected by "
        + (", ".join(_SOURCE.get(k, k) for k in f.detection) or "—"),
    ]
    for r in f.reports:
        lines.append(f"  {r.report_id} {r.reported_at[:10]} {r.reporter}: {r.reason}")
    return content("\n".join(lines))


def decision_panel(f: ReviewFile) -> Content:
    """The appealed decision with the clause text of the version it applied."""
    d = f.decision
    yes = [k for k, v in d.factors.items() if v]
    lines = [
        f"{d.decision_id} by {d.moderator} on {d.decided_at[:10]}",
        f"action: {d.action}",
        f"factors (yes): {', '.join(yes) or 'none'}",
        "",
    ]
    for c in f.clauses:
        newer = f" (current is v{c.latest_version})" if c.latest_version != c.version else ""
        lines += [f"{c.id} v{c.version}{newer}: {c.title}", c.text, ""]
    lines += ["Reasoning:", d.reasoning]
    if d.divergence_reason:
        lines += ["", "Divergence reason:", d.divergence_reason]
    g = d.guidance or {}
    if g.get("action"):
        lines += ["", f"Guidance then: {g.get('action')} under {g.get('clause_id', '?')}"]
    return content("\n".join(lines))


def appeal_panel(f: ReviewFile, now_iso: str) -> Content:
    """Grounds, new information, the appeal window, and the resolution once there is one."""
    a = f.appeal
    deadline = f.appeal_deadline
    window = "window closed" if deadline <= now_iso else "appeal window closes"
    lines = [
        f"Filed {a.filed_at[:10]} by {a.appellant} ({window} {deadline[:10]})",
        "",
        "Grounds:",
        a.grounds,
        "",
        "New information:",
        a.new_information or "—",
    ]
    if a.resolution_reasoning:
        lines += ["", f"Resolution ({a.outcome}, {a.reviewer}):", a.resolution_reasoning]
    return content("\n".join(lines))


def precedents_panel(f: ReviewFile) -> Content:
    """The earlier standing decisions most like the appealed one."""
    rows = [
        f"{p.decision_id} {p.action:<16} similarity {p.similarity:.2f}"
        + (" · canonical" if p.canonical else "")
        + (" · same clause" if p.same_clause else "")
        for p in f.precedents
    ]
    return content("\n".join(rows) or "no comparable earlier decisions")


def standing_panel(f: ReviewFile) -> Content:
    """The account's strikes and whether it is flagged."""
    st = f.standing
    lines = [
        f"{st.account}: active weight {st.active_weight} of {st.threshold}"
        + (" · FLAGGED" if st.flagged else "")
    ]
    for s in st.strikes:
        why = f" ({s.reason})" if s.reason else ""
        lines.append(f"  {s.strike_id} w{s.weight} {s.status} {s.decision_id}{why}")
    return content("\n".join(lines))


def notes_panel(f: ReviewFile) -> Content:
    """Private notes on the appeal."""
    rows = [f"{n.at[:16]} {n.author}: {n.text}" for n in f.notes]
    return content("\n".join(rows) or "no private notes (N adds one; never sent to users)")


def history_panel(f: ReviewFile) -> Content:
    """The decision's supersession line and the notices sent about the appeal."""
    rows = []
    for d in f.chain:
        link = f" supersedes {d.supersedes}" if d.supersedes else ""
        by = f" superseded by {d.superseded_by}" if d.superseded_by else ""
        rows.append(f"{d.decision_id} {d.decided_at[:10]} {d.action}{link}{by}")
    for n in f.notices:
        state = "sent" if n.sent else f"not sent: {n.not_sent_reason}"
        rows.append(f"notice {n.notice_id} {n.at[:10]} {state}")
    return content("\n".join(rows))
