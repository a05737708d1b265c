"""Who is acting, on which workspace, under which policy library and clock.

Every service function takes a `Session` first: it carries the identity that
permission checks use, so no caller can act without one.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..domain.errors import PermissionDenied
from ..domain.models import Role, User
from ..domain.policy import PolicyLibrary, load_default
from ..domain.timeutil import iso, utcnow
from ..paths import default_workspace_dir
from ..store.factory import open_store
from ..store.protocol import Store

__all__ = ["Session", "resolve_user_name", "open_workspace", "DEFAULT_CONFIG"]

#: Workspace settings an admin may change (`appeals config set`).
DEFAULT_CONFIG: dict[str, int] = {
    "appeal_window_days": 180,
    "appeal_sla_days": 7,
    "case_sla_hours": 24,
    "strike_threshold": 3,
}


def resolve_user_name(explicit: str | None) -> str:
    """`--user`, else `APPEALS_USER`, else the OS login name."""
    if explicit:
        return explicit
    env = os.environ.get("APPEALS_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def open_workspace(target: Path | str | None) -> Store:
    """The store at `target` (a workspace directory or a database URL), else the
    default workspace directory."""
    if target is None or target == "":
        return open_store(default_workspace_dir())
    return open_store(target if isinstance(target, str) and "://" in target else Path(target))


@dataclass
class Session:
    """An authenticated roster user acting on an open workspace."""

    ws: Store
    user: User
    library: PolicyLibrary = field(default_factory=load_default)
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def open(
        cls,
        ws: Store,
        user_name: str | None,
        *,
        library: PolicyLibrary | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Session:
        """Refuse anyone not on the roster: identity is the first permission check."""
        name = resolve_user_name(user_name)
        doc = ws.get("users", name)
        if doc is None:
            raise PermissionDenied(
                f"unknown user '{name}': not on this workspace's roster "
                f"(an admin can add them with `appeals users add {name} --role moderator`)"
            )
        return cls(
            ws=ws,
            user=User.from_dict(doc),
            library=library or load_default(),
            clock=clock or utcnow,
        )

    @property
    def actor(self) -> str:
        return self.user.name

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    def now(self) -> datetime:
        return self.clock()

    def now_iso(self) -> str:
        return iso(self.clock())

    def config(self, key: str) -> int:
        stored = self.ws.meta("config", {}) or {}
        return int(stored.get(key, DEFAULT_CONFIG[key]))
