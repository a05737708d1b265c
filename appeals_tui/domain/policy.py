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

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from appeals_tui.domain.errors import NotFound, ValidationError
from appeals_tui.domain.models import FACTORS, Action, ClauseRef

__all__ = [
    "Clause",
    "FactorInfo",
    "GuidanceRule",
    "Override",
    "SorMapping",
    "PolicyLibrary",
    "load_default",
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
            "title": self.title,
            "family": self.family,
            "text": self.text,
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


def _check_condition(cond: Any, where: str, problems: list[str]) -> None:
    if isinstance(cond, str):
        if cond not in FACTORS:
            problems.append(f"{where}: unknown factor '{cond}'; known: {', '.join(FACTORS)}")
        return
    if not isinstance(cond, dict) or len(cond) != 1:
        problems.append(
            f"{where}: a condition is a factor name or an object with exactly one of all/any/not"
        )
        return
    ((op, arg),) = cond.items()
    if op == "not":
        _check_condition(arg, f"{where}.not", problems)
    elif op in ("all", "any"):
        if not isinstance(arg, list):
            problems.append(f"{where}.{op}: must be a list of conditions")
            return
        for i, c in enumerate(arg):
            _check_condition(c, f"{where}.{op}[{i}]", problems)
    else:
        problems.append(f"{where}: unknown operator '{op}' (use all, any or not)")


# --------------------------------------------------------------------------- the library


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
    ) -> None:
        self.library_version = library_version
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
    def load(cls, folder: Path | None = None) -> PolicyLibrary:
        if folder is None:
            from appeals_tui.paths import data_dir

            folder = data_dir() / "policy"
        folder = Path(folder)
        problems: list[str] = []
        raw = {name: _read_json(folder / name, problems) for name in FILES}
        clauses, library_version = _parse_clauses(raw["clauses.json"], problems)
        by_id: dict[str, list[Clause]] = {}
        for c in clauses:
            by_id.setdefault(c.id, []).append(c)
        latest = {k: max(v, key=lambda c: c.version) for k, v in by_id.items()}
        factors, rules, rubric_version = _parse_rubric(raw["rubric.json"], latest, problems)
        sor = _parse_sor(raw["sor.json"], latest, problems)
        if problems:
            raise ValidationError(
                f"policy library in {folder} is invalid ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''})",
                problems,
            )
        assert sor is not None
        return cls(library_version, clauses, factors, tuple(rules), sor, rubric_version)


FILES = ("clauses.json", "rubric.json", "sor.json")


@functools.cache
def load_default() -> PolicyLibrary:
    """The shipped library (cached for the process)."""
    return PolicyLibrary.load()


# --------------------------------------------------------------------------- parsing helpers


def _ref_parts(ref: Any) -> tuple[str, int | None]:
    if isinstance(ref, ClauseRef):
        return ref.id, ref.version
    if isinstance(ref, Mapping):
        v = ref.get("version")
        return str(ref.get("id", "")), int(v) if isinstance(v, int) else None
    return str(ref), None


def _read_json(path: Path, problems: list[str]) -> Any:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{name}: file missing")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: cannot read: {exc}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{name}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: top level must be an object")
        return None
    return data


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


_CLAUSE_FIELDS: dict[str, Any] = {
    "id": str,
    "version": int,
    "title": str,
    "family": str,
    "text": str,
    "actions_allowed": list,
    "examples": dict,
    "strike_weight": int,
    "jurisdiction": (str, type(None)),
    "legal_basis": (str, type(None)),
    "effective_from": str,
}


def _parse_clauses(data: Any, problems: list[str]) -> tuple[list[Clause], str]:
    f = "clauses.json"
    if data is None:
        return [], ""
    version = data.get("library_version")
    if not isinstance(version, str) or not version.strip():
        problems.append(f"{f}: library_version: missing or not a string")
        version = ""
    items = data.get("clauses")
    if not isinstance(items, list):
        problems.append(f"{f}: clauses: missing or not a list")
        return [], version
    out: list[Clause] = []
    seen: dict[tuple[str, int], int] = {}
    for i, item in enumerate(items):
        where = f"{f}: clauses[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        if isinstance(item.get("id"), str) and isinstance(item.get("version"), int):
            where = f"{where} ({item['id']} v{item['version']})"
        bad = False
        for key, typ in _CLAUSE_FIELDS.items():
            if key not in item:
                problems.append(f"{where}: missing field '{key}'")
                bad = True
            elif not isinstance(item[key], typ) or (typ is int and isinstance(item[key], bool)):
                problems.append(f"{where}: field '{key}' has the wrong type")
                bad = True
        if bad:
            continue
        cid, ver = item["id"], item["version"]
        if not _CLAUSE_ID.match(cid):
            problems.append(
                f"{where}: id '{cid}' must look like CSS-4 (upper-case prefix, dash, number)"
            )
        if ver < 1:
            problems.append(f"{where}: version must be 1 or more")
        if (cid, ver) in seen:
            problems.append(
                f"{where}: duplicate clause {cid} version {ver} (also clauses[{seen[(cid, ver)]}])"
            )
            continue
        seen[(cid, ver)] = i
        for key in ("title", "text", "family"):
            if not item[key].strip():
                problems.append(f"{where}: field '{key}' is empty")
        actions = item["actions_allowed"]
        if not _str_list(actions) or not actions:
            problems.append(f"{where}: actions_allowed must be a non-empty list of action names")
            actions = [a for a in actions if isinstance(a, str)]
        for a in actions:
            if a not in ACTIONS:
                problems.append(
                    f"{where}: unknown action '{a}'; expected one of {', '.join(ACTIONS)}"
                )
        if len(set(actions)) != len(actions):
            problems.append(f"{where}: actions_allowed lists an action twice")
        if item["strike_weight"] < 0:
            problems.append(f"{where}: strike_weight must be 0 or more")
        if item["strike_weight"] > 0 and "escalate" not in actions:
            problems.append(
                f"{where}: a violating clause (strike_weight > 0) must allow 'escalate'"
            )
        ex = item["examples"]
        for key in ("covered", "not_covered"):
            if not _str_list(ex.get(key)):
                problems.append(f"{where}: examples.{key} must be a list of strings")
        jur = item["jurisdiction"]
        if jur is not None and not _ISO2.match(jur):
            problems.append(f"{where}: jurisdiction '{jur}' must be an ISO 3166-1 alpha-2 code")
        if jur is not None and not (item["legal_basis"] or "").strip():
            problems.append(f"{where}: a jurisdiction clause needs a legal_basis")
        eff = item["effective_from"]
        try:
            if not _DATE.match(eff):
                raise ValueError
            date.fromisoformat(eff)
        except ValueError:
            problems.append(f"{where}: effective_from '{eff}' must be a date YYYY-MM-DD")
        out.append(
            Clause(
                id=cid,
                version=ver,
                title=item["title"],
                family=item["family"],
                text=item["text"],
                actions_allowed=tuple(a for a in actions if isinstance(a, str)),
                examples_covered=tuple(ex.get("covered") or ()),
                examples_not_covered=tuple(ex.get("not_covered") or ()),
                strike_weight=item["strike_weight"],
                jurisdiction=jur,
                legal_basis=item["legal_basis"],
                effective_from=eff,
            )
        )
    # version gaps and effective-date order
    by_id: dict[str, list[Clause]] = {}
    for c in out:
        by_id.setdefault(c.id, []).append(c)
    for cid, cs in sorted(by_id.items()):
        cs.sort(key=lambda c: c.version)
        got = [c.version for c in cs]
        want = list(range(1, len(cs) + 1))
        if got != want:
            missing = sorted(set(range(1, max(got) + 1)) - set(got))
            problems.append(
                f"{f}: {cid}: version gap, missing version(s) {', '.join(map(str, missing))}"
            )
        for a, b in zip(cs, cs[1:], strict=False):
            if b.effective_from < a.effective_from:
                problems.append(
                    f"{f}: {cid}: v{b.version} effective_from {b.effective_from} is before "
                    f"v{a.version}'s {a.effective_from}"
                )
    return out, version


def _parse_rubric(
    data: Any, latest: dict[str, Clause], problems: list[str]
) -> tuple[dict[str, FactorInfo], list[GuidanceRule], str]:
    f = "rubric.json"
    factors: dict[str, FactorInfo] = {}
    rules: list[GuidanceRule] = []
    if data is None:
        return factors, rules, ""
    raw_factors = data.get("factors")
    if not isinstance(raw_factors, dict):
        problems.append(f"{f}: factors: missing or not an object")
        raw_factors = {}
    for name, info in raw_factors.items():
        if name not in FACTORS:
            problems.append(f"{f}: factors.{name}: unknown factor; known: {', '.join(FACTORS)}")
            continue
        if not isinstance(info, dict) or not all(
            isinstance(info.get(k), str) and info[k].strip() for k in ("question", "help")
        ):
            problems.append(f"{f}: factors.{name}: needs non-empty 'question' and 'help'")
            continue
        factors[name] = FactorInfo(name, info["question"], info["help"])
    for name in FACTORS:
        if name not in raw_factors:
            problems.append(f"{f}: factors.{name}: missing")
    factors = {n: factors[n] for n in FACTORS if n in factors}

    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append(f"{f}: rules: missing or empty")
        raw_rules = []
    seen_ids: set[str] = set()
    jurisdictions = {c.jurisdiction for c in latest.values() if c.jurisdiction}
    for i, r in enumerate(raw_rules):
        where = f"{f}: rules[{i}]"
        if not isinstance(r, dict):
            problems.append(f"{where}: must be an object")
            continue
        if isinstance(r.get("id"), str):
            where = f"{where} ({r['id']})"
        ok = True
        for key in ("id", "name", "action", "clause", "explanation"):
            if not isinstance(r.get(key), str) or not r[key].strip():
                problems.append(f"{where}: missing field '{key}'")
                ok = False
        if "when" not in r:
            problems.append(f"{where}: missing field 'when'")
            ok = False
        else:
            n = len(problems)
            _check_condition(r["when"], f"{where}: when", problems)
            ok = ok and len(problems) == n
        if isinstance(r.get("id"), str):
            if r["id"] in seen_ids:
                problems.append(f"{where}: duplicate rule id '{r['id']}'")
            seen_ids.add(r["id"])
        action, clause = r.get("action"), r.get("clause")
        if isinstance(action, str) and action not in ACTIONS:
            problems.append(f"{where}: unknown action '{action}'")
            ok = False
        if isinstance(clause, str):
            if clause not in latest:
                problems.append(f"{where}: names missing clause '{clause}'")
                ok = False
            elif action in ACTIONS and action not in latest[clause].actions_allowed:
                problems.append(f"{where}: action '{action}' is not allowed by clause {clause}")
        overrides: dict[str, Override] = {}
        raw_ov = r.get("jurisdiction_overrides", {})
        if not isinstance(raw_ov, dict):
            problems.append(f"{where}: jurisdiction_overrides must be an object")
            raw_ov = {}
        for key, ov in raw_ov.items():
            ow = f"{where}: jurisdiction_overrides.{key}"
            if key != PROMOTION_ILLEGAL and not _ISO2.match(key):
                problems.append(
                    f"{ow}: key must be an ISO 3166-1 alpha-2 code or '{PROMOTION_ILLEGAL}'"
                )
                continue
            if (
                not isinstance(ov, dict)
                or not isinstance(ov.get("action"), str)
                or not isinstance(ov.get("clause"), str)
            ):
                problems.append(f"{ow}: needs 'action' and 'clause'")
                continue
            oa, oc = ov["action"], ov["clause"]
            if oa not in ACTIONS:
                problems.append(f"{ow}: unknown action '{oa}'")
                continue
            if oc == LOCAL_LAW:
                targets = (
                    [latest[c] for c in latest if latest[c].jurisdiction in jurisdictions]
                    if key == PROMOTION_ILLEGAL
                    else [c for c in latest.values() if c.jurisdiction == key]
                )
                if not targets:
                    problems.append(f"{ow}: no local-law clause in the library for '{key}'")
                for t in targets:
                    if oa not in t.actions_allowed:
                        problems.append(f"{ow}: action '{oa}' is not allowed by clause {t.id}")
            elif oc not in latest:
                problems.append(f"{ow}: names missing clause '{oc}'")
                continue
            elif oa not in latest[oc].actions_allowed:
                problems.append(f"{ow}: action '{oa}' is not allowed by clause {oc}")
            expl = ov.get("explanation", "")
            overrides[key] = Override(oa, oc, expl if isinstance(expl, str) else "")
        if ok:
            rules.append(
                GuidanceRule(
                    id=r["id"],
                    name=r["name"],
                    when=r["when"],
                    action=action,
                    clause=clause,
                    explanation=r["explanation"],
                    jurisdiction_overrides=overrides,
                    test=compile_condition(r["when"]),
                )
            )
    # every possible profile must reach some rule (the last rule is usually a catch-all)
    if rules and len(rules) == len(raw_rules):
        for bits in range(1 << len(FACTORS)):
            profile = {n: bool(bits >> i & 1) for i, n in enumerate(FACTORS)}
            if not any(rule.matches(profile) for rule in rules):
                yes = [n for n in FACTORS if profile[n]] or ["(all no)"]
                problems.append(
                    f"{f}: rules: no rule matches the profile {', '.join(yes)}; "
                    'end with a catch-all rule ({"all": []})'
                )
                break
    version = data.get("rubric_version", "")
    return factors, rules, version if isinstance(version, str) else ""


def _parse_sor(data: Any, latest: dict[str, Clause], problems: list[str]) -> SorMapping | None:
    f = "sor.json"
    if data is None:
        return None
    tax = data.get("taxonomy")
    if not isinstance(tax, dict) or not isinstance(tax.get("taxonomy_version"), str):
        problems.append(f"{f}: taxonomy.taxonomy_version: missing")
        tax = {}
    vocab_raw = data.get("vocabulary")
    vocab: dict[str, tuple[str, ...]] = {}
    if not isinstance(vocab_raw, dict):
        problems.append(f"{f}: vocabulary: missing or not an object")
    else:
        for k, v in vocab_raw.items():
            if not _str_list(v):
                problems.append(f"{f}: vocabulary.{k}: must be a list of strings")
            else:
                vocab[k] = tuple(v)

    def check(where: str, kind: str, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        allowed = vocab.get(kind, ())
        for v in values:
            if v not in allowed:
                problems.append(f"{f}: {where}: '{v}' is not a valid {kind} value")

    not_exported = data.get("not_exported_actions", [])
    if not _str_list(not_exported):
        problems.append(f"{f}: not_exported_actions: must be a list of action names")
        not_exported = []
    for a in not_exported:
        if a not in ACTIONS:
            problems.append(f"{f}: not_exported_actions: unknown action '{a}'")
    actions = data.get("actions")
    if not isinstance(actions, dict):
        problems.append(f"{f}: actions: missing or not an object")
        actions = {}
    for a, m in actions.items():
        where = f"actions.{a}"
        if a not in ACTIONS:
            problems.append(f"{f}: {where}: unknown action '{a}'")
            continue
        if not isinstance(m, dict) or not (
            m.get("decision_visibility") or m.get("decision_account")
        ):
            problems.append(f"{f}: {where}: needs decision_visibility or decision_account")
            continue
        if "decision_visibility" in m:
            check(f"{where}.decision_visibility", "decision_visibility", m["decision_visibility"])
        if "decision_account" in m:
            check(f"{where}.decision_account", "decision_account", m["decision_account"])
    for a in ACTIONS:
        if a not in not_exported and a not in actions:
            problems.append(
                f"{f}: actions.{a}: missing (list it or add it to not_exported_actions)"
            )
    clauses = data.get("clauses")
    if not isinstance(clauses, dict):
        problems.append(f"{f}: clauses: missing or not an object")
        clauses = {}
    for cid, m in clauses.items():
        where = f"clauses.{cid}"
        if cid not in latest:
            problems.append(f"{f}: {where}: names missing clause '{cid}'")
            continue
        if not isinstance(m, dict):
            problems.append(f"{f}: {where}: must be an object")
            continue
        for key in ("decision_ground", "category"):
            if key not in m:
                problems.append(f"{f}: {where}: missing field '{key}'")
            else:
                check(f"{where}.{key}", key, m[key])
        if "category_specification" in m:
            check(
                f"{where}.category_specification",
                "category_specification",
                m["category_specification"],
            )
        if "category_addition" in m:
            check(f"{where}.category_addition", "category", m["category_addition"])
        ground = m.get("decision_ground")
        if (
            ground == "DECISION_GROUND_ILLEGAL_CONTENT"
            and not (latest[cid].legal_basis or "").strip()
        ):
            problems.append(f"{f}: {where}: illegal-content ground needs the clause's legal_basis")
    for cid in latest:
        if cid not in clauses:
            problems.append(f"{f}: clauses.{cid}: missing mapping")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.append(f"{f}: defaults: must be an object")
        defaults = {}
    for key in ("source_type", "automated_detection", "automated_decision", "territorial_scope"):
        if key not in defaults:
            problems.append(f"{f}: defaults.{key}: missing")
        else:
            kind = "eea_country_codes" if key == "territorial_scope" else key
            check(f"defaults.{key}", kind, defaults[key])
    source_types = data.get("source_types", {})
    if not isinstance(source_types, dict):
        problems.append(f"{f}: source_types: must be an object")
        source_types = {}
    for k, v in source_types.items():
        check(f"source_types.{k}", "source_type", v)
    return SorMapping(
        taxonomy_version=str(tax.get("taxonomy_version", "")),
        api_version=str(tax.get("api_version", "")),
        actions=actions,
        clauses=clauses,
        defaults=defaults,
        source_types=source_types,
        not_exported_actions=frozenset(not_exported),
        vocabulary=vocab,
    )
