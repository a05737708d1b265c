"""Working an account: one draft, one `decide()` per case, every outcome reported.

Each case still goes through `decide()` on its own, so each gets its own record,
its own validation and its own conflict check; one failure never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import AppealsError, ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.models import Case
from .cases import CaseFilter, list_cases
from .decisions import DecisionDraft, decide
from .permissions import require_moderator
from .session import Session

__all__ = ["BatchOutcome", "account_open_cases", "decide_each"]


@dataclass(frozen=True)
class BatchOutcome:
    case_id: str
    ok: bool
    #: The new decision's id, or why this case was not decided.
    message: str
    #: why not, as the typed error (the CLI's exit status comes from its type)
    error: AppealsError | None = None

    def to_json(self) -> JsonObject:
        """docs/cli.md: `appeals decide CASE CASE...` prints one of these per case."""
        return {
            "case_id": self.case_id,
            "ok": self.ok,
            "decision_id": self.message if self.ok else None,
            "problem": None if self.ok else self.message,
        }


def account_open_cases(session: Session, account: str) -> list[Case]:
    """The account's open and claimed cases, oldest first."""
    flt = CaseFilter(status={"open", "in_review"}, account=account)
    return list_cases(session, flt, sort="age", limit=None).items


def _why(exc: AppealsError) -> str:
    if isinstance(exc, ValidationError) and len(exc.problems) > 1:
        return "; ".join(exc.problems)
    return str(exc)


def decide_each(
    session: Session, targets: list[tuple[str, int | None]], draft: DecisionDraft
) -> list[BatchOutcome]:
    """One `decide()` per (case, expected version or None); refusals are collected, not
    raised, so one stale or claimed case never stops the others."""
    require_moderator(session, "decide cases")  # who may, before anything is tried
    out: list[BatchOutcome] = []
    for case_id, version in targets:
        try:
            decision = decide(session, case_id, draft, expected_version=version)
        except AppealsError as exc:
            out.append(BatchOutcome(case_id, False, _why(exc), exc))
        else:
            out.append(BatchOutcome(case_id, True, decision.decision_id))
    return out
