"""The decide screen's live panel: what the rubric recommends for the draft so far,
the precedents that fit it, and why a divergence reason would be needed.

Why a service: it composes guidance, precedents and the divergence rule, so the
rule that binds a decision is computed where the save applies it (and is tested
here), never in the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import ValidationError
from ..domain.guidance import Guidance
from ..domain.models import FACTORS, Action, Case
from ..domain.similarity import RankedPrecedent
from . import decisions
from .decisions import DecisionDraft
from .precedents import precedents_for_case
from .session import Session

__all__ = ["LiveView", "live_view"]

_ACTIONS = {a.value for a in Action}


@dataclass(frozen=True)
class LiveView:
    guidance: Guidance
    precedents: list[RankedPrecedent]
    divergence: str | None
    #: Unanswered factors (guidance assumes "no" for them until answered).
    unanswered: list[str]
    #: What a save would refuse now (only computed while a refused save is shown).
    problems: list[str] | None = None


def live_view(
    session: Session, case: Case, draft: DecisionDraft, *, check: bool = False
) -> LiveView:
    """Guidance, precedents and (for a chosen action) why a divergence reason is needed.

    With `check`, also the service's verdict on the draft, so a shown error box
    follows the form instead of repeating the last save's advice.
    """
    unanswered = [f for f in FACTORS if f not in draft.factors]
    assumed = {f: bool(draft.factors.get(f, False)) for f in FACTORS}
    guidance = decisions.guidance_for(session, assumed, case.jurisdiction or None)
    ranked = precedents_for_case(
        session, case.case_id, assumed, clause_ids=set(draft.clause_ids), limit=5
    )
    explanation = None
    if draft.action in _ACTIONS and not unanswered:
        divergence = decisions.check_divergence(
            session, case, draft.action, draft.factors, draft.clause_ids
        )
        if divergence.required:
            explanation = "Required because " + divergence.explain(draft.action) + "."
    problems = None
    if check:
        try:
            decisions.validate_draft(session, case, draft)
            problems = []
        except ValidationError as exc:
            problems = list(exc.problems)
    return LiveView(guidance, ranked, explanation, unanswered, problems)
