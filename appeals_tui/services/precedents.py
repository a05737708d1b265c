"""Precedents for a case: the profile to match is the case's own decision or a draft."""

from __future__ import annotations

from ..domain.errors import ValidationError
from ..domain.similarity import RankedPrecedent
from .cases import get_case
from .decisions import precedents_for
from .media_match import image_precedents, with_image_precedents
from .permissions import require_role
from .session import Session

__all__ = ["precedents_for_case"]


def precedents_for_case(
    session: Session, case_id: str, factors: dict[str, bool] | None = None, *, limit: int = 10
) -> list[RankedPrecedent]:
    """Rank earlier decisions for `case_id`.

    Undecided cases need a factor profile (the moderator's draft); decided ones use
    the standing decision's factors and clauses. Decisions on cases with a
    matching image (PDQ) come first: the same picture already decided.
    """
    require_role(session, "read", "see precedents")
    case = get_case(session, case_id)
    clause_ids: set[str] = set()
    if factors is None:
        current = (
            session.ws.get("decisions", case["decision_id"]) if case.get("decision_id") else None
        )
        if current is None:
            same_image = image_precedents(session, case_id)
            if same_image:
                return same_image[:limit]
            raise ValidationError(
                f"case {case_id} has no decision yet; pass its factors (--factor NAME=yes|no ...)"
            )
        factors = current["factors"]
        clause_ids = {c["id"] for c in current["clauses"]}
    ranked = precedents_for(session, factors, clause_ids, exclude_case=case_id, limit=limit)
    return with_image_precedents(session, case_id, ranked, limit)
