"""One queue row per case: literal cells, SLA colouring, escalations marked."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ...domain.models import Case
from ...domain.timeutil import parse_ts
from ..text import cell

__all__ = ["row_cells", "hours_text"]


def hours_text(hours: float) -> str:
    """Hours up to two days, then days."""
    h = abs(hours)
    return f"{h:.0f}h" if h < 48 else f"{h / 24:.0f}d"


def row_cells(c: Case, sla: tuple[str, float] | None, now: datetime) -> list[Text]:
    """The queue row of a case: status (escalations marked), SLA, reach; user text literal."""
    escalated = c.escalated
    status = ("⚑ " if escalated else "") + c.status.replace("in_review", "claimed")
    if c.assignee and c.status == "in_review":
        status += f" {c.assignee}"
    if sla is None:
        sla_cell = cell("—", 12, "dim")
    else:
        state, left = sla
        style = {"overdue": "bold red", "due": "yellow"}.get(state, "green")
        sla_cell = cell(f"{state} {hours_text(left)}", 12, style)
    age = (now - parse_ts(c.first_reported_at)).total_seconds() / 3600
    reach = c.views + c.followers
    return [
        cell(c.case_id, 10, "bold red" if escalated else "bold"),
        cell(status, 22, "bold red" if escalated else ""),
        cell(f"{c.priority or 0:.1f}", 6),
        sla_cell,
        cell(len(c.report_ids), 4),
        cell(c.account, 22),
        cell(c.content_text or c.media_description or "", 48),
        cell(c.platform, 10),
        cell(c.jurisdiction or "", 3),
        cell(hours_text(age), 5),
        cell(f"{reach:,}", 12),
    ]
