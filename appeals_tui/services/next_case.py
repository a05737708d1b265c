"""Save-and-next: which case a moderator decides next, in the queue's own order.

The queue's filters and sort pick the order; a case is next only if this moderator
may decide it now (open, or claimed by them), so save-and-next never opens a case
that `decide()` would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.models import Case, CaseStatus
from .cases import CaseFilter, list_cases
from .session import Session

__all__ = ["decidable_by_me", "next_case"]

#: How far down the queue to look for a case this moderator may decide.
LOOK_AHEAD = 200


def decidable_by_me(session: Session, case: Case) -> bool:
    """Open, or claimed by this moderator (the rule `decide()` enforces)."""
    if case.status == CaseStatus.OPEN:
        return True
    return case.status == CaseStatus.IN_REVIEW and case.assignee in (None, session.actor)


def next_case(
    session: Session,
    flt: CaseFilter,
    sort: str,
    after: Iterable[str] = (),
    skip: Iterable[str] = (),
) -> str | None:
    """The first case of `after` (the rows below the one just decided) still in the queue
    and decidable, else the first decidable case from the top; None when none is left."""
    skipped = set(skip)
    page = list_cases(session, flt, sort=sort, offset=0, limit=LOOK_AHEAD)
    ready = [
        c.case_id for c in page.items if c.case_id not in skipped and decidable_by_me(session, c)
    ]
    for case_id in after:
        if case_id in ready:
            return case_id
    return ready[0] if ready else None
