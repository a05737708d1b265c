"""Values the queue's filters offer: platforms, jurisdictions and assignees present in cases."""

from __future__ import annotations

from dataclasses import dataclass

from .permissions import require_role
from .session import Session

__all__ = ["QueueFacets", "queue_facets"]


@dataclass(frozen=True)
class QueueFacets:
    platforms: list[str]
    jurisdictions: list[str]
    assignees: list[str]


def queue_facets(session: Session) -> QueueFacets:
    """Distinct filter values, so the queue can offer choices instead of free typing."""
    require_role(session, "read", "see the queue")
    ws = session.ws
    jurisdictions = {j.upper() for j in ws.distinct("cases", "jurisdiction") if j}
    return QueueFacets(
        platforms=ws.distinct("cases", "subject.platform"),
        jurisdictions=sorted(jurisdictions),
        assignees=[a for a in ws.distinct("cases", "assignee") if a],
    )
