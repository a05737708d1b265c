"""Precedent ranking by rubric-profile similarity.

A profile is packed into a 10-bit mask (bit i = FACTORS[i] answered yes), so the
number of disagreeing factors is ``(a ^ b).bit_count()``. Ranking runs in two passes:
a cheap distance pass over every candidate, then the full sort key only for the few
candidates within the best distances. Decisions may carry a precomputed
``factor_mask`` to skip even the dict lookups of the first pass.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from appeals_tui.domain.models import FACTORS

__all__ = [
    "factor_mask",
    "profile_similarity",
    "RankedPrecedent",
    "rank_precedents",
    "is_eligible_precedent",
    "rank_key",
]

_N = len(FACTORS)
_BITS = tuple((name, 1 << i) for i, name in enumerate(FACTORS))


def factor_mask(factors: Mapping[str, Any]) -> int:
    """Bitmask of the factors answered yes (unknown keys ignored, missing = no)."""
    m = 0
    get = factors.get
    for name, bit in _BITS:
        if get(name):
            m |= bit
    return m


def profile_similarity(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Fraction of the ten rubric factors on which two profiles agree (0.0 .. 1.0)."""
    return (_N - (factor_mask(a) ^ factor_mask(b)).bit_count()) / _N


@dataclass(frozen=True)
class RankedPrecedent:
    decision: dict
    similarity: float
    same_clause: bool
    canonical: bool
    #: the precedent's case holds an image matching this case's (PDQ), ranked first
    same_image: bool = False
    image_distance: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision.get("decision_id"),
            "similarity": round(self.similarity, 4),
            "same_clause": self.same_clause,
            "canonical": self.canonical,
            "same_image": self.same_image,
            "image_distance": self.image_distance,
            "decision": self.decision,
        }


def is_eligible_precedent(decision: Mapping[str, Any]) -> bool:
    """Overturned and superseded decisions are never offered as precedent."""
    return decision.get("appeal_outcome") != "overturned" and not decision.get("superseded_by")


def _timestamp(value: Any) -> float:
    if not value:
        return float("-inf")
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return float("-inf")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def rank_key(p: RankedPrecedent) -> tuple[float, bool, bool, float]:
    """Larger is better: similarity, then same clause, then canonical, then most recent."""
    return (p.similarity, p.same_clause, p.canonical, _timestamp(p.decision.get("decided_at")))


def rank_precedents(
    factors: Mapping[str, Any],
    clause_ids: set[str],
    candidates: Iterable[dict],
    limit: int = 10,
) -> list[RankedPrecedent]:
    """The `limit` best precedents for a profile, best first.

    Order: similarity desc, then sharing any clause id with `clause_ids`, then
    lead-marked canonical, then most recent `decided_at`. Overturned or superseded
    decisions are excluded.
    """
    if limit <= 0:
        return []
    target = factor_mask(factors)
    wanted = {str(c).upper() for c in clause_ids}
    # pass 1: bucket eligible candidates by distance (cheap: a few lookups and a popcount)
    buckets: list[list[dict]] = [[] for _ in range(_N + 1)]
    for c in candidates:
        if c.get("superseded_by") or c.get("appeal_outcome") == "overturned":
            continue
        m = c.get("factor_mask")
        if m is None:
            m = factor_mask(c.get("factors") or {})
        buckets[(m ^ target).bit_count()].append(c)
    # pass 2: full sort key only for the nearest buckets that can fill `limit`
    pool: list[tuple[dict, int]] = []
    for d, bucket in enumerate(buckets):
        if bucket:
            pool.extend((c, d) for c in bucket)
            if len(pool) >= limit:
                break
    if not pool:
        return []

    def key(item: tuple[dict, int]) -> tuple[int, bool, bool, float]:
        c, d = item
        same = any(str(cl.get("id", "")).upper() in wanted for cl in c.get("clauses") or ())
        return (-d, same, bool(c.get("canonical")), _timestamp(c.get("decided_at")))

    best = heapq.nlargest(limit, pool, key=key)
    out = []
    for c, d in best:
        same = any(str(cl.get("id", "")).upper() in wanted for cl in c.get("clauses") or ())
        out.append(RankedPrecedent(c, (_N - d) / _N, same, bool(c.get("canonical"))))
    return out
