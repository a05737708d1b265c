"""Fast weighted precedent ranking over the store's "precedents" ranking (store/schema.py).

Why: `rank_precedents` scores every decision; at 100k that is far over the 50 ms
budget. A decision's score depends only on its factor mask, whether it shares the
target's jurisdiction, and whether one of its clauses is in the target's clause
families; the first tie-break on whether it cites one of the target's clauses. So
the candidates fall into a few *classes* (mask x jurisdiction x clause class), each
read from the top of a ranking partition -- (factor_mask, canonical,
jurisdiction), optionally one cited clause id -- kept newest first. A query scores
the classes, walks them best first and reads only the top of the partitions it
needs: O(classes + limit), not the size of the commonest profile. The result is the
list `rank_precedents` gives over all decisions, in the same order (decisions always
cite at least one clause; one citing none is never offered here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..domain.similarity import (
    RankedPrecedent,
    SimilarityWeights,
    Target,
    _timestamp,
    prefix_family,
)
from ..store.protocol import Doc, Filter, Op, Store, Top

__all__ = ["ranked_precedents"]

RANKING = "precedents"
#: clause classes, best first: cites one of the target's clauses; cites another
#: clause of the target's families; cites no clause of those families
SAME, FAMILY, OTHER = 0, 1, 2


def _recency(decision: Doc) -> tuple[float, int, str]:
    """Sorts like the ranking: newest first; equal dates, the earlier id (natural order)."""
    ident = str(decision.get("decision_id", ""))
    return (-_timestamp(decision.get("decided_at")), len(ident), ident)


def _best(groups: list[list[Doc]], n: int) -> list[Doc]:
    """The `n` newest distinct docs of several newest-first lists."""
    seen: dict[str, Doc] = {}
    for group in groups:
        for c in group:
            seen.setdefault(c["decision_id"], c)
    return sorted(seen.values(), key=_recency)[:n]


@lru_cache(maxsize=256)
def _tiers(
    target: Target, w: SimilarityWeights, masks: tuple[int, ...], present: tuple[bool, ...]
) -> list[tuple[tuple[float, bool], list[tuple[int, int, bool]]]]:
    """(score, same clause) -> candidate classes [(mask, clause class, jurisdiction
    matches)], best first. Cached: the same target and mask set (a case's precedents
    and its linked accounts', the next case of the same profile) scores once."""
    tiers: dict[tuple[float, bool], list[tuple[int, int, bool]]] = {}
    # `target.score(w, mask, fams, place)` from its parts: one profile score per mask
    family = bool(target.families)  # SAME and FAMILY share a family; OTHER does not
    kinds = [
        (cls, cls == SAME, family and cls != OTHER, here)
        for cls in (SAME, FAMILY, OTHER)
        if present[cls]
        for here in ((True, False) if target.jurisdiction else (False,))
    ]
    rescore, profile_score = target.rescore, w.profile_score
    for mask in masks:
        profile = profile_score(target.mask, mask)
        for cls, same, fam, here in kinds:
            score = rescore(w, profile, fam, here)
            tiers.setdefault((score, same), []).append((mask, cls, here))
    return sorted(tiers.items(), key=lambda t: t[0], reverse=True)


def ranked_precedents(
    store: Store,
    factors: Mapping[str, Any],
    clause_ids: set[str],
    *,
    exclude_case: str | None,
    limit: int,
    weights: SimilarityWeights | None = None,
    jurisdiction: str | None = None,
    family_of: Callable[[str], str] = prefix_family,
    same_profile_only: bool = False,
    skip: Sequence[Filter] = (),
    fields: Sequence[str] = (),
) -> list[RankedPrecedent]:
    """Same result as rank_precedents over all decisions (minus `exclude_case` and the
    decisions matching any `skip` filter).

    `same_profile_only` keeps to decisions with exactly this factor profile (the
    divergence check: only an identical profile binds). With `fields`, each
    precedent's decision holds only those declared fields (and its id and time): a
    long ranking read to look at a few fields of each.
    """
    if limit <= 0:
        return []
    w = weights or SimilarityWeights.uniform()
    target = Target.of(factors, clause_ids, jurisdiction, family_of)
    best = target.best(w)
    wanted = {str(c).upper() for c in clause_ids}
    cited = {str(c).upper() for c in store.distinct("decisions", "clause_ids")}
    family_ids = sorted(c for c in cited | wanted if family_of(c) in target.families)
    by_class = {
        SAME: sorted(wanted & cited),
        FAMILY: [c for c in family_ids if c not in wanted],
        OTHER: sorted(c for c in cited if family_of(c) not in target.families),
    }
    skip_class = {
        SAME: [],
        FAMILY: [Filter("clause_ids", Op.IN, sorted(wanted))] if wanted else [],
        OTHER: [Filter("clause_ids", Op.IN, family_ids)] if family_ids else [],
    }
    jurisdictions: list[Any] = [*store.distinct("decisions", "jurisdiction"), None]
    masks = store.distinct("decisions", "factor_mask")
    if same_profile_only:
        masks = [m for m in masks if m == target.mask]
    present = (bool(by_class[SAME]), bool(by_class[FAMILY]), bool(by_class[OTHER]))
    tiers = _tiers(target, w, tuple(masks), present)
    excluded = [Filter("case_id", Op.EQ, exclude_case)] if exclude_case is not None else []
    excluded += skip
    if fields:
        fields = list(dict.fromkeys(["decision_id", "decided_at", *fields]))

    def partitions(mask: int, cls: int, here: bool, canon: bool, n: int) -> list[Top]:
        places = [
            j
            for j in jurisdictions
            if not target.jurisdiction or ((j or "").upper() == target.jurisdiction) == here
        ]
        passed_over = (*excluded, *skip_class[cls])
        return [
            Top(
                {"factor_mask": mask, "canonical": canon, "jurisdiction": j, "clause_ids": c},
                n,
                passed_over,
            )
            for j in places
            for c in by_class[cls]
        ]

    out: list[RankedPrecedent] = []
    for (score, same), classes in tiers:
        need = limit - len(out)
        if need <= 0:
            break
        similarity = round(score / best, 9) if best > 0 else 1.0
        # a tier's canonical and other partitions in one question: the canonical ones
        # rarely fill it, and a partition's first `need` hold its first fewer
        asks = {
            canon: [t for m, cls, here in classes for t in partitions(m, cls, here, canon, need)]
            for canon in (True, False)
        }
        found = store.tops(RANKING, [*asks[True], *asks[False]], fields)
        groups = {True: found[: len(asks[True])], False: found[len(asks[True]) :]}
        for canon in (True, False):
            need = limit - len(out)
            if need <= 0:
                break
            out.extend(
                RankedPrecedent(c, similarity, same, canon) for c in _best(groups[canon], need)
            )
    return out
