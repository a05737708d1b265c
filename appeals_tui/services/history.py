"""The decision history leads browse: every decision, superseded ones included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..domain.errors import NotFound, ValidationError
from ..domain.models import FACTORS
from ..domain.timeutil import parse_ts
from .permissions import require_role
from .session import Session

__all__ = [
    "HistoryFilter",
    "HistoryPage",
    "iter_history",
    "history",
    "parse_since",
    "decision_detail",
    "supersession_chain",
]


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


OUTCOMES = ("upheld", "overturned", "modified", "none", "pending")


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

    @classmethod
    def parse(cls, query: str) -> HistoryFilter:
        """The history screen's one-line filter: `moderator:minji clause:CSS-4 action:label
        outcome:overturned factor:glamorization=yes since:2026-11-01 until:2026-12-01
        current` plus free words (searched in reasoning, ids and account)."""
        fields: dict[str, Any] = {}
        factor: dict[str, bool] = {}
        words: list[str] = []
        for token in query.split():
            key, sep, value = token.partition(":")
            key = key.casefold()
            if token.casefold() == "current":
                fields["include_superseded"] = False
            elif sep and key in ("moderator", "clause", "action", "outcome") and value:
                fields[key] = value.upper() if key == "clause" else value
            elif sep and key in ("since", "until") and value:
                fields[key] = parse_since(value, key)
            elif sep and key == "factor" and value:
                name, _, answer = value.partition("=")
                if answer.casefold() not in ("yes", "no", "y", "n", "true", "false", ""):
                    raise ValidationError(f"factor: '{value}' should be NAME=yes or NAME=no")
                factor[name] = answer.casefold() in ("yes", "y", "true", "")
            else:
                words.append(token)
        if fields.get("outcome") not in (None, *OUTCOMES):
            raise ValidationError(
                f"outcome: '{fields['outcome']}' is not one of {', '.join(OUTCOMES)}"
            )
        return cls(factor=factor or None, text=" ".join(words) or None, **fields)

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
        buckets.append(ws.lookup("decisions", "clause_ids", flt.clause))
    return min(buckets, key=len) if buckets else ws.all("decisions")


def iter_history(session: Session, flt: HistoryFilter | None = None) -> Iterator[dict[str, Any]]:
    """Matching decisions, newest first (streams: exports use this)."""
    require_role(session, "read", "read the decision history")
    flt = flt or HistoryFilter()
    session.ws.refresh()
    rows = _candidates(session, flt)
    if flt.outcome == "pending":
        # Appeal filed but not resolved yet: only the appeals table knows.
        pending = {
            a["decision_id"] for a in session.ws.all("appeals") if a.get("status") != "resolved"
        }
        flt = replace(flt, outcome=None)
        rows = [d for d in rows if d["decision_id"] in pending]
    for d in reversed(rows):
        if flt.matches(d):
            yield d


def history(
    session: Session, flt: HistoryFilter | None = None, *, offset: int = 0, limit: int = 50
) -> HistoryPage:
    matched = list(iter_history(session, flt))
    return HistoryPage(
        decisions=matched[offset : offset + limit], total=len(matched), offset=offset
    )


def supersession_chain(session: Session, decision_id: str) -> list[dict[str, Any]]:
    """The decision's whole line, oldest first: what it replaced and what replaced it."""
    ws = session.ws
    start = ws.get("decisions", decision_id)
    if start is None:
        raise NotFound(f"decision '{decision_id}' not found")
    chain = [start]
    seen = {decision_id}
    while chain[0].get("supersedes") and chain[0]["supersedes"] not in seen:
        older = ws.get("decisions", chain[0]["supersedes"])
        if older is None:
            break
        seen.add(older["decision_id"])
        chain.insert(0, older)
    while chain[-1].get("superseded_by") and chain[-1]["superseded_by"] not in seen:
        newer = ws.get("decisions", chain[-1]["superseded_by"])
        if newer is None:
            break
        seen.add(newer["decision_id"])
        chain.append(newer)
    return chain


def decision_detail(session: Session, decision_id: str) -> dict[str, Any]:
    """Everything a lead reads about one decision: the record, its case and reports,
    its appeals and the supersession chain."""
    require_role(session, "read", "read the decision history")
    ws = session.ws
    decision = ws.get("decisions", decision_id)
    if decision is None:
        raise NotFound(f"decision '{decision_id}' not found")
    case = ws.get("cases", decision["case_id"]) or {}
    reports = [ws.get("reports", r) for r in case.get("report_ids", [])]
    appeals = sorted(
        (a for a in ws.all("appeals") if a["decision_id"] == decision_id),
        key=lambda a: a["filed_at"],
    )
    return {
        "decision": decision,
        "case": case,
        "reports": [r for r in reports if r],
        "appeals": appeals,
        "chain": supersession_chain(session, decision_id),
    }
