"""The consistency dashboard: are we deciding alike, and where not?

Two plans, the same numbers (tests/services/test_stats_plans.py):
- embedded store: one pass over the decisions in range (the store filters the range)
  and one query for resolved appeals, no per-decision queries, so 100k decisions come
  back in well under a second (several `Store.aggregate` passes cost 2.5x this one);
- a store that groups on its server (`Store.groups_on_server`, PostgreSQL): grouped
  questions only -- per moderator, clause, day x action and profile x action, appeals
  joined to their decision -- plus the listed members of each inconsistent profile
  (`Store.firsts`), so only groups cross the socket (1M decisions: seconds, not the
  minutes and gigabytes of reading every decision into this process).
Leads only: the per-moderator figures are performance data.

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

from ..domain.jsontypes import JsonObject
from ..domain.models import FACTORS
from ..domain.similarity import factor_mask
from ..store.protocol import Filter, Join, Op, Order
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

    def to_dict(self) -> JsonObject:
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

    def to_dict(self) -> JsonObject:
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
    in_range: list[Filter] = []
    if since is not None:
        in_range.append(Filter("decided_at", Op.GE, since))
    if until is not None:
        in_range.append(Filter("decided_at", Op.LT, until))
    if ws.groups_on_server:
        grouped = _grouped_stats(session, in_range, group_limit)
        if grouped is not None:
            return grouped
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
                actions=_by_count(actions),
                decision_count=len(members),
                decisions=[_summary(d) for d in members[:limit]],
            )
        )
    _largest_first(out)
    return out


def _by_count(actions: Counter[str]) -> dict[str, int]:
    """Most frequent action first; ties by name (both plans agree on the order)."""
    return dict(sorted(actions.items(), key=lambda kv: (-kv[1], kv[0])))


def _largest_first(groups: list[ProfileGroup]) -> None:
    """Largest disagreements first: most decisions in the minority actions; ties by
    profile, so both plans list groups in the same order."""
    groups.sort(
        key=lambda g: (
            -(g.decision_count - max(g.actions.values())),
            -g.decision_count,
            g.promotion_illegal,
            sum(1 << FACTORS.index(f) for f in g.factors),
        )
    )


#: an appeal's outcome decision: it supersedes the appealed one, and no re-review wrote it
_APPEAL_OUTCOME = (Filter("supersedes", Op.NOT_NULL), Filter("rereview", Op.IS_NULL))
_STANDING = (Filter("superseded_by", Op.IS_NULL), Filter("appeal_outcome", Op.NE, "overturned"))
_RESOLVED = (Filter("status", Op.EQ, "resolved"), Filter("outcome", Op.NOT_NULL))
_DIV = ("diverged",)


def _grouped_stats(
    session: Session, in_range: list[Filter], group_limit: int
) -> ConsistencyStats | None:
    """The dashboard from grouped questions (see the module docstring); None when a
    standing decision in range has no stored factor mask (records older than the
    mask): then only the one pass, which derives it, can group it."""
    ws = session.ws
    standing_in_range = [*in_range, *_STANDING]
    if ws.count("decisions", [*standing_in_range, Filter("factor_mask", Op.IS_NULL)]):
        return None
    moderators: dict[str, RateRow] = {}
    clauses: dict[str, RateRow] = {}
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    outcomes = [*in_range, *_APPEAL_OUTCOME]  # few: the partial index on supersedes
    # day x action (the weeks) and per moderator: two small answers (on PostgreSQL both
    # from one rollup, rollups.py), not the tens of thousands of moderator x day x action
    # groups; appeal outcomes are subtracted from the moderators' counts, not the weeks'
    for g in ws.aggregate("decisions", ["decided_day", "action"], in_range):
        day, action = g.key
        weeks[iso_week(day)][action] += g.count
    own: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g in ws.aggregate("decisions", ["moderator"], in_range, _DIV):
        own[g.key[0]][0] += g.count
        own[g.key[0]][1] += int(g.sums["diverged"])
    appeal_decisions = 0
    for g in ws.aggregate("decisions", ["moderator"], outcomes, _DIV):
        appeal_decisions += g.count
        own[g.key[0]][0] -= g.count
        own[g.key[0]][1] -= int(g.sums["diverged"])
    total = sum(n for n, _ in own.values())
    diverged = sum(flagged for _, flagged in own.values())
    for name, (n, flagged) in own.items():
        if n and name is not None:
            moderators[name] = RateRow(name, decisions=n, diverged=flagged)
    by_clause = {g.key: g for g in ws.aggregate("decisions", ["clause_ids"], outcomes, _DIV)}
    for g in ws.aggregate("decisions", ["clause_ids"], in_range, _DIV):
        o = by_clause.get(g.key)
        n = g.count - (o.count if o else 0)
        if n and g.key[0] is not None:
            flagged = int(g.sums["diverged"]) - (int(o.sums["diverged"]) if o else 0)
            clauses[g.key[0]] = RateRow(g.key[0], decisions=n, diverged=flagged)

    illegal_in = session.library.promotion_illegal_in()
    profiles: dict[tuple[int, bool], Counter[str]] = defaultdict(Counter)
    standing = 0
    for g in ws.aggregate(
        "decisions", ["factor_mask", "jurisdiction", "action"], standing_in_range
    ):
        mask, jurisdiction, action = g.key
        profiles[(mask, (jurisdiction or "") in illegal_in)][action] += g.count
        standing += g.count
    inconsistent = _listed_profiles(
        session, {k: a for k, a in profiles.items() if len(a) > 1}, standing_in_range, group_limit
    )

    resolved = overturned = 0
    in_scope = tuple(in_range)
    joined = Join("decisions", "decision_id", ("moderator",), in_scope)
    for g in ws.aggregate("appeals", ["outcome", "reviewer"], list(_RESOLVED), join=joined):
        outcome, reviewer, moderator = g.key
        resolved += g.count
        overturned += g.count * (outcome in ("overturned", "modified"))
        _count_appeals(_row(moderators, moderator), outcome, g.count)
        if reviewer:
            _row(moderators, reviewer).reviewed += g.count
    joined = Join("decisions", "decision_id", ("clause_ids",), in_scope)
    for g in ws.aggregate("appeals", ["outcome"], list(_RESOLVED), join=joined):
        outcome, clause = g.key
        if clause is not None:
            _count_appeals(_row(clauses, clause), outcome, g.count)

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
        inconsistent_profiles=inconsistent,
    )


#: the declared fields a listed member shows (`_summary`'s, read without the whole record)
_LISTED = (
    "decision_id",
    "case_id",
    "moderator",
    "action",
    "clause_ids",
    "decided_at",
    "canonical",
)


def _listed(d: dict[str, Any]) -> DecisionSummary:
    """`_summary` of a decision read as its declared fields (`Store.firsts(fields=...)`)."""
    return DecisionSummary(
        decision_id=d["decision_id"],
        case_id=d["case_id"],
        moderator=d["moderator"],
        action=d["action"],
        clauses=d["clause_ids"],
        decided_at=d["decided_at"],
        canonical=bool(d["canonical"]),
    )


def _count_appeals(row: RateRow, outcome: str, n: int) -> None:
    row.appeals_resolved += n
    row.overturned += n * (outcome in ("overturned", "modified"))
    row.upheld += n * (outcome == "upheld")
    row.modified += n * (outcome == "modified")


def _listed_profiles(
    session: Session,
    groups: dict[tuple[int, bool], Counter[str]],
    standing_in_range: list[Filter],
    limit: int,
) -> list[ProfileGroup]:
    """Inconsistent profiles with their first `limit` members, canonical first, then
    newest: one `firsts` question per jurisdiction class."""
    illegal_in = sorted(session.library.promotion_illegal_in())
    newest = [Order("canonical", descending=True), Order("decided_at", descending=True)]
    out = []
    for illegal in (False, True):
        masks = sorted(mask for mask, cls in groups if cls is illegal)
        if not masks:
            continue
        op = Op.IN if illegal else Op.NOT_IN
        where = [*standing_in_range, Filter("jurisdiction", op, illegal_in)]
        firsts = session.ws.firsts(
            "decisions", ["factor_mask"], [(m,) for m in masks], limit, where, newest, _LISTED
        )
        for mask, members in zip(masks, firsts, strict=True):
            actions = groups[(mask, illegal)]
            out.append(
                ProfileGroup(
                    factors=[f for i, f in enumerate(FACTORS) if mask & (1 << i)],
                    promotion_illegal=illegal,
                    actions=_by_count(actions),
                    decision_count=sum(actions.values()),
                    decisions=[_listed(d) for d in members],
                )
            )
    _largest_first(out)
    return out
