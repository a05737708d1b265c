"""The consistency dashboard: are we deciding alike, and where not?

One pass over decisions and one over appeals, no per-decision queries, so the
numbers for 100k decisions come back in well under a second. Leads only: the
per-moderator figures are performance data.

Counting rules (also shown in the dashboard help):
- a decision citing several clauses counts once for each clause;
- `decisions` counts every recorded decision (appeal outcomes that write a new
  decision count for the reviewer who wrote it);
- `overturned` = resolved appeals whose outcome was overturned or modified;
  `overturn_rate` = overturned / resolved appeals, `overturn_per_decision` =
  overturned / decisions; both are attributed to the original decision's
  moderator and clauses;
- `divergence_rate` = decisions that departed from guidance or precedent / decisions;
- inconsistent profiles: standing decisions (not superseded, not overturned) with
  the same factor profile and jurisdiction class (promotion illegal or not) but
  more than one action.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from ..domain.models import FACTORS
from ..store.protocol import Filter, Op, Order, Page
from .permissions import require_lead
from .session import Session

__all__ = ["RateRow", "ProfileGroup", "ConsistencyStats", "consistency_stats", "iso_week"]

#: How many decisions a group lists by default (its counts always cover all of them).
GROUP_LIST_LIMIT = 100


@dataclass
class RateRow:
    """Counts and rates for one clause or one moderator."""

    key: str
    decisions: int = 0
    diverged: int = 0
    appeals_resolved: int = 0
    upheld: int = 0
    overturned: int = 0  # overturned + modified
    modified: int = 0

    @property
    def divergence_rate(self) -> float | None:
        return self.diverged / self.decisions if self.decisions else None

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.appeals_resolved if self.appeals_resolved else None

    @property
    def overturn_per_decision(self) -> float | None:
        return self.overturned / self.decisions if self.decisions else None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("divergence_rate", "overturn_rate", "overturn_per_decision"):
            value = getattr(self, name)
            out[name] = None if value is None else round(value, 4)
        return out


@dataclass
class ProfileGroup:
    """Standing decisions that answered the rubric alike but acted differently."""

    factors: list[str]  # the factors answered yes
    promotion_illegal: bool
    actions: dict[str, int]
    decision_count: int
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConsistencyStats:
    decisions: int
    standing: int
    appeals_resolved: int
    overturned: int
    diverged: int
    per_clause: list[RateRow]
    per_moderator: list[RateRow]
    per_week: list[dict[str, Any]]  # {"week": "2026-W47", "actions": {action: n}}
    inconsistent_profiles: list[ProfileGroup]

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.appeals_resolved if self.appeals_resolved else None

    @property
    def divergence_rate(self) -> float | None:
        return self.diverged / self.decisions if self.decisions else None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "decisions": self.decisions,
            "standing": self.standing,
            "appeals_resolved": self.appeals_resolved,
            "overturned": self.overturned,
            "overturn_rate": r(self.overturn_rate),
            "diverged": self.diverged,
            "divergence_rate": r(self.divergence_rate),
            "per_clause": [row.to_dict() for row in self.per_clause],
            "per_moderator": [row.to_dict() for row in self.per_moderator],
            "per_week": self.per_week,
            "inconsistent_profiles": [g.to_dict() for g in self.inconsistent_profiles],
        }


_WEEKS: dict[str, str] = {}


def iso_week(timestamp: str) -> str:
    """`2026-11-20T01:00:00+00:00` -> `2026-W47` (stored timestamps are UTC)."""
    day = timestamp[:10]
    week = _WEEKS.get(day)
    if week is None:
        year, number, _ = date.fromisoformat(day).isocalendar()
        week = _WEEKS[day] = f"{year}-W{number:02d}"
    return week


def _in_range(decided_at: str, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    at = datetime.fromisoformat(decided_at)
    return (since is None or at >= since) and (until is None or at < until)


def _summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "decision_id": d["decision_id"],
        "case_id": d["case_id"],
        "moderator": d["moderator"],
        "action": d["action"],
        "clauses": [c["id"] for c in d["clauses"]],
        "decided_at": d["decided_at"],
        "canonical": bool(d.get("canonical")),
    }


#: decisions that still stand: not superseded, not overturned
STANDING = (Filter("superseded_by", Op.IS_NULL), Filter("appeal_outcome", Op.NE, "overturned"))


def consistency_stats(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    group_limit: int = GROUP_LIST_LIMIT,
) -> ConsistencyStats:
    """Overturn and divergence rates, actions per week and inconsistent profiles.

    The store groups and counts; only decisions with a resolved appeal, and the
    listed members of inconsistent groups, are read one by one."""
    require_lead(session, "see the consistency dashboard")
    ws = session.ws
    in_range: list[Filter] = []
    if since is not None:
        in_range.append(Filter("decided_at", Op.GE, since))
    if until is not None:
        in_range.append(Filter("decided_at", Op.LT, until))
    moderators: dict[str, RateRow] = {}
    weeks: dict[str, Counter[str]] = {}
    for g in ws.aggregate(
        "decisions", ["moderator", "decided_day", "action"], in_range, ["diverged"]
    ):
        moderator, day, action = g.key
        row = moderators.get(moderator) or moderators.setdefault(moderator, RateRow(moderator))
        row.decisions += g.count
        row.diverged += int(g.sums["diverged"])
        weeks.setdefault(iso_week(day), Counter())[action] += g.count
    clauses: dict[str, RateRow] = {}
    for g in ws.aggregate("decisions", ["clause_ids"], in_range, ["diverged"]):
        if g.key[0] is not None:
            clauses[g.key[0]] = RateRow(g.key[0], g.count, int(g.sums["diverged"]))
    total = sum(r.decisions for r in moderators.values())
    diverged = sum(r.diverged for r in moderators.values())

    resolved = overturned = 0
    done = [Filter("status", Op.EQ, "resolved"), Filter("outcome", Op.NOT_NULL)]
    resolved_appeals = ws.query("appeals", done).rows
    originals = {
        d["decision_id"]: d
        for d in ws.get_many("decisions", sorted({a["decision_id"] for a in resolved_appeals}))
        if _in_range(d["decided_at"], since, until)
    }
    for appeal in resolved_appeals:
        outcome = appeal["outcome"]
        original = originals.get(appeal["decision_id"])
        if original is None:
            continue
        resolved += 1
        bad = outcome in ("overturned", "modified")
        overturned += bad
        rows = [moderators[original["moderator"]]]
        rows += [clauses[c] for c in dict.fromkeys(c["id"] for c in original["clauses"])]
        for row in rows:
            row.appeals_resolved += 1
            row.overturned += bad
            row.upheld += outcome == "upheld"
            row.modified += outcome == "modified"

    profiles, standing = _profiles(session, [*in_range, *STANDING], group_limit)
    return ConsistencyStats(
        decisions=total,
        standing=standing,
        appeals_resolved=resolved,
        overturned=overturned,
        diverged=diverged,
        per_clause=sorted(clauses.values(), key=lambda r: r.key),
        per_moderator=sorted(moderators.values(), key=lambda r: r.key),
        per_week=[{"week": w, "actions": dict(sorted(weeks[w].items()))} for w in sorted(weeks)],
        inconsistent_profiles=profiles,
    )


def _profiles(
    session: Session, standing: list[Filter], limit: int
) -> tuple[list[ProfileGroup], int]:
    """Standing decisions grouped by factor profile and jurisdiction class, the groups
    with more than one action, largest disagreement first; and how many stand."""
    illegal_in = sorted(session.library.promotion_illegal_in())
    groups: dict[tuple[int, bool], Counter[str]] = {}
    count = 0
    for g in session.ws.aggregate("decisions", ["factor_mask", "jurisdiction", "action"], standing):
        mask, jurisdiction, action = g.key
        count += g.count
        key = (mask, (jurisdiction or "") in illegal_in)
        groups.setdefault(key, Counter())[action] += g.count
    out = []
    newest = (Order("canonical", descending=True), Order("decided_at", descending=True))
    for (mask, illegal), actions in groups.items():
        if len(actions) < 2:
            continue
        where = [
            *standing,
            Filter("factor_mask", Op.EQ, mask)
            if mask is not None
            else Filter("factor_mask", Op.IS_NULL),
            Filter("jurisdiction", Op.IN if illegal else Op.NOT_IN, tuple(illegal_in)),
        ]
        members = session.ws.query("decisions", where, newest, Page(0, limit))
        out.append(
            ProfileGroup(
                factors=[f for i, f in enumerate(FACTORS) if (mask or 0) & (1 << i)],
                promotion_illegal=illegal,
                actions=dict(actions.most_common()),
                decision_count=members.total,
                decisions=[_summary(d) for d in members.rows],
            )
        )
    # Largest disagreements first: most decisions in the minority actions.
    out.sort(key=lambda g: (-(g.decision_count - max(g.actions.values())), -g.decision_count))
    return out, count
