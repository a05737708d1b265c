"""The decision history leads browse: every decision, superseded ones included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.errors import ValidationError
from ..domain.models import FACTORS
from ..domain.timeutil import parse_ts
from .permissions import require_role
from .session import Session

__all__ = ["HistoryFilter", "HistoryPage", "iter_history", "history", "parse_since"]


def parse_since(value: str | None, field: str = "since") -> datetime | None:
    """Accept a date (YYYY-MM-DD, taken as UTC midnight) or a full timestamp."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 10:
        text += "T00:00:00+00:00"
    try:
        return parse_ts(text)
    except ValueError:
        raise ValidationError(
            f"{field}: '{value}' is not a date (YYYY-MM-DD) or ISO timestamp"
        ) from None


@dataclass
class HistoryFilter:
    moderator: str | None = None
    clause: str | None = None
    action: str | None = None
    factor: dict[str, bool] | None = None
    outcome: str | None = None  # upheld|overturned|modified|none|pending
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    include_superseded: bool = True

    def __post_init__(self) -> None:
        for name in self.factor or {}:
            if name not in FACTORS:
                raise ValidationError(f"factor: unknown factor '{name}'")

    def matches(self, d: dict[str, Any]) -> bool:
        if self.moderator and d["moderator"] != self.moderator:
            return False
        if self.action and d["action"] != self.action:
            return False
        if self.clause and not any(c["id"] == self.clause for c in d["clauses"]):
            return False
        if not self.include_superseded and d.get("superseded_by"):
            return False
        if self.outcome:
            got = d.get("appeal_outcome") or "none"
            if got != self.outcome:
                return False
        if self.factor and any(d["factors"].get(k) != v for k, v in self.factor.items()):
            return False
        if self.since or self.until:
            at = parse_ts(d["decided_at"])
            if self.since and at < self.since:
                return False
            if self.until and at >= self.until:
                return False
        if self.text:
            needle = self.text.casefold()
            hay = " ".join(
                (
                    d["decision_id"],
                    d["case_id"],
                    d.get("account", ""),
                    d["reasoning"],
                    d.get("divergence_reason") or "",
                )
            ).casefold()
            if needle not in hay:
                return False
        return True


@dataclass
class HistoryPage:
    decisions: list[dict[str, Any]]
    total: int
    offset: int


def _clause_ids(decision: dict[str, Any]) -> list[str]:
    return [c["id"] for c in decision["clauses"]]


def _candidates(session: Session, flt: HistoryFilter) -> list[dict[str, Any]]:
    """All decisions, or the smaller index bucket a moderator/clause filter allows
    (in table order: neither field changes once a decision is recorded)."""
    ws = session.ws
    buckets = []
    if flt.moderator:
        buckets.append(ws.lookup("decisions", "moderator", flt.moderator))
    if flt.clause:
        buckets.append(
            ws.lookup("decisions", "clause_ids", flt.clause, key=_clause_ids, multi=True)
        )
    return min(buckets, key=len) if buckets else ws.all("decisions")


def iter_history(session: Session, flt: HistoryFilter | None = None) -> Iterator[dict[str, Any]]:
    """Matching decisions, newest first (streams: exports use this)."""
    require_role(session, "read", "read the decision history")
    flt = flt or HistoryFilter()
    session.ws.refresh()
    for d in reversed(_candidates(session, flt)):
        if flt.matches(d):
            yield d


def history(
    session: Session, flt: HistoryFilter | None = None, *, offset: int = 0, limit: int = 50
) -> HistoryPage:
    matched = list(iter_history(session, flt))
    return HistoryPage(
        decisions=matched[offset : offset + limit], total=len(matched), offset=offset
    )
