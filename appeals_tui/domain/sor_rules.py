"""The DSA Transparency Database's own acceptance rules for a statement of reasons.

The rules are data (``database_rules`` in ``data/policy/sor.json``, copied from the
database's store-request validation at a named commit and date), so a change on the
Commission's side is a data change here. `validate_statement` applies them and names
every broken rule; the exporter never writes a statement that breaks one. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

__all__ = ["SorRules", "Violation", "EnumRule", "parse_sor_rules", "validate_statement"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Violation:
    """One broken rule: the field, the rule's name and what is wrong."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class EnumRule:
    values: frozenset[str]
    is_list: bool = False


@dataclass(frozen=True)
class OtherRule:
    """`<field>_other`: required (or merely allowed) exactly when `field` holds `value`."""

    field: str
    value: str
    required: bool


@dataclass(frozen=True)
class DateRule:
    min: date | None = None
    max: date | None = None
    not_before: str | None = None


@dataclass(frozen=True)
class SorRules:
    """The database's rules, as loaded from the policy library."""

    source: str
    source_commit: str
    rules_date: str
    fields: tuple[str, ...]
    annotations: frozenset[str]
    required: tuple[str, ...]
    enums: Mapping[str, EnumRule]
    at_least_one: tuple[str, ...]
    other_fields: Mapping[str, OtherRule]
    ground_fields: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    max_length: Mapping[str, int]
    dates: Mapping[str, DateRule]
    url_fields: tuple[str, ...]
    puid_pattern: re.Pattern[str]
    source_identity_absent_when: str
    statements_per_request: int
    eea: frozenset[str] = field(default_factory=frozenset)

    @property
    def version(self) -> str:
        return f"{self.rules_date} ({self.source_commit[:12]})"

    @cached_property
    def known(self) -> frozenset[str]:
        """Every field a statement may carry (the database's and our annotations)."""
        return frozenset(self.fields) | self.annotations

    @cached_property
    def ground_checks(self) -> dict[str | None, tuple[tuple[str, str, str], ...]]:
        """Per decision_ground value: the (field, rule, ground) checks `ground_fields`
        asks, in rule order (built once, not per statement)."""
        return {}

    def checks_for(self, ground: Any) -> tuple[tuple[str, str, str], ...]:
        key = ground if isinstance(ground, str) else None
        found = self.ground_checks.get(key)
        if found is None:
            checks: list[tuple[str, str, str]] = []
            for g, (needed, optional) in self.ground_fields.items():
                if g == ground:
                    checks.extend((name, "ground_required", g) for name in needed)
                else:
                    checks.extend((name, "ground_forbidden", g) for name in (*needed, *optional))
            found = self.ground_checks[key] = tuple(checks)
        return found


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def parse_sor_rules(
    data: Any, vocab: Mapping[str, tuple[str, ...]], problems: list[str]
) -> SorRules | None:
    """Check and load ``database_rules``; problems are named `sor.json: database_rules.…`."""
    where = "sor.json: database_rules"
    if not isinstance(data, dict):
        problems.append(f"{where}: missing or not an object")
        return None
    before = len(problems)

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{where}.{key}: must be a list of strings")
            return ()
        return tuple(value)

    fields = strings("fields")
    known = set(fields)
    enums: dict[str, EnumRule] = {}
    for name, spec in (data.get("enums") or {}).items():
        kind = spec.get("values") if isinstance(spec, dict) else None
        if not isinstance(kind, str) or kind not in vocab:
            problems.append(f"{where}.enums.{name}: names no vocabulary list ('{kind}')")
            continue
        enums[name] = EnumRule(frozenset(vocab[kind]), bool(spec.get("list")))
    others: dict[str, OtherRule] = {}
    for name, spec in (data.get("other_fields") or {}).items():
        if not isinstance(spec, dict) or spec.get("field") not in enums:
            problems.append(f"{where}.other_fields.{name}: needs a 'field' that is an enum")
            continue
        if spec.get("value") not in enums[spec["field"]].values:
            problems.append(f"{where}.other_fields.{name}: '{spec.get('value')}' is not allowed")
            continue
        others[name] = OtherRule(spec["field"], spec["value"], bool(spec.get("required", True)))
    grounds: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for ground, spec in (data.get("ground_fields") or {}).items():
        if ground not in vocab.get("decision_ground", ()) or not isinstance(spec, dict):
            problems.append(f"{where}.ground_fields.{ground}: not a decision_ground value")
            continue
        grounds[ground] = (tuple(spec.get("required", ())), tuple(spec.get("optional", ())))
    dates: dict[str, DateRule] = {}
    for name, spec in (data.get("dates") or {}).items():
        lo, hi = _day(spec.get("min")), _day(spec.get("max"))
        if (spec.get("min") and lo is None) or (spec.get("max") and hi is None):
            problems.append(f"{where}.dates.{name}: min/max must be YYYY-MM-DD")
        dates[name] = DateRule(lo, hi, spec.get("not_before"))
    lengths = data.get("max_length") or {}
    if not all(isinstance(v, int) and v > 0 for v in lengths.values()):
        problems.append(f"{where}.max_length: limits must be positive integers")
    try:
        puid = re.compile(str(data.get("puid_pattern", "")))
    except re.error as exc:
        problems.append(f"{where}.puid_pattern: {exc}")
        puid = re.compile(r"^$")
    per_request = data.get("statements_per_request")
    if not isinstance(per_request, int) or per_request < 1:
        problems.append(f"{where}.statements_per_request: must be a positive integer")
        per_request = 1
    named = [
        *strings("required"),
        *strings("at_least_one"),
        *enums,
        *others,
        *lengths,
        *dates,
        *(f for req, opt in grounds.values() for f in (*req, *opt)),
    ]
    for name in dict.fromkeys(named):
        if name not in known:
            problems.append(f"{where}: '{name}' is not in fields")
    if len(problems) > before:
        return None
    return SorRules(
        source=str(data.get("source", "")),
        source_commit=str(data.get("source_commit", "")),
        rules_date=str(data.get("rules_date", "")),
        fields=fields,
        annotations=frozenset(strings("annotations")),
        required=strings("required"),
        enums=enums,
        at_least_one=strings("at_least_one"),
        other_fields=others,
        ground_fields=grounds,
        max_length=dict(lengths),
        dates=dates,
        url_fields=strings("url_fields"),
        puid_pattern=puid,
        source_identity_absent_when=str(data.get("source_identity_absent_when", "")),
        statements_per_request=per_request,
        eea=frozenset(vocab.get("eea_country_codes", ())),
    )


def _empty(value: Any) -> bool:
    """What the database's `required` refuses: absent, null, blank text, empty list."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def validate_statement(statement: Mapping[str, Any], rules: SorRules) -> list[Violation]:
    """Every rule the statement breaks, in field order; [] when the database would accept it."""
    out: list[Violation] = []
    known = rules.known
    for name in statement:
        if name not in known:
            out.append(Violation(name, "unknown_field", "the database has no such field"))
    present = {k for k, v in statement.items() if not _empty(v)}
    for name in rules.required:
        if name not in present:
            out.append(Violation(name, "required", "missing or empty"))
    if present.isdisjoint(rules.at_least_one):
        out.append(
            Violation(
                "/".join(rules.at_least_one),
                "at_least_one",
                "a statement needs at least one of these decisions",
            )
        )
    for name, rule in rules.enums.items():
        if name not in present:
            continue
        value = statement[name]
        if rule.is_list != isinstance(value, list):
            shape = "a list" if rule.is_list else "one value, not a list"
            out.append(Violation(name, "type", f"must be {shape}"))
            continue
        for v in _values(value):
            if v not in rule.values:
                what = "an EEA country code" if name == "territorial_scope" else "an allowed value"
                out.append(Violation(name, "enum", f"'{v}' is not {what}"))
    for name, other in rules.other_fields.items():
        chosen = other.value in _values(statement.get(other.field))
        if chosen and other.required and name not in present:
            out.append(Violation(name, "other_required", f"required when {other.value} is chosen"))
        elif not chosen and name in present:
            out.append(Violation(name, "other_forbidden", f"only allowed with {other.value}"))
    for name, check, g in rules.checks_for(statement.get("decision_ground")):
        if check == "ground_required":
            if name not in present:
                out.append(Violation(name, check, f"required for {g}"))
        elif name in statement:
            out.append(Violation(name, check, f"only allowed with {g}"))
    for name, limit in rules.max_length.items():
        value = statement.get(name)
        if isinstance(value, str) and len(value) > limit:
            out.append(Violation(name, "max_length", f"{len(value)} characters; at most {limit}"))
        elif name in present and not isinstance(value, str):
            out.append(Violation(name, "type", "must be text"))
    for name, span in rules.dates.items():
        if name not in present:
            continue
        raw = statement[name]
        day = _day(raw) if isinstance(raw, str) and _DATE.match(raw) else None
        if day is None:
            out.append(Violation(name, "date_format", f"'{raw}' is not a YYYY-MM-DD date"))
            continue
        if (span.min and day < span.min) or (span.max and day > span.max):
            lo = span.min.isoformat() if span.min else "any"
            hi = span.max.isoformat() if span.max else "any"
            out.append(Violation(name, "date_range", f"{raw} is outside {lo}…{hi}"))
        start = _day(statement.get(span.not_before)) if span.not_before else None
        if start and day < start:
            out.append(Violation(name, "date_range", f"{raw} is before {span.not_before}"))
    for name in rules.url_fields:
        if name in present:
            parsed = urlparse(str(statement[name]))
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                out.append(Violation(name, "url", "must be an http(s) URL"))
    puid = statement.get("puid")
    if "puid" in present and not (isinstance(puid, str) and rules.puid_pattern.fullmatch(puid)):
        out.append(Violation("puid", "puid_pattern", "only letters, digits, '-' and '_'"))
    if (
        statement.get("source_type") == rules.source_identity_absent_when
        and "source_identity" in present
    ):
        out.append(
            Violation(
                "source_identity",
                "source_identity_voluntary",
                f"must be absent when source_type is {rules.source_identity_absent_when}",
            )
        )
    return out
