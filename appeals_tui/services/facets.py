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
    platforms: set[str] = set()
    jurisdictions: set[str] = set()
    assignees: set[str] = set()
    for case in session.ws.all("cases"):
        platforms.add(case["subject"]["platform"])
        if case.get("jurisdiction"):
            jurisdictions.add(case["jurisdiction"].upper())
        if case.get("assignee"):
            assignees.add(case["assignee"])
    return QueueFacets(sorted(platforms), sorted(jurisdictions), sorted(assignees))
