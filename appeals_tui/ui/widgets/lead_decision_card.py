"""One decision in full: what was decided, why, what the rubric said, and its case.

Used alone (the decision view opened from History) and side by side (compare).
Every user-written string goes through `ui.text.visible` into `Text` objects: never markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...domain.models import FACTORS, Decision
from ...services.history import DecisionDetail
from ..text import visible

__all__ = ["DecisionCard", "decision_flags"]


def decision_flags(d: Decision) -> str:
    """Short marks for a decision row: canonical, superseded, diverged, appeal outcome."""
    flags = []
    if d.canonical:
        flags.append("★canonical")
    if d.superseded_by:
        flags.append(f"superseded→{d.superseded_by}")
    if d.diverged:
        flags.append("diverged")
    return " ".join(flags)


def _field(label: str, value: Any, style: str = "") -> Text:
    """`label: value`, the value literal (— when empty)."""
    text = Text(f"{label}: ", style="bold")
    text.append(visible(str(value) if value not in (None, "") else "—"), style=style)
    return text


def _section(title: str) -> Text:
    """A section heading inside the card."""
    return Text(f"\n{title}", style="bold underline")


class DecisionCard(VerticalScroll, can_focus=True):
    """A scrollable column holding one `decision_detail` result."""

    def __init__(self, detail: DecisionDetail, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.detail = detail
        self.decision_id: str = detail.decision.decision_id

    def compose(self) -> ComposeResult:
        yield Static(self.render_header(), classes="card-header")
        yield Static(self.render_body(), classes="card-body")

    def render_header(self) -> Text:
        """Decision id, action and its marks."""
        d = self.detail.decision
        title = Text(d.decision_id, style="bold")
        title.append(f"  {d.action}", style="bold")
        flags = decision_flags(d)
        if flags:
            title.append(f"  {flags}", style="italic")
        return title

    def refresh_detail(self, detail: DecisionDetail) -> None:
        """Show `detail` again (after marking it canonical)."""
        self.detail = detail
        self.query_one(".card-header", Static).update(self.render_header())
        self.query_one(".card-body", Static).update(self.render_body())

    def plain_text(self) -> str:
        """What the card says, as plain text (tests and copy-out)."""
        body = self.render_body()
        return "\n".join(
            [self.render_header().plain]
            + [t.plain for t in body.renderables if isinstance(t, Text)]
        )

    def render_body(self) -> Group:
        """Everything else about the decision, its chain, appeals, case and reports."""
        det = self.detail
        d, case = det.decision, det.case
        clauses = ", ".join(f"{c.id} v{c.version}" for c in d.clause_refs)
        guidance = d.guidance_then
        yes = [f for f in FACTORS if d.factors.get(f)]
        parts: list[Text] = [
            _field("moderator", d.moderator),
            _field("decided", d.decided_at[:16].replace("T", " ")),
            _field("case", d.case_id),
            _field("clauses", clauses),
            _field("appeal outcome", d.appeal_outcome or "none"),
            _section("Reasoning"),
            Text(visible(d.reasoning)),
            _section("Guidance at the time"),
            _field(
                "recommended",
                f"{guidance.action} under {guidance.clause_id} (rule {guidance.rule_id})",
            ),
        ]
        if guidance.nearest_decision_id:
            parts.append(
                _field(
                    "nearest precedent",
                    f"{guidance.nearest_decision_id} ({guidance.nearest_action})",
                )
            )
        parts += [
            _field("divergence reason", d.divergence_reason),
            _section("Factors answered yes"),
            Text(", ".join(yes) or "none"),
            _section("Supersession chain"),
        ]
        for link in det.chain:
            mark = "▶ " if link.decision_id == d.decision_id else "  "
            parts.append(
                Text(
                    f"{mark}{link.decision_id} {link.decided_at[:10]} "
                    f"{link.action} by {visible(link.moderator)}"
                    + (f" ({link.appeal_outcome})" if link.appeal_outcome else "")
                )
            )
        if det.appeals:
            parts.append(_section("Appeals"))
            for a in det.appeals:
                parts.append(
                    _field(
                        f"{a.appeal_id} {a.status}",
                        f"{a.outcome or 'pending'} — {a.grounds}",
                    )
                )
                if a.resolution_reasoning:
                    parts.append(_field("  resolution", a.resolution_reasoning))
        parts += [
            _section("Case"),
            _field("account", (case.account if case else None) or d.account),
            _field("jurisdiction", (case.jurisdiction if case else None) or d.jurisdiction),
            _field("content", case.content_text if case else None),
            _field("media", case.media_description if case else None),
        ]
        reports = det.reports
        parts.append(_section(f"Reports ({len(reports)})"))
        for r in reports:
            parts.append(_field(f"{r.report_id} {r.reported_at[:10]}", f"{r.reporter}: {r.reason}"))
        return Group(*parts)
