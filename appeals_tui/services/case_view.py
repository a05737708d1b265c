"""What the case screen shows, gathered in one call: the case file, notes, links,
image matches, its decision and the precedents that fit it.

Why a service: which precedents a case is shown (its own decision's profile, else
the account's last decision's, else only same-image decisions) is a rule, and the
UI decides no rules (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.errors import PermissionDenied
from ..domain.models import Case, Decision, Note
from ..domain.similarity import RankedPrecedent
from . import cases
from .decisions import get_decision
from .media_match import ImageMatch, case_image_matches, with_image_precedents
from .networks import CaseLinks, links_for_case
from .precedents import precedents_for_case
from .session import Session

__all__ = ["CaseView", "case_view", "PrecedentChoice", "case_precedents"]


@dataclass(frozen=True)
class PrecedentChoice:
    """The precedents shown for a case, and a sentence saying what they were ranked by."""

    precedents: list[RankedPrecedent]
    note: str


@dataclass(frozen=True)
class CaseView:
    """Everything the case screen shows."""

    file: cases.CaseFile
    #: None: the acting user may not read private notes
    notes: list[Note] | None
    precedents: list[RankedPrecedent] = field(default_factory=list)
    precedent_note: str = ""
    decision: Decision | None = None
    links: CaseLinks | None = None
    image_matches: list[ImageMatch] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.file.case


def case_precedents(
    session: Session, case_id: str, file: cases.CaseFile, limit: int = 5
) -> PrecedentChoice:
    """A decided case is ranked by its own decision; an open one by the account's last
    decision (the best guess of its profile until its factors are answered); a first
    case of an account only by decisions on the same picture."""
    case = file.case
    if case.decision_id:
        return PrecedentChoice(
            precedents_for_case(session, case_id, limit=limit),
            f"Ranked by this case's decision {case.decision_id}.",
        )
    earlier = [d for d in file.account_decisions if d.case_id != case_id]
    if earlier:
        last = max(earlier, key=lambda d: d.decided_at)
        return PrecedentChoice(
            precedents_for_case(
                session,
                case_id,
                last.factors,
                clause_ids={c["id"] for c in last.clauses},
                limit=limit,
            ),
            f"Using the factors of {last.decision_id}, this account's last decision. "
            "Answer the factors in Decide (d) for this case's own precedents.",
        )
    return PrecedentChoice(
        with_image_precedents(session, case_id, [], limit),
        "Answer the factors in Decide (d) to see precedents for this case.",
    )


def case_view(session: Session, case_id: str) -> CaseView:
    """The case screen's data, read fresh (other processes' writes included)."""
    session.ws.refresh()
    file = cases.case_file(session, case_id)
    case = file.case
    try:
        notes: list[Note] | None = cases.notes_for(session, f"case:{case_id}")
    except PermissionDenied:
        notes = None
    chosen = case_precedents(session, case_id, file)
    return CaseView(
        file=file,
        notes=notes,
        precedents=chosen.precedents,
        precedent_note=chosen.note,
        decision=get_decision(session, case.decision_id) if case.decision_id else None,
        links=links_for_case(session, case_id),
        image_matches=case_image_matches(session, case_id),
    )
