"""The consistency dashboard: are we deciding alike, and where not?

One pass over the decisions in range (the store filters the range) and
one query for resolved appeals, no per-decision queries, so the numbers for 100k
decisions come back in well under a second. (Three `Store.aggregate` calls --
moderator x day x action, clause, profile x jurisdiction x action -- give the
same counts, but on the embedded backend three passes cost 2.5x this one.) Leads only: the
per-moderator figures are performance data.

Counting rules (also shown in the dashboard help):
- a decision citing several clauses counts once for each clause;
- `decisions` counts moderation decisions; a decision an appeal's overturn or
  modify wrote (it `supersedes` the appealed one) is an appeal outcome, not the
  reviewer's own decision: it is counted in `appeal_decisions`, and the appeal in
  the reviewer's `reviewed` (resolved appeals of decisions in range they
  reviewed), never in anyone's `decisions` or `diverged`;
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

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from ..domain.models import FACTORS
from ..domain.similarity import factor_mask
from ..store.protocol import Filter, Op
from .permissions import require_lead
from .session import Session

__all__ = [
    "RateRow",
    "DecisionSummary",
    "ProfileGroup",
    "WeekActions",
    "ConsistencyStats",
    "consistency_stats",
    "iso_week",
]

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
    reviewed: int = 0  # resolved appeals this person reviewed (moderator rows)

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
        """The documented `stats --json` row (docs/cli.md): counts, then rates rounded."""
        out = asdict(self)
        for name in ("divergence_rate", "overturn_rate", "overturn_per_decision"):
            value = getattr(self, name)
            out[name] = None if value is None else round(value, 4)
        return out


@dataclass(frozen=True)
class DecisionSummary:
    """One decision of an inconsistent profile, as the dashboard lists it."""

    decision_id: str
    case_id: str
    moderator: str
    action: str
    clauses: list[str]  # clause ids
    decided_at: str
    canonical: bool


@dataclass
class ProfileGroup:
    """Standing decisions that answered the rubric alike but acted differently."""

    factors: list[str]  # the factors answered yes
    promotion_illegal: bool
    actions: dict[str, int]
    decision_count: int
    decisions: list[DecisionSummary] = field(default_factory=list)


@dataclass(frozen=True)
class WeekActions:
    """Decisions of one ISO week (`2026-W47`) counted by action."""

    week: str
    actions: dict[str, int]


@dataclass
class ConsistencyStats:
    decisions: int
    standing: int
    appeal_decisions: int
    appeals_resolved: int
    overturned: int
    diverged: int
    per_clause: list[RateRow]
    per_moderator: list[RateRow]
    per_week: list[WeekActions]
    inconsistent_profiles: list[ProfileGroup]

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.appeals_resolved if self.appeals_resolved else None

    @property
    def divergence_rate(self) -> float | None:
        return self.diverged / self.decisions if self.decisions else None

    def to_dict(self) -> dict[str, Any]:
        """The documented `stats --json` object (docs/cli.md): the counts with their
        rates (properties here) rounded to 4 places, as plain JSON values."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "decisions": self.decisions,
            "standing": self.standing,
            "appeal_decisions": self.appeal_decisions,
            "appeals_resolved": self.appeals_resolved,
            "overturned": self.overturned,
            "overturn_rate": r(self.overturn_rate),
            "diverged": self.diverged,
            "divergence_rate": r(self.divergence_rate),
            "per_clause": [row.to_dict() for row in self.per_clause],
            "per_moderator": [row.to_dict() for row in self.per_moderator],
            "per_week": [asdict(w) for w in self.per_week],
            "inconsistent_profiles": [asdict(g) for g in self.inconsistent_profiles],
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


def _summary(d: dict[str, Any]) -> DecisionSummary:
    return DecisionSummary(
        decision_id=d["decision_id"],
        case_id=d["case_id"],
        moderator=d["moderator"],
        action=d["action"],
        clauses=[c["id"] for c in d["clauses"]],
        decided_at=d["decided_at"],
        canonical=bool(d.get("canonical")),
    )


def consistency_stats(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    group_limit: int = GROUP_LIST_LIMIT,
) -> ConsistencyStats:
    """Overturn and divergence rates, actions per week and inconsistent profiles."""
    require_lead(session, "see the consistency dashboard")
    ws = session.ws
    illegal_in = session.library.promotion_illegal_in()
    clauses: dict[str, RateRow] = {}
    moderators: dict[str, RateRow] = {}
    weeks: dict[str, Counter[str]] = {}
    groups: dict[tuple[int, bool], list[dict[str, Any]]] = {}
    total = diverged = standing = appeal_decisions = 0
    # only decisions with a resolved appeal are looked up again: at 100k, a map of
    # every decision in range was the largest thing this call allocated
    done = [Filter("status", Op.EQ, "resolved"), Filter("outcome", Op.NOT_NULL)]
    resolved_appeals = [a for a in ws.iterate("appeals", done) if a.get("outcome")]
    appealed = {a["decision_id"] for a in resolved_appeals}
    in_scope: dict[str, dict[str, Any]] = {}

    in_range: list[Filter] = []
    if since is not None:
        in_range.append(Filter("decided_at", Op.GE, since))
    if until is not None:
        in_range.append(Filter("decided_at", Op.LT, until))
    # query, not iterate: on the embedded backend iterate re-decodes a table still on
    # disk on every call (constant memory for exports); the dashboard asks repeatedly
    week_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for d in ws.query("decisions", in_range).rows:
        did = d["decision_id"]
        if did in appealed:
            in_scope[did] = d
        if _is_appeal_outcome(d):
            appeal_decisions += 1
        else:
            total += 1
            flag = 1 if d.get("diverged") else 0
            diverged += flag
            name = d["moderator"]
            row = moderators.get(name)
            if row is None:
                row = moderators[name] = RateRow(name)
            row.decisions += 1
            row.diverged += flag
            for ref in d["clauses"]:
                cid = ref["id"]
                row = clauses.get(cid)
                if row is None:
                    row = clauses[cid] = RateRow(cid)
                row.decisions += 1
                row.diverged += flag
        week_counts[iso_week(d["decided_at"])][d["action"]] += 1
        if not d.get("superseded_by") and d.get("appeal_outcome") != "overturned":
            standing += 1
            mask = d.get("factor_mask")
            if mask is None:
                mask = factor_mask(d["factors"])
            key = (mask, (d.get("jurisdiction") or "") in illegal_in)
            members = groups.get(key)
            if members is None:
                groups[key] = [d]
            else:
                members.append(d)
    weeks.update(week_counts)

    resolved = overturned = 0
    for appeal in resolved_appeals:
        outcome = appeal["outcome"]
        original = in_scope.get(appeal["decision_id"])
        if original is None:
            continue
        resolved += 1
        bad = outcome in ("overturned", "modified")
        overturned += bad
        rows = [_row(moderators, original["moderator"])]
        rows += [_row(clauses, c["id"]) for c in original["clauses"]]
        for row in rows:
            row.appeals_resolved += 1
            row.overturned += bad
            row.upheld += outcome == "upheld"
            row.modified += outcome == "modified"
        if appeal.get("reviewer"):
            _row(moderators, appeal["reviewer"]).reviewed += 1

    return ConsistencyStats(
        decisions=total,
        standing=standing,
        appeal_decisions=appeal_decisions,
        appeals_resolved=resolved,
        overturned=overturned,
        diverged=diverged,
        per_clause=sorted(clauses.values(), key=lambda r: r.key),
        per_moderator=sorted(moderators.values(), key=lambda r: r.key),
        per_week=[WeekActions(w, dict(sorted(weeks[w].items()))) for w in sorted(weeks)],
        inconsistent_profiles=_inconsistent(groups, group_limit),
    )


def _is_appeal_outcome(decision: dict[str, Any]) -> bool:
    """A decision written by an appeal's overturn or modify (it supersedes the appealed
    one); a lead's re-review after a policy change supersedes too but is their own."""
    return bool(decision.get("supersedes")) and not decision.get("rereview")


def _row(rows: dict[str, RateRow], key: str) -> RateRow:
    return rows.get(key) or rows.setdefault(key, RateRow(key))


def _inconsistent(
    groups: dict[tuple[int, bool], list[dict[str, Any]]], limit: int
) -> list[ProfileGroup]:
    out = []
    for (mask, illegal), members in groups.items():
        actions = Counter(d["action"] for d in members)
        if len(actions) < 2:
            continue
        # Canonical first, then newest: what a lead needs to open side by side.
        members = sorted(members, key=lambda d: d["decided_at"], reverse=True)
        members.sort(key=lambda d: not d.get("canonical"))
        out.append(
            ProfileGroup(
                factors=[f for i, f in enumerate(FACTORS) if mask & (1 << i)],
                promotion_illegal=illegal,
                actions=dict(actions.most_common()),
                decision_count=len(members),
                decisions=[_summary(d) for d in members[:limit]],
            )
        )
    # Largest disagreements first: most decisions in the minority actions.
    out.sort(key=lambda g: (-(g.decision_count - max(g.actions.values())), -g.decision_count))
    return out
