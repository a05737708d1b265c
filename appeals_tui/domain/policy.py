"""The policy library: versioned clauses, rubric factors, guidance rules and the DSA mapping.

Everything lives in `data/policy/` (clauses.json, rubric.json, sor.json) and is
validated as a whole at load time: a broken library is reported with every problem
as ``FILE: where: problem`` in one `ValidationError`, never half-loaded.

Guidance-rule conditions are a tiny language over the rubric factors:

* ``"factor_name"``            true when that factor was answered yes
* ``{"all": [cond, ...]}``     every sub-condition holds (``{"all": []}`` always holds)
* ``{"any": [cond, ...]}``     at least one holds
* ``{"not": cond}``            the sub-condition does not hold
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from appeals_tui.domain.errors import NotFound, ValidationError
from appeals_tui.domain.models import Action, ClauseRef
from appeals_tui.domain.similarity import SimilarityWeights, prefix_family
from appeals_tui.domain.sor_rules import SorRules

__all__ = [
    "Clause",
    "FactorInfo",
    "GuidanceRule",
    "Override",
    "SorMapping",
    "PolicyLibrary",
    "FILES",
    "compile_condition",
    "condition_factors",
    "PROMOTION_ILLEGAL",
    "LOCAL_LAW",
]

ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)
#: jurisdiction_overrides key meaning "any jurisdiction with a local-law clause".
PROMOTION_ILLEGAL = "promotion_illegal"
#: override clause placeholder meaning "the local-law clause of the case's jurisdiction".
LOCAL_LAW = "@local_law"

_CLAUSE_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]+$")
_ISO2 = re.compile(r"^[A-Z]{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Condition = Any  # str | dict[str, Any]


# --------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class Clause:
    id: str
    version: int
    title: str
    family: str
    text: str
    actions_allowed: tuple[str, ...]
    examples_covered: tuple[str, ...]
    examples_not_covered: tuple[str, ...]
    strike_weight: int
    jurisdiction: str | None
    legal_basis: str | None
    effective_from: str
    #: title and text per language code (at least en and ko); `title`/`text` are the en ones
    titles: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)

    def title_in(self, lang: str) -> str:
        """The title in `lang`, else the English one."""
        return self.titles.get(lang) or self.title

    def text_in(self, lang: str) -> str:
        """The text in `lang`, else the English one."""
        return self.texts.get(lang) or self.text

    def ref(self) -> ClauseRef:
        return ClauseRef(id=self.id, version=self.version)

    @property
    def violating(self) -> bool:
        return self.strike_weight > 0

    @property
    def label(self) -> str:
        """Short display form: ``CSS-4 v2 — Title``."""
        return f"{self.id} v{self.version} — {self.title}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": dict(self.titles) or {"en": self.title},
            "family": self.family,
            "text": dict(self.texts) or {"en": self.text},
            "actions_allowed": list(self.actions_allowed),
            "examples": {
                "covered": list(self.examples_covered),
                "not_covered": list(self.examples_not_covered),
            },
            "strike_weight": self.strike_weight,
            "jurisdiction": self.jurisdiction,
            "legal_basis": self.legal_basis,
            "effective_from": self.effective_from,
        }


@dataclass(frozen=True)
class FactorInfo:
    name: str
    question: str
    help: str


@dataclass(frozen=True)
class Override:
    """What a rule recommends instead in a given jurisdiction."""

    action: str
    clause: str  # a clause id or LOCAL_LAW
    explanation: str = ""


@dataclass(frozen=True)
class GuidanceRule:
    id: str
    name: str
    when: Condition
    action: str
    clause: str
    explanation: str
    jurisdiction_overrides: Mapping[str, Override] = field(default_factory=dict)
    test: Callable[[Mapping[str, bool]], bool] = field(
        default=lambda f: True, compare=False, repr=False
    )

    def matches(self, factors: Mapping[str, bool]) -> bool:
        return self.test(factors)


@dataclass(frozen=True)
class SorMapping:
    """Mapping of our actions and clauses to DSA statement-of-reasons values."""

    taxonomy_version: str
    api_version: str
    actions: Mapping[str, Mapping[str, Any]]
    clauses: Mapping[str, Mapping[str, Any]]
    defaults: Mapping[str, Any]
    source_types: Mapping[str, str]
    not_exported_actions: frozenset[str]
    vocabulary: Mapping[str, tuple[str, ...]]
    #: The database's acceptance rules (`database_rules`), checked before anything is written.
    rules: SorRules | None = None
    #: Why a decision needs no statement, by reason key (no_action, escalate, outside_eea).
    out_of_scope: Mapping[str, str] = field(default_factory=dict)

    def exported(self, action: str) -> bool:
        return action not in self.not_exported_actions and action in self.actions


# --------------------------------------------------------------------------- conditions


def compile_condition(cond: Condition) -> Callable[[Mapping[str, bool]], bool]:
    """Turn a (validated) condition into a predicate over a factor dict."""
    if isinstance(cond, str):
        name = cond
        return lambda f: bool(f.get(name, False))
    ((op, arg),) = cond.items()
    if op == "not":
        inner = compile_condition(arg)
        return lambda f: not inner(f)
    parts = tuple(compile_condition(c) for c in arg)
    if op == "all":
        return lambda f: all(p(f) for p in parts)
    return lambda f: any(p(f) for p in parts)


def condition_factors(cond: Condition) -> list[str]:
    """Factor names a condition mentions, in order of appearance."""
    if isinstance(cond, str):
        return [cond]
    ((op, arg),) = cond.items()
    if op == "not":
        return condition_factors(arg)
    out: list[str] = []
    for c in arg:
        out.extend(n for n in condition_factors(c) if n not in out)
    return out


class PolicyLibrary:
    """The loaded, validated policy library. Immutable after construction."""

    def __init__(
        self,
        library_version: str,
        clauses: Iterable[Clause],
        factors: dict[str, FactorInfo],
        rules: tuple[GuidanceRule, ...],
        sor: SorMapping,
        rubric_version: str = "",
        similarity: SimilarityWeights | None = None,
    ) -> None:
        self.library_version = library_version
        #: precedent-similarity weights (rubric.json `similarity`)
        self.similarity = similarity or SimilarityWeights.uniform()
        self.rubric_version = rubric_version
        self.factors = factors
        self.rules = rules
        self.sor = sor
        by_id: dict[str, list[Clause]] = {}
        for c in clauses:
            by_id.setdefault(c.id, []).append(c)
        self._by_id = {k: sorted(v, key=lambda c: c.version) for k, v in sorted(by_id.items())}

    # -- lookup ---------------------------------------------------------------

    @staticmethod
    def _norm(clause_id: str) -> str:
        return str(clause_id).strip().upper()

    def _versions(self, clause_id: str) -> list[Clause]:
        found = self._by_id.get(self._norm(clause_id))
        if not found:
            raise NotFound(f"unknown clause '{clause_id}'; known: {', '.join(self._by_id)}")
        return found

    def latest(self, clause_id: str) -> Clause:
        return self._versions(clause_id)[-1]

    def get(self, clause_id: str, version: int) -> Clause:
        versions = self._versions(clause_id)
        for c in versions:
            if c.version == version:
                return c
        raise NotFound(
            f"clause '{versions[0].id}' has no version {version}; "
            f"versions: {', '.join(str(c.version) for c in versions)}"
        )

    def versions(self, clause_id: str) -> list[Clause]:
        return list(self._versions(clause_id))

    def family_of(self, clause_id: str) -> str:
        """The clause's family (its latest version's), or its id's prefix if unknown."""
        found = self._by_id.get(self._norm(clause_id))
        return found[-1].family.upper() if found else prefix_family(clause_id)

    def has(self, clause_id: str) -> bool:
        return self._norm(clause_id) in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def all_latest(self) -> list[Clause]:
        return [v[-1] for v in self._by_id.values()]

    def search(self, text: str) -> list[Clause]:
        """Latest clauses whose id, title or text (then examples) contain `text`, best first."""
        needle = text.strip().casefold()
        if not needle:
            return self.all_latest()
        scored: list[tuple[int, str, Clause]] = []
        for c in self.all_latest():
            if needle == c.id.casefold():
                rank = 0
            elif needle in c.id.casefold():
                rank = 1
            elif needle in c.title.casefold():
                rank = 2
            elif needle in c.text.casefold():
                rank = 3
            elif any(needle in e.casefold() for e in c.examples_covered + c.examples_not_covered):
                rank = 4
            else:
                continue
            scored.append((rank, c.id, c))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [c for _, _, c in scored]

    # -- jurisdictions ----------------------------------------------------------

    def promotion_illegal_in(self) -> set[str]:
        """Jurisdictions where a local-law clause forbids promoting commercial sex."""
        return {c.jurisdiction for c in self.all_latest() if c.jurisdiction}

    def local_law_clause(self, jurisdiction: str | None) -> Clause | None:
        """The (latest) local-law clause for a jurisdiction, if the library has one."""
        if not jurisdiction:
            return None
        j = jurisdiction.strip().upper()
        for c in self.all_latest():
            if c.jurisdiction == j:
                return c
        return None

    # -- checks -------------------------------------------------------------------

    def check_action(self, action: str, clause_ids: Iterable[Any]) -> None:
        """Raise ValidationError unless `action` is known and allowed by a cited clause.

        `clause_ids` may hold ids, ``{"id", "version"}`` dicts or ClauseRefs; when a
        version is given, that version's allowed actions are used.
        """
        problems: list[str] = []
        if action not in ACTIONS:
            problems.append(
                f"action: unknown action '{action}'; expected one of {', '.join(ACTIONS)}"
            )
        cited: list[Clause] = []
        refs = list(clause_ids)
        if not refs:
            problems.append("clauses: cite at least one clause")
        for ref in refs:
            cid, version = _ref_parts(ref)
            try:
                cited.append(self.get(cid, version) if version is not None else self.latest(cid))
            except NotFound as exc:
                problems.append(f"clauses: {exc}")
        if not problems and not any(action in c.actions_allowed for c in cited):
            allowed = sorted({a for c in cited for a in c.actions_allowed}, key=ACTIONS.index)
            problems.append(
                f"action: '{action}' is not allowed by "
                f"{', '.join(f'{c.id} v{c.version}' for c in cited)}; allowed: {', '.join(allowed)}"
            )
        if problems:
            raise ValidationError(
                problems[0] if len(problems) == 1 else "; ".join(problems), problems
            )

    # -- loading ------------------------------------------------------------------

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str) -> PolicyLibrary:
        """The library from its three parsed JSON files (``FILES`` -> object, or None
        when a file could not be read; `read_problems` from the loader come first).

        Pure: the files are read by `appeals_tui.store.shipped.load_library`; `where`
        names them in the error (a folder, or a draft being tried)."""
        from appeals_tui.domain.policy_loader import (
            parse_clauses,
            parse_rubric,
            parse_similarity,
            parse_sor,
        )

        problems: list[str] = list(raw.get("read_problems") or ())
        clauses, library_version = parse_clauses(raw.get("clauses.json"), problems)
        by_id: dict[str, list[Clause]] = {}
        for c in clauses:
            by_id.setdefault(c.id, []).append(c)
        latest = {k: max(v, key=lambda c: c.version) for k, v in by_id.items()}
        rubric = raw.get("rubric.json")
        factors, rules, rubric_version = parse_rubric(rubric, latest, problems)
        similarity = (
            parse_similarity(rubric.get("similarity"), problems) if rubric is not None else None
        )
        sor = parse_sor(raw.get("sor.json"), latest, problems)
        if problems:
            raise ValidationError(
                f"policy library in {where} is invalid ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''})",
                problems,
            )
        assert sor is not None
        return cls(library_version, clauses, factors, tuple(rules), sor, rubric_version, similarity)


FILES = ("clauses.json", "rubric.json", "sor.json")


# --------------------------------------------------------------------------- parsing helpers


def _ref_parts(ref: Any) -> tuple[str, int | None]:
    if isinstance(ref, ClauseRef):
        return ref.id, ref.version
    if isinstance(ref, Mapping):
        v = ref.get("version")
        return str(ref.get("id", "")), int(v) if isinstance(v, int) else None
    return str(ref), None
