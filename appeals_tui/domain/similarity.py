"""Precedent ranking by weighted similarity of rubric profiles.

Why weighted: counting agreeing answers put a profile with only
``minors_indicated`` nearer an all-"no" case than an escalation sharing its one
"yes". A shared "yes" on a decisive factor now counts far more than a shared "no"
(weights in ``rubric.json``, validated at load), and sharing a clause family or a
jurisdiction adds to the score too.

A profile is packed into a 10-bit mask (bit i = FACTORS[i] answered yes). The score
of a candidate is the sum of the weights of the factors on which it agrees with the
target ("yes" and "yes": that factor's shared-yes weight; "no" and "no": its
shared-no weight; disagreement: 0), plus the clause-family and jurisdiction weights
when those are shared. `similarity` is that score divided by what an identical case
would score, so an exact match is 1.0 and nothing scores higher.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from appeals_tui.domain.models import FACTORS, Decision

__all__ = [
    "factor_mask",
    "SimilarityWeights",
    "Target",
    "RankedPrecedent",
    "rank_precedents",
    "is_eligible_precedent",
    "rank_key",
    "prefix_family",
]

_N = len(FACTORS)
_FULL = (1 << _N) - 1
_BITS = tuple((name, 1 << i) for i, name in enumerate(FACTORS))
_LOW = 5  # masks are scored through two 5-bit lookup tables per kind of agreement
_DIGITS = 9  # scores are rounded so equal sums of float weights tie exactly


def factor_mask(factors: Mapping[str, Any]) -> int:
    """Bitmask of the factors answered yes (unknown keys ignored, missing = no)."""
    m = 0
    get = factors.get
    for name, bit in _BITS:
        if get(name):
            m |= bit
    return m


def _tables(weights: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    def table(offset: int, width: int) -> tuple[float, ...]:
        return tuple(
            sum(weights[offset + i] for i in range(width) if bits >> i & 1)
            for bits in range(1 << width)
        )

    return table(0, _LOW), table(_LOW, _N - _LOW)


@dataclass(frozen=True)
class SimilarityWeights:
    """What each kind of agreement is worth (from ``rubric.json`` ``similarity``)."""

    shared_yes: tuple[float, ...]  # per factor, in FACTORS order
    shared_no: tuple[float, ...]
    clause_family: float = 0.0
    jurisdiction: float = 0.0
    decisive: tuple[str, ...] = ()
    _yes: tuple[tuple[float, ...], tuple[float, ...]] = field(init=False, repr=False)
    _no: tuple[tuple[float, ...], tuple[float, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.shared_yes) != _N or len(self.shared_no) != _N:
            raise ValueError(f"need one weight per factor ({_N})")
        object.__setattr__(self, "_yes", _tables(self.shared_yes))
        object.__setattr__(self, "_no", _tables(self.shared_no))

    @classmethod
    def uniform(cls) -> SimilarityWeights:
        """Every agreement counts 1 and nothing else counts: the old unweighted ranking."""
        return cls((1.0,) * _N, (1.0,) * _N)

    @classmethod
    def from_mapping(
        cls,
        shared_yes: Mapping[str, float],
        shared_no: Mapping[str, float],
        clause_family: float = 0.0,
        jurisdiction: float = 0.0,
        decisive: Iterable[str] = (),
    ) -> SimilarityWeights:
        return cls(
            tuple(float(shared_yes[f]) for f in FACTORS),
            tuple(float(shared_no[f]) for f in FACTORS),
            float(clause_family),
            float(jurisdiction),
            tuple(decisive),
        )

    def profile_score(self, target: int, mask: int) -> float:
        """Sum of the weights of the factors on which `mask` agrees with `target`."""
        yes = target & mask
        no = ~(target | mask) & _FULL
        (ylo, yhi), (nlo, nhi) = self._yes, self._no
        return ylo[yes & 31] + yhi[yes >> _LOW] + nlo[no & 31] + nhi[no >> _LOW]

    def to_dict(self) -> dict[str, Any]:
        return {
            "shared_yes": dict(zip(FACTORS, self.shared_yes, strict=True)),
            "shared_no": dict(zip(FACTORS, self.shared_no, strict=True)),
            "clause_family": self.clause_family,
            "jurisdiction": self.jurisdiction,
            "decisive": list(self.decisive),
        }


def prefix_family(clause_id: str) -> str:
    """A clause's family when no library says otherwise: its id up to the last dash."""
    cid = str(clause_id).strip().upper()
    return cid.rsplit("-", 1)[0] if "-" in cid else cid


@dataclass(frozen=True)
class Target:
    """The case precedents are sought for: its profile, clause families and jurisdiction."""

    mask: int
    families: frozenset[str] = frozenset()
    jurisdiction: str = ""

    @classmethod
    def of(
        cls,
        factors: Mapping[str, Any],
        clause_ids: Iterable[str] = (),
        jurisdiction: str | None = None,
        family_of: Callable[[str], str] = prefix_family,
    ) -> Target:
        return cls(
            factor_mask(factors),
            frozenset(family_of(c) for c in clause_ids),
            (jurisdiction or "").strip().upper(),
        )

    def score(
        self, w: SimilarityWeights, mask: int, families: Iterable[str], jurisdiction: str
    ) -> float:
        return self.rescore(
            w,
            w.profile_score(self.mask, mask),
            bool(self.families) and not self.families.isdisjoint(families),
            bool(self.jurisdiction) and self.jurisdiction == (jurisdiction or "").upper(),
        )

    @staticmethod
    def rescore(w: SimilarityWeights, profile: float, family: bool, place: bool) -> float:
        """`score` from its parts: a profile's score (`w.profile_score`) plus the clause
        family's and the jurisdiction's weights when they match (one profile score
        serves every clause class and place of a precedent ranking)."""
        s = profile
        if family:
            s += w.clause_family
        if place:
            s += w.jurisdiction
        return round(s, _DIGITS)

    def best(self, w: SimilarityWeights) -> float:
        """What an identical case scores: the largest score any candidate can reach."""
        return self.score(w, self.mask, self.families, self.jurisdiction)

    def similarity(self, w: SimilarityWeights, score: float) -> float:
        best = self.best(w)
        return round(score / best, _DIGITS) if best > 0 else 1.0


@dataclass(frozen=True)
class RankedPrecedent:
    #: the stored decision row the ranking read (its index keys included); readers
    #: outside the ranking use `record`
    decision: dict[str, Any]
    similarity: float
    same_clause: bool
    canonical: bool
    linked: bool = False  # the decision is on an account linked to the case's account
    #: the precedent's case holds an image matching this case's (PDQ), ranked first
    same_image: bool = False
    image_distance: int | None = None

    @cached_property
    def record(self) -> Decision:
        """The precedent as the `Decision` read model. Why not the field itself: the
        reference scan ranks every candidate and keeps only the best few; converting
        only those that are shown costs nothing."""
        return Decision.from_dict(self.decision)

    @property
    def decision_id(self) -> str:
        return str(self.decision.get("decision_id"))

    @property
    def action(self) -> str:
        return str(self.decision.get("action"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision.get("decision_id"),
            "similarity": round(self.similarity, 4),
            "same_clause": self.same_clause,
            "canonical": self.canonical,
            "linked": self.linked,
            "same_image": self.same_image,
            "image_distance": self.image_distance,
            "decision": self.decision,
        }

    def to_json(self) -> dict[str, Any]:
        """`appeals precedents --json` (docs/cli.md): the ranking's fields, the decision as
        the `Decision` read model (not the stored row with its index keys)."""
        return {**self.to_dict(), "decision": self.record}


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


def candidate_mask(c: Mapping[str, Any]) -> int:
    m = c.get("factor_mask")
    return m if m is not None else factor_mask(c.get("factors") or {})


def rank_precedents(
    factors: Mapping[str, Any],
    clause_ids: set[str],
    candidates: Iterable[dict[str, Any]],
    limit: int = 10,
    *,
    weights: SimilarityWeights | None = None,
    jurisdiction: str | None = None,
    family_of: Callable[[str], str] = prefix_family,
) -> list[RankedPrecedent]:
    """The `limit` best precedents for a profile, best first, by a scan of `candidates`.

    Order: weighted similarity desc, then sharing a clause id with `clause_ids`, then
    lead-marked canonical, then most recent `decided_at`. Overturned or superseded
    decisions are excluded. This is the reference the indexed lookup must equal.
    """
    if limit <= 0:
        return []
    w = weights or SimilarityWeights.uniform()
    target = Target.of(factors, clause_ids, jurisdiction, family_of)
    wanted = {str(c).upper() for c in clause_ids}
    best = target.best(w)

    def ranked(c: dict[str, Any]) -> RankedPrecedent:
        ids = [str(cl.get("id", "")).upper() for cl in c.get("clauses") or ()]
        score = target.score(
            w, candidate_mask(c), {family_of(i) for i in ids}, str(c.get("jurisdiction") or "")
        )
        return RankedPrecedent(
            c,
            round(score / best, _DIGITS) if best > 0 else 1.0,
            any(i in wanted for i in ids),
            bool(c.get("canonical")),
        )

    eligible = (ranked(c) for c in candidates if is_eligible_precedent(c))
    return heapq.nlargest(limit, eligible, key=rank_key)
