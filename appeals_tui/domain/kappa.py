"""Inter-rater agreement: observed agreement and Cohen's kappa over categorical labels.

QA re-review asks "would a second moderator decide the same way?". Raw agreement
overstates consistency when one action dominates (two raters who both almost
always say `remove_content` agree often by chance), so leads also get Cohen's
kappa, which discounts the agreement expected by chance:

    kappa = (p_o - p_e) / (1 - p_e)

with p_o the observed share of items both raters labelled alike and p_e the sum
over labels of the product of each rater's marginal share of that label.

Degenerate case: p_e == 1 happens only when both raters gave every item the
same single label; kappa is then undefined (0/0). We report 1.0 when agreement is
perfect (it always is in that case) and 0.0 otherwise, so a unanimous sample
reads as "in agreement" instead of failing. With no items, every value is None.
Pure functions, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Agreement", "cohen_kappa", "agreement_by"]


@dataclass(frozen=True)
class Agreement:
    """Agreement between two raters over `n` items (rates are None when n == 0)."""

    n: int
    agreed: int
    observed: float | None
    expected: float | None
    kappa: float | None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "n": self.n,
            "agreed": self.agreed,
            "observed": r(self.observed),
            "expected": r(self.expected),
            "kappa": r(self.kappa),
        }


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> Agreement:
    """Cohen's kappa for two raters; `pairs` holds (rater A's label, rater B's label)."""
    items = list(pairs)
    n = len(items)
    if n == 0:
        return Agreement(0, 0, None, None, None)
    agreed = sum(1 for a, b in items if a == b)
    first = Counter(a for a, _ in items)
    second = Counter(b for _, b in items)
    p_o = agreed / n
    p_e = sum(first[label] * second[label] for label in first) / (n * n)
    if p_e >= 1.0:
        kappa = 1.0 if agreed == n else 0.0
    else:
        kappa = (p_o - p_e) / (1.0 - p_e)
    return Agreement(n=n, agreed=agreed, observed=p_o, expected=p_e, kappa=kappa)


def agreement_by(rows: Iterable[tuple[Iterable[str], str, str]]) -> dict[str, Agreement]:
    """Kappa per group: each row is (groups it belongs to, label A, label B).

    A row may belong to several groups (a decision citing two clauses counts for both).
    """
    grouped: dict[str, list[tuple[str, str]]] = {}
    for groups, a, b in rows:
        for group in groups:
            grouped.setdefault(group, []).append((a, b))
    return {group: cohen_kappa(pairs) for group, pairs in sorted(grouped.items())}
