"""Creating a workspace and managing its roster and settings."""

from __future__ import annotations

import re
from pathlib import Path

from ..domain.errors import ValidationError
from ..domain.models import Role, User
from ..domain.progress import Progress
from ..domain.timeutil import iso, utcnow
from ..store.factory import create_store, is_url
from ..store.protocol import Order, Store
from .permissions import require_admin
from .session import DEFAULT_CONFIG, Session, os_login

__all__ = [
    "init_workspace",
    "add_user",
    "list_users",
    "set_config",
    "SETTING_MAX",
    "get_config",
    "compact_workspace",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: POSIX portable login names (plus a numeric uid for logins without a passwd entry)
_LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\$?$")


def _check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ValidationError(
            f"user name '{name}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(
            f"role '{role}': expected one of {', '.join(r.value for r in Role)}"
        ) from None


def init_workspace(path: Path | str, admin: str, *, group: str | None = None) -> Store:
    """Create a workspace whose roster starts with one admin (who adds everyone else),
    mapped to the OS login creating it; private to that login, or to `group`."""
    _check_name(admin)
    # on a team database the admin acts as the database role of that name
    login = admin if is_url(path) else os_login()
    ws = create_store(path, group=group) if group else create_store(path)
    with ws.transaction(admin) as txn:
        user = User(
            name=admin, role=Role.ADMIN, added_at=iso(utcnow()), added_by=admin, login=login
        )
        txn.insert("users", admin, user.to_dict())
        txn.set_meta("config", dict(DEFAULT_CONFIG))
        txn.event("workspace.created", "workspace", {"admin": admin, "group": group})
        txn.event("user.added", f"user:{admin}", {"role": Role.ADMIN.value, "login": login})
    return ws


def add_user(session: Session, name: str, role: str, login: str | None = None) -> User:
    """Add `name` with `role`, acting from OS login `login` (default: the same name)."""
    require_admin(session, "manage the roster")
    _check_name(name)
    role_value = _check_role(role)
    login = login or name
    if not _LOGIN.match(login):
        raise ValidationError(
            f"login '{login}': not an OS login name (letters, digits, '.', '_', '-')"
        )
    with session.ws.transaction(session.actor) as txn:
        if txn.get("users", name) is not None:
            raise ValidationError(f"user '{name}' is already on the roster")
        user = User(
            name=name,
            role=role_value,
            added_at=session.now_iso(),
            added_by=session.actor,
            login=login,
        )
        txn.insert("users", name, user.to_dict())
        txn.event("user.added", f"user:{name}", {"role": role_value.value, "login": login})
    return user


def list_users(session: Session) -> list[User]:
    return [User.from_dict(d) for d in session.ws.query("users", order=[Order("name")]).rows]


def get_config(session: Session) -> dict[str, int]:
    return {key: session.config(key) for key in DEFAULT_CONFIG}


#: the largest value of each setting: past it the rule stops making sense (or a date
#: computed from it overflows)
SETTING_MAX: dict[str, int] = {
    "appeal_window_days": 3650,
    "appeal_sla_days": 365,
    "case_sla_hours": 8760,
    "strike_threshold": 1000,
    "pdq_match_distance": 64,
}
_WHY_MAX: dict[str, str] = {
    "appeal_window_days": "ten years",
    "appeal_sla_days": "a year",
    "case_sla_hours": "a year",
    "strike_threshold": "a clause's strike weighs 0-5",
    "pdq_match_distance": "of 256 bits, unrelated images lie ~128 apart; PDQ advises 31",
}


def set_config(session: Session, key: str, value: str) -> dict[str, int]:
    """Change a workspace setting (appeal window, SLA, strike threshold)."""
    require_admin(session, "change workspace settings")
    if key not in DEFAULT_CONFIG:
        raise ValidationError(f"setting '{key}': expected one of {', '.join(DEFAULT_CONFIG)}")
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"setting '{key}': '{value}' is not a whole number") from None
    if number <= 0:
        raise ValidationError(f"setting '{key}': must be greater than 0")
    if number > SETTING_MAX[key]:
        raise ValidationError(
            f"setting '{key}': {number:,} is too large; at most {SETTING_MAX[key]}"
            f" ({_WHY_MAX[key]})"
        )
    config = get_config(session)
    config[key] = number
    with session.ws.transaction(session.actor) as txn:
        txn.set_meta("config", config)
        txn.event("config.changed", "workspace", {key: number})
    return config


def compact_workspace(session: Session, progress: Progress | None = None) -> tuple[int, int]:
    """Fold the journal into a snapshot; returns bytes on disk before and after."""
    require_admin(session, "compact the workspace")
    before = session.ws.disk_usage()
    session.ws.compact(progress)
    return before, session.ws.disk_usage()
