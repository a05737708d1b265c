"""Rubric guidance: map a factor profile (and the case's jurisdiction) to a recommendation.

The rules are data (rubric.json), evaluated top to bottom; the first match wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.policy import (
    LOCAL_LAW,
    PROMOTION_ILLEGAL,
    Condition,
    GuidanceRule,
    Override,
    PolicyLibrary,
)

__all__ = ["Guidance", "recommend", "validate_factors", "parse_factor_args", "fired_factors"]

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


@dataclass(frozen=True)
class Guidance:
    action: str
    clause_id: str
    clause_version: int
    rule_id: str
    rule_name: str
    explanation: str
    fired: tuple[str, ...] = ()
    jurisdiction: str | None = None
    jurisdiction_override: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["fired"] = list(self.fired)
        d["clause"] = {"id": self.clause_id, "version": self.clause_version}
        return d


def validate_factors(factors: Mapping[str, Any]) -> None:
    """All ten rubric factors must be answered with a boolean; nothing else is accepted."""
    if not isinstance(factors, Mapping):
        raise ValidationError("factors: expected a mapping of factor name to yes/no")
    problems: list[str] = []
    unknown = [k for k in factors if k not in FACTORS]
    missing = [k for k in FACTORS if k not in factors]
    if unknown:
        problems.append(f"factors: unknown factor(s): {', '.join(map(str, unknown))}")
    if missing:
        problems.append(f"factors: missing answer(s): {', '.join(missing)}")
    for k in FACTORS:
        if k in factors and not isinstance(factors[k], bool):
            problems.append(f"factor '{k}': expected yes or no")
    if problems:
        raise ValidationError("; ".join(problems), problems)


def parse_factor_args(items: list[str]) -> dict[str, bool]:
    """Parse ``NAME=yes|no`` items (CLI ``--factor``); every problem is reported at once."""
    out: dict[str, bool] = {}
    problems: list[str] = []
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(f"factor '{item}': expected NAME=yes or NAME=no")
            continue
        if name not in FACTORS:
            problems.append(f"factor '{name}': unknown factor; known: {', '.join(FACTORS)}")
            continue
        v = value.strip().lower()
        if v in _TRUE:
            parsed = True
        elif v in _FALSE:
            parsed = False
        else:
            problems.append(f"factor '{name}': expected yes or no")
            continue
        if name in out and out[name] != parsed:
            problems.append(f"factor '{name}': answered both yes and no")
            continue
        out[name] = parsed
    if problems:
        raise ValidationError("; ".join(problems), problems)
    return out


def fired_factors(cond: Condition, factors: Mapping[str, bool], negated: bool = False) -> list[str]:
    """The factor answers that made `cond` hold: ``name`` for yes, ``no name`` for a required no."""
    if isinstance(cond, str):
        value = bool(factors.get(cond, False))
        if value != negated:
            return [f"no {cond}" if negated else cond]
        return []
    ((op, arg),) = cond.items()
    if op == "not":
        return fired_factors(arg, factors, not negated)
    out: list[str] = []
    for c in arg:
        for name in fired_factors(c, factors, negated):
            if name not in out:
                out.append(name)
    return out


def _override_for(
    rule: GuidanceRule, jurisdiction: str | None, library: PolicyLibrary
) -> Override | None:
    if not jurisdiction or not rule.jurisdiction_overrides:
        return None
    j = jurisdiction.strip().upper()
    ov = rule.jurisdiction_overrides.get(j)
    if ov is not None:
        return ov
    if PROMOTION_ILLEGAL in rule.jurisdiction_overrides and j in library.promotion_illegal_in():
        return rule.jurisdiction_overrides[PROMOTION_ILLEGAL]
    return None


def recommend(
    factors: Mapping[str, bool], jurisdiction: str | None, library: PolicyLibrary
) -> Guidance:
    """What the rubric recommends for this profile in this jurisdiction (first match wins)."""
    validate_factors(factors)
    j = jurisdiction.strip().upper() if jurisdiction and jurisdiction.strip() else None
    for rule in library.rules:
        if not rule.matches(factors):
            continue
        fired = fired_factors(rule.when, factors)
        because = ", ".join(fired) if fired else "no factor answered yes"
        action, clause_id, note = rule.action, rule.clause, ""
        ov = _override_for(rule, j, library)
        if ov is not None:
            target = (
                library.local_law_clause(j) if ov.clause == LOCAL_LAW else library.latest(ov.clause)
            )
            if target is not None:
                action, clause_id = ov.action, target.id
                note = f"; in {j}: {ov.explanation or 'jurisdiction override'}"
        clause = library.latest(clause_id)
        explanation = (
            f"{rule.id} {rule.name}: {rule.explanation}{note} "
            f"→ {action} under {clause.id} v{clause.version} (because: {because})"
        )
        return Guidance(
            action=action,
            clause_id=clause.id,
            clause_version=clause.version,
            rule_id=rule.id,
            rule_name=rule.name,
            explanation=" ".join(explanation.split()),
            fired=tuple(fired),
            jurisdiction=j,
            jurisdiction_override=bool(note),
        )
    # unreachable with a validated library (load() requires every profile to match a rule)
    raise ValidationError("rubric: no guidance rule matches this profile")
