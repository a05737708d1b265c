"""The decision history leads browse: every decision, superseded ones included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.errors import NotFound, ValidationError
from ..domain.models import FACTORS, Action, Appeal, Case, Decision, Page, Report
from ..domain.timeutil import parse_ts
from ..store.protocol import Filter, Op, Order
from ..store.protocol import Page as Window
from ..store.schema import INSERTED
from .permissions import require_role
from .session import Session

__all__ = [
    "HistoryFilter",
    "DecisionDetail",
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
        actions = [a.value for a in Action]
        if self.action and self.action not in actions:  # else it silently matched nothing
            raise ValidationError(f"action: '{self.action}' is not one of {', '.join(actions)}")
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

    def where(self, session: Session) -> list[Filter]:
        """The filter as store filters on the declared decision fields; free words are a
        casefolded substring search over ids, account, reasoning and divergence reason."""
        out: list[Filter] = []
        if self.moderator:
            out.append(Filter("moderator", Op.EQ, self.moderator))
        if self.action:
            out.append(Filter("action", Op.EQ, self.action))
        if self.clause:
            out.append(Filter("clause_ids", Op.EQ, self.clause))
        if not self.include_superseded:
            out.append(Filter("superseded_by", Op.IS_NULL))
        if self.outcome == "none":
            out.append(Filter("appeal_outcome", Op.IS_NULL))
        elif self.outcome == "pending":
            # Appeal filed but not resolved yet: only the appeals table knows.
            open_appeals = [Filter("status", Op.NE, "resolved")]
            pending = session.ws.distinct("appeals", "decision_id", open_appeals)
            out.append(Filter("decision_id", Op.IN, tuple(pending)))
        elif self.outcome:
            out.append(Filter("appeal_outcome", Op.EQ, self.outcome))
        for name, answer in sorted((self.factor or {}).items()):
            out.append(Filter(f"factors.{name}", Op.EQ, answer))
        if self.since:
            out.append(Filter("decided_at", Op.GE, self.since))
        if self.until:
            out.append(Filter("decided_at", Op.LT, self.until))
        if self.text:
            out.append(Filter("search", Op.CONTAINS, self.text))
        return out


@dataclass(frozen=True)
class DecisionDetail:
    """Everything a lead reads about one decision (the decision view, compare)."""

    decision: Decision
    case: Case | None  # None when the case record is gone (a damaged or partial store)
    reports: list[Report]
    appeals: list[Appeal]  # oldest first
    chain: list[Decision]  # the supersession line, oldest first


#: newest first: decisions are recorded in time order
NEWEST_FIRST = (Order(INSERTED, descending=True),)


def iter_history(session: Session, flt: HistoryFilter | None = None) -> Iterator[Decision]:
    """Matching decisions, newest first, streamed (`history --json` on 100k)."""
    from_dict = Decision.from_dict
    for doc in _matching_docs(session, flt):
        yield from_dict(doc)


def _matching_docs(session: Session, flt: HistoryFilter | None = None) -> Iterator[dict[str, Any]]:
    """The stored decision documents `iter_history` reads: exports build their own rows
    (CSV/JSONL columns, SoR statements) straight from them, within services."""
    require_role(session, "read", "read the decision history")
    flt = flt or HistoryFilter()
    yield from session.ws.iterate("decisions", flt.where(session), NEWEST_FIRST)


def history(
    session: Session, flt: HistoryFilter | None = None, *, offset: int = 0, limit: int = 50
) -> Page[Decision]:
    """A page of `iter_history` (the history screen, `history` without --json)."""
    require_role(session, "read", "read the decision history")
    flt = flt or HistoryFilter()
    window = Window(offset, limit)
    found = session.ws.query("decisions", flt.where(session), NEWEST_FIRST, window)
    decisions = [Decision.from_dict(d) for d in found.rows]
    return Page(decisions, total=found.total, offset=offset, limit=limit)


def supersession_chain(session: Session, decision_id: str) -> list[Decision]:
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
    return [Decision.from_dict(d) for d in chain]


def decision_detail(session: Session, decision_id: str) -> DecisionDetail:
    """Everything a lead reads about one decision: the record, its case and reports,
    its appeals and the supersession chain."""
    require_role(session, "read", "read the decision history")
    ws = session.ws
    decision = ws.get("decisions", decision_id)
    if decision is None:
        raise NotFound(f"decision '{decision_id}' not found")
    case = ws.get("cases", decision["case_id"])
    reports = [ws.get("reports", r) for r in (case or {}).get("report_ids", [])]
    appeals = sorted(ws.lookup("appeals", "decision_id", decision_id), key=lambda a: a["filed_at"])
    return DecisionDetail(
        decision=Decision.from_dict(decision),
        case=Case.from_dict(case) if case else None,
        reports=[Report.from_dict(r) for r in reports if r],
        appeals=[Appeal.from_dict(a) for a in appeals],
        chain=supersession_chain(session, decision_id),
    )
