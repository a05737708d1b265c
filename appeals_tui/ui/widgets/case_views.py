"""How a case's parts read on screen: subject, reports, account history, timeline, notes.

Every value here may be hostile user text, so it only reaches the screen through
`rich.text.Text` built with `ui.text` helpers (never markup).
"""

from __future__ import annotations

import json

from rich.text import Text

from ...domain.models import Case, Decision, Event, Note, StoredReport
from ...services.cases import CaseFile
from ..text import one_line, visible

__all__ = [
    "subject_text",
    "reports_text",
    "account_text",
    "timeline_text",
    "notes_text",
    "decision_text",
]


def subject_text(case: Case) -> Text:
    """One header line about the subject; every value in it is user data, shown literally."""
    s = case.subject_ref
    out = Text()
    out.append(case.case_id, style="bold")
    status = str(case.status).replace("in_review", "claimed")
    out.append(f"  {status}")
    if case.assignee:
        out.append(f" by {visible(case.assignee)}")
    if case.escalated:
        out.append("  ⚑ escalated", style="bold red")
    out.append(f"  v{case.version}\n", style="dim")
    out.append(f"{one_line(s.platform, 20)} {one_line(s.subject_type, 12)} ")
    out.append(one_line(s.subject_id, 40), style="bold")
    out.append("  @")
    out.append(one_line(s.account, 40), style="bold")
    if case.jurisdiction:
        out.append(f"  {one_line(case.jurisdiction, 4)}")
    out.append(
        f"  {case.followers:,} followers · {case.views:,} views",
        style="dim",
    )
    if s.url:
        out.append("\n")
        out.append(one_line(s.url, 200), style="underline")
    return out


def reports_text(reports: list[StoredReport]) -> Text:
    """The Reports tab: who reported and why (literal)."""
    out = Text()
    for r in reports:
        out.append(f"{r.report_id}", style="bold")
        out.append(f"  {r.reported_at}  ")
        out.append(visible(r.reporter))
        out.append("  reason: ")
        out.append(visible(r.reason) + "\n", style="yellow")
    return out or Text("No reports.", style="dim")


def account_text(file: CaseFile) -> Text:
    """The Account tab: strike weight, the account's decisions, other cases and strikes."""
    out = Text()
    out.append(f"Active strike weight: {file.active_strikes}", style="bold")
    out.append(f" ({len(file.strikes)} strikes in total)\n\n")
    out.append("Decisions on this account\n", style="bold")
    for d in sorted(file.account_decisions, key=lambda d: d.decided_at, reverse=True):
        clauses = ", ".join(f"{c.id} v{c.version}" for c in d.clause_refs)
        out.append(f"  {d.decision_id}  {d.decided_at[:10]}  case {d.case_id}  ")
        out.append(d.action, style="reverse")
        out.append(f"  {clauses}")
        if d.appeal_outcome:
            out.append(f"  appeal: {d.appeal_outcome}", style="italic")
        if d.superseded_by:
            out.append(f"  superseded by {d.superseded_by}", style="dim")
        out.append("\n    " + one_line(d.reasoning, 160) + "\n", style="dim")
    if not file.account_decisions:
        out.append("  none\n", style="dim")
    out.append("\nOther cases of this account\n", style="bold")
    for c in sorted(file.account_cases, key=lambda c: c.first_reported_at, reverse=True):
        out.append(f"  {c.case_id}  {c.status:<10} {c.first_reported_at[:10]}  ")
        out.append(one_line(c.content_text, 80) + "\n")
    if not file.account_cases:
        out.append("  none\n", style="dim")
    out.append("\nStrikes\n", style="bold")
    for s in file.strikes:
        out.append(f"  {s.strike_id}  weight {s.weight}  {s.status}")
        out.append(f"  decision {s.decision_id}\n")
    if not file.strikes:
        out.append("  none\n", style="dim")
    return out


def timeline_text(events: list[Event]) -> Text:
    """The Timeline tab: the audit events of the case and its decisions."""
    out = Text()
    for e in events:
        out.append(f"#{e.seq:<5} {str(e.at)[:19]}  ", style="dim")
        out.append(f"{e.type:<20}", style="bold")
        out.append(f" {visible(e.actor)}  ")
        payload = json.dumps(e.payload or {}, ensure_ascii=False)
        out.append(one_line(payload, 120) + "\n", style="dim")
    return out or Text("No events.", style="dim")


def notes_text(notes: list[Note] | None) -> Text:
    """The Notes tab (None: the reader may not see private notes)."""
    if notes is None:
        return Text("Private notes are for moderators and leads.", style="dim")
    out = Text()
    for n in notes:
        out.append(f"{n.at[:16]}  {visible(n.author)}", style="bold")
        if n.kind == "escalation":
            out.append("  escalation", style="bold red")
        out.append("\n" + visible(n.text) + "\n\n")
    return out or Text("No notes yet. Press N to add one.", style="dim")


def decision_text(d: Decision | None) -> Text:
    """The case's decision (or that there is none yet), its reasoning literal."""
    if d is None:
        return Text("Not decided yet.", style="dim")
    out = Text()
    clauses = ", ".join(f"{c.id} v{c.version}" for c in d.clause_refs)
    out.append(
        f"Decision {d.decision_id} by {visible(d.moderator)} {d.decided_at[:16]}: ",
        style="bold",
    )
    out.append(d.action, style="reverse")
    out.append(f" under {clauses}\n")
    out.append(visible(d.reasoning) + "\n")
    if d.divergence_reason:
        out.append("Divergence: ", style="italic")
        out.append(visible(d.divergence_reason) + "\n")
    return out
