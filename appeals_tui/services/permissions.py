"""Who may do what. Every check the UI or CLI relies on lives here."""

from __future__ import annotations

from ..domain.errors import PermissionDenied
from ..domain.models import Role
from .session import Session

__all__ = [
    "require_role",
    "require_moderator",
    "require_lead",
    "require_admin",
    "CAPABILITIES",
    "can",
]

#: Roles allowed for each capability; leads can do everything moderators can.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "moderate": frozenset({Role.MODERATOR, Role.LEAD}),
    "review_appeal": frozenset({Role.MODERATOR, Role.LEAD}),
    "file_appeal": frozenset({Role.MODERATOR, Role.LEAD, Role.ADMIN}),
    "note": frozenset({Role.MODERATOR, Role.LEAD}),
    "lead": frozenset({Role.LEAD}),
    "admin": frozenset({Role.ADMIN}),
    "read": frozenset({Role.MODERATOR, Role.LEAD, Role.ADMIN}),
}


def can(session: Session, capability: str) -> bool:
    return session.role in CAPABILITIES[capability]


def require_role(session: Session, capability: str, doing: str) -> None:
    if not can(session, capability):
        allowed = " and ".join(sorted(f"{r.value}s" for r in CAPABILITIES[capability]))
        role = session.role.value
        article = "an" if role[:1] in "aeiou" else "a"
        raise PermissionDenied(f"{session.actor} is {article} {role}; only {allowed} may {doing}")


def require_moderator(session: Session, doing: str) -> None:
    require_role(session, "moderate", doing)


def require_lead(session: Session, doing: str) -> None:
    require_role(session, "lead", doing)


def require_admin(session: Session, doing: str) -> None:
    require_role(session, "admin", doing)
