"""Precedents for a case: the profile to match is the case's own decision or a draft."""

from __future__ import annotations

from ..domain.errors import ValidationError
from ..domain.similarity import RankedPrecedent
from .cases import get_case
from .decisions import precedents_for
from .permissions import require_role
from .session import Session

__all__ = ["precedents_for_case"]


def precedents_for_case(
    session: Session, case_id: str, factors: dict[str, bool] | None = None, *, limit: int = 10
) -> list[RankedPrecedent]:
    """Rank earlier decisions for `case_id`.

    Undecided cases need a factor profile (the moderator's draft); decided ones use
    the standing decision's factors and clauses.
    """
    require_role(session, "read", "see precedents")
    case = get_case(session, case_id)
    clause_ids: set[str] = set()
    if factors is None:
        current = (
            session.ws.get("decisions", case["decision_id"]) if case.get("decision_id") else None
        )
        if current is None:
            raise ValidationError(
                f"case {case_id} has no decision yet; pass its factors (--factor NAME=yes|no ...)"
            )
        factors = current["factors"]
        clause_ids = {c["id"] for c in current["clauses"]}
    return precedents_for(
        session,
        factors,
        clause_ids,
        exclude_case=case_id,
        limit=limit,
        jurisdiction=case.get("jurisdiction"),
    )
