"""Who is acting, on which workspace, under which policy library and clock.

Every service function takes a `Session` first: it carries the identity that
permission checks use, so no caller can act without one.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..domain.errors import PermissionDenied
from ..domain.models import Role, User
from ..domain.policy import PolicyLibrary
from ..domain.timeutil import iso, utcnow
from ..paths import default_workspace_dir
from ..store.factory import open_store
from ..store.protocol import Store
from ..store.shipped import load_default
from .policy_versions import library_for

__all__ = [
    "Session",
    "resolve_user_name",
    "choose_identity",
    "os_login",
    "open_workspace",
    "DEFAULT_CONFIG",
    "load_default",
]

#: Workspace settings an admin may change (`appeals config set`).
DEFAULT_CONFIG: dict[str, int] = {
    "appeal_window_days": 180,
    "appeal_sla_days": 7,
    "case_sla_hours": 24,
    "strike_threshold": 3,
    #: PDQ Hamming distance (of 256 bits) at or under which two images match
    "pdq_match_distance": 31,
}


def os_login() -> str:
    """The login of the process's effective uid, from the password database.

    Not getpass.getuser(): that trusts $USER/$LOGNAME, which anyone can set."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        return str(uid)


def resolve_user_name(explicit: str | None) -> str | None:
    """`--user`, else `APPEALS_USER`, else None (pick by the OS login)."""
    return explicit or os.environ.get("APPEALS_USER") or None


_HOW = (
    "each roster user acts only from the OS login an admin mapped them to "
    "(`appeals users add NAME --role ROLE --login LOGIN`)"
)


def _mine(ws: Store, login: str) -> list[User]:
    users = (User.from_dict(d) for d in ws.iterate("users"))
    return sorted((u for u in users if u.acting_login == login), key=lambda u: u.name)


def choose_identity(ws: Store, name: str | None, login: str, default: str | None = None) -> User:
    """The roster user this OS login acts as: `name` if it is mapped to `login`,
    else (no name) the login's own user, `default`, or its only identity."""
    if name:
        doc = ws.get("users", name)
        if doc is None:
            raise PermissionDenied(
                f"unknown user '{name}': not on this workspace's roster "
                f"(an admin can add them with `appeals users add {name} --role moderator`)"
            )
        user = User.from_dict(doc)
        if user.acting_login != login:
            yours = ", ".join(u.name for u in _mine(ws, login)) or "none"
            raise PermissionDenied(
                f"you (OS login '{login}') may not act as '{name}': {_HOW}; "
                f"identities mapped to you: {yours}"
            )
        return user
    mine = _mine(ws, login)
    for wanted in (login, default):
        for user in mine:
            if user.name == wanted:
                return user
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise PermissionDenied(f"no roster user is mapped to your OS login '{login}': {_HOW}")
    raise PermissionDenied(
        f"several roster users are mapped to your OS login '{login}' "
        f"({', '.join(u.name for u in mine)}): choose one with --user or APPEALS_USER"
    )


def database_identity(ws: Store, name: str | None, role: str) -> User:
    """The roster user the authenticated database role acts as; `name` (--user or
    APPEALS_USER) may only name that user: anything else is a permission error."""
    mine = [
        User.from_dict(d)
        for d in ws.query("users").rows
        if (d.get("login") or d.get("name")) == role
    ]
    if not mine:
        raise PermissionDenied(
            f"database role '{role}' is not on this workspace's roster (an admin can add it "
            f"with `appeals users add {role} --role moderator`)"
        )
    if name:
        for user in mine:
            if user.name == name:
                return user
        raise PermissionDenied(
            f"you are connected as database role '{role}' ({', '.join(u.name for u in mine)}); "
            f"on a team database you may only act as yourself, not as '{name}'"
        )
    return sorted(mine, key=lambda u: u.name)[0]


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
    #: False when the caller chose the library (tests, benchmarks): `sync_library` keeps it
    follow_published: bool = True

    @classmethod
    def open(
        cls,
        ws: Store,
        user_name: str | None,
        *,
        library: PolicyLibrary | None = None,
        clock: Callable[[], datetime] | None = None,
        default: str | None = None,
    ) -> Session:
        """Refuse anyone not on the roster or not mapped to this process's OS login
        (on a team database: to the authenticated database role): identity is the
        first permission check. `user_name` (the --user flag) beats $APPEALS_USER;
        `default` is preferred when neither names anyone. The policy library is the
        workspace's published one in force (else the shipped one)."""
        role = getattr(ws, "database_role", None)
        if role is not None:  # a team database: you are the role you authenticated as
            user = database_identity(ws, resolve_user_name(user_name), role)
        else:
            user = choose_identity(ws, resolve_user_name(user_name), os_login(), default)
        return cls(
            ws=ws,
            user=user,
            library=library or library_for(ws),
            clock=clock or utcnow,
            follow_published=library is None,
        )

    def sync_library(self) -> PolicyLibrary:
        """The library in force now: a lead (in another process too) may have published
        one since this session opened, and a TUI stays open for hours. Writes that apply
        the library call this first, so nothing is decided under a replaced library."""
        if self.follow_published:
            self.library = library_for(self.ws)
        return self.library

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
