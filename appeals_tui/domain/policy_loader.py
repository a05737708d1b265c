"""Reading and validating the policy library files (clauses, rubric, DSA mapping).

Split from `policy.py` so the library's API stays readable: this module only turns
JSON into entities and collects every problem as ``FILE: where: problem``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.policy import (
    _CLAUSE_ID,
    _DATE,
    _ISO2,
    ACTIONS,
    LOCAL_LAW,
    PROMOTION_ILLEGAL,
    Clause,
    FactorInfo,
    GuidanceRule,
    Override,
    SorMapping,
    compile_condition,
)
from appeals_tui.domain.similarity import SimilarityWeights
from appeals_tui.domain.sor_rules import parse_sor_rules

__all__ = ["parse_json_object", "parse_clauses", "parse_rubric", "parse_similarity", "parse_sor"]


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


def parse_json_object(name: str, text: str, problems: list[str]) -> Any:
    """The JSON object in `text` (None, with the problem noted, if it is not one)."""
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


#: languages every clause's title and text must be given in (notices use them)
CLAUSE_LANGS = ("en", "ko")
_LANG = re.compile(r"^[a-z]{2}$")

_CLAUSE_FIELDS: dict[str, Any] = {
    "id": str,
    "version": int,
    "title": dict,
    "family": str,
    "text": dict,
    "actions_allowed": list,
    "examples": dict,
    "strike_weight": int,
    "jurisdiction": (str, type(None)),
    "legal_basis": (str, type(None)),
    "effective_from": str,
}


def _per_language(value: dict[str, Any], where: str, problems: list[str]) -> dict[str, str]:
    """A clause's title or text: one non-empty string per language, every one of
    CLAUSE_LANGS present (notices are written in each of them)."""
    out: dict[str, str] = {}
    for lang in CLAUSE_LANGS:
        if lang not in value:
            problems.append(f"{where}: missing the '{lang}' version")
    for lang, text in value.items():
        if not (isinstance(lang, str) and _LANG.match(lang)):
            problems.append(f"{where}: '{lang}' is not a language code like 'en' or 'ko'")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: the '{lang}' version is empty or not a string")
        else:
            out[lang] = text
    return out


def parse_clauses(data: Any, problems: list[str]) -> tuple[list[Clause], str]:
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
        if not item["family"].strip():
            problems.append(f"{where}: field 'family' is empty")
        titles = _per_language(item["title"], f"{where}: title", problems)
        texts = _per_language(item["text"], f"{where}: text", problems)
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
                title=titles.get("en", ""),
                family=item["family"],
                text=texts.get("en", ""),
                titles=titles,
                texts=texts,
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


def parse_rubric(
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
        if ok and isinstance(action, str) and isinstance(clause, str):
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


def _weight(value: Any, positive: bool) -> bool:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    return ok and (value > 0 if positive else value >= 0) and value != float("inf")


def parse_similarity(data: Any, problems: list[str]) -> SimilarityWeights | None:
    """The `similarity` section of rubric.json: every factor weighted, decisive yes dominant."""
    f = "rubric.json: similarity"
    if not isinstance(data, dict):
        problems.append(f"{f}: missing or not an object")
        return None
    n = len(problems)
    tables: dict[str, dict[str, float]] = {}
    for kind in ("shared_yes", "shared_no"):
        raw = data.get(kind)
        if not isinstance(raw, dict):
            problems.append(f"{f}.{kind}: missing or not an object of factor weights")
            continue
        for name in raw:
            if name not in FACTORS:
                problems.append(f"{f}.{kind}.{name}: unknown factor; known: {', '.join(FACTORS)}")
        for name in FACTORS:
            if name not in raw:
                problems.append(f"{f}.{kind}.{name}: missing")
            elif not _weight(raw[name], positive=True):
                problems.append(f"{f}.{kind}.{name}: must be a positive number, got {raw[name]!r}")
        tables[kind] = raw
    context: dict[str, float] = {}
    for key in ("clause_family", "jurisdiction"):
        value = data.get(key)
        if not _weight(value, positive=False) or not isinstance(value, int | float):
            problems.append(f"{f}.{key}: must be a number >= 0, got {value!r}")
        else:
            context[key] = value
    decisive = data.get("decisive")
    if not _str_list(decisive) or not decisive:
        problems.append(f"{f}.decisive: must be a non-empty list of factor names")
        decisive = []
    for name in decisive:
        if name not in FACTORS:
            problems.append(f"{f}.decisive: unknown factor '{name}'")
    if len(problems) > n:
        return None
    no_total = sum(tables["shared_no"].values())
    for name in decisive:
        if not tables["shared_yes"][name] > no_total:
            problems.append(
                f"{f}.shared_yes.{name}: a decisive factor's shared yes ({tables['shared_yes'][name]}) "
                f"must outweigh all shared no's together ({no_total})"
            )
    if len(problems) > n:
        return None
    return SimilarityWeights.from_mapping(
        tables["shared_yes"], tables["shared_no"], decisive=decisive, **context
    )


def parse_sor(data: Any, latest: dict[str, Clause], problems: list[str]) -> SorMapping | None:
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
    rules = parse_sor_rules(data.get("database_rules"), vocab, problems)
    out_of_scope = data.get("out_of_scope", {})
    if not isinstance(out_of_scope, dict) or not all(
        isinstance(v, str) for v in out_of_scope.values()
    ):
        problems.append(f"{f}: out_of_scope: must map reason keys to explanations")
        out_of_scope = {}
    for a in not_exported:
        if a not in out_of_scope:
            problems.append(f"{f}: out_of_scope.{a}: missing (say why {a} needs no statement)")
    return SorMapping(
        taxonomy_version=str(tax.get("taxonomy_version", "")),
        api_version=str(tax.get("api_version", "")),
        actions=actions,
        clauses=clauses,
        defaults=defaults,
        source_types=source_types,
        not_exported_actions=frozenset(not_exported),
        vocabulary=vocab,
        rules=rules,
        out_of_scope=dict(out_of_scope),
    )
