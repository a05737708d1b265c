"""Decisions to DSA statements of reasons: in scope or not, and valid for the database or not.

One pass over the decisions yields only statements the Transparency Database would
accept; the `SorScan` it fills counts what was left out (by reason) and names every
rule a refused statement broke (decision id, field, rule).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ..domain.policy import PolicyLibrary
from ..domain.sor import StatementMaker, case_source, out_of_scope_reason
from ..domain.sor_rules import SorRules, Violation, validate_statement
from ..domain.sources import detection_sources
from .session import Session

__all__ = ["SorProblem", "SorScan"]


@dataclass(frozen=True)
class SorProblem:
    """A rule one decision's statement breaks."""

    decision_id: str
    violation: Violation

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.violation}"


class SorScan:
    """Counts of one pass: decisions scanned, left out by reason, refused with problems."""

    def __init__(self, library: PolicyLibrary) -> None:
        if library.sor.rules is None:  # the loader refuses a library without them
            raise ValueError("the policy library has no database_rules")
        self.library = library
        self.rules: SorRules = library.sor.rules
        self.make = StatementMaker(library)
        self.scanned = 0
        self.left_out: Counter[str] = Counter()
        self.problems: list[SorProblem] = []
        self.invalid_decisions = 0

    def why(self, reason: str) -> str:
        return self.library.sor.out_of_scope.get(reason, "")

    @property
    def taxonomy_version(self) -> str:
        return self.library.sor.taxonomy_version

    @property
    def rules_version(self) -> str:
        return self.rules.version


def _in_scope(
    session: Session, decisions: Iterable[dict[str, Any]], scan: SorScan, batch: int = 1000
) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[str]]]:
    """Each decision that needs a statement, with its case and how the case reached
    review (from its reports); the rest are counted in `scan` by reason.

    Read a batch at a time, and only what a decision needs: a no_action or escalate
    decision needs no case, and only a case that names no source of its own needs its
    reports (an export at 100k read 240k cases and reports one by one)."""
    library = scan.library
    skip = library.sor.not_exported_actions
    rows = iter(decisions)
    while chunk := list(islice(rows, batch)):
        case_ids = dict.fromkeys(d["case_id"] for d in chunk if d.get("action") not in skip)
        cases = {c["case_id"]: c for c in session.ws.get_many("cases", case_ids)}
        kept: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for decision in chunk:
            scan.scanned += 1
            case = cases.get(decision["case_id"]) or {}
            reason = out_of_scope_reason(decision, case, library)
            if reason is None:
                kept.append((decision, case))
            else:
                scan.left_out[reason] += 1
        report_ids = dict.fromkeys(
            r for _, c in kept if not case_source(c) for r in c.get("report_ids") or ()
        )
        reports = {r["report_id"]: r for r in session.ws.get_many("reports", report_ids)}
        for decision, case in kept:
            mine = (reports[r] for r in case.get("report_ids") or () if r in reports)
            yield decision, case, detection_sources(mine)


def _scan_statements(
    session: Session,
    decisions: Iterable[dict[str, Any]],
    scan: SorScan,
    *,
    api_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Statements for the decisions that need one and pass every database rule.

    `api_only` drops our own annotations (taxonomy_version) so the statement is exactly
    what the API takes.
    """
    rules, make = scan.rules, scan.make
    for decision, case, sources in _in_scope(session, decisions, scan):
        statement = make(decision, case, sources)
        if statement is None:
            violations = [
                Violation("category", "mapping", "no clause the decision cites is in sor.json")
            ]
        else:
            violations = validate_statement(statement, rules)
        if violations:
            scan.invalid_decisions += 1
            scan.problems.extend(SorProblem(str(decision["decision_id"]), v) for v in violations)
            continue
        assert statement is not None
        if api_only:
            statement = {k: v for k, v in statement.items() if k not in rules.annotations}
        yield statement
