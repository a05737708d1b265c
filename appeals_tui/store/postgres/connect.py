"""Opening connections, and turning server trouble into one clear sentence.

Why: a restarted or unreachable server must never show a user a traceback;
every psycopg error that is about the connection becomes `DatabaseUnreachable`
(naming the database, never its password), and a refused privilege becomes
`PermissionDenied` (exit 3) because PostgreSQL, not only our services, enforces
who may do what.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import psycopg
from psycopg import errors as pgerr
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import set_json_loads

from appeals_tui.domain.errors import ConflictError, PermissionDenied, StoreError

__all__ = [
    "DatabaseUnreachable",
    "is_database_url",
    "redact",
    "connect",
    "snapshot",
    "reading_at",
    "server_on_host",
    "translate_errors",
    "CONNECT_TIMEOUT",
]

CONNECT_TIMEOUT = 10


class DatabaseUnreachable(StoreError):
    """The PostgreSQL server cannot be reached, or dropped the connection."""


def is_database_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without a password, for messages."""
    url = re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", url)


#: Plan every statement with its values. psycopg prepares a statement after 5 runs and
#: PostgreSQL may then switch to a generic plan, where a parameter cannot prove a
#: partial index's predicate (`appeal_outcome IS DISTINCT FROM 'overturned'` of the
#: ranking index): each precedent `top` went from an index walk (0.1 ms) to ~0.9 s at
#: 1M decisions in a long-lived process (the TUI, the bench).
PLANNING = "-c plan_cache_mode=force_custom_plan"


def _options(url: str) -> str:
    try:
        given = conninfo_to_dict(url).get("options")
    except psycopg.ProgrammingError:
        given = None
    return f"{given} {PLANNING}" if given else PLANNING


def _loads(data: str | bytes) -> Any:
    """jsonb values as orjson reads them (the stdlib's json.loads was ~40% of a page's
    client time: three jsonb columns a decision); json.loads for what orjson refuses
    (an integer past 64 bits), so every stored value still reads."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    try:
        conn = psycopg.connect(
            url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT, options=_options(url)
        )
        set_json_loads(_loads, conn)
        return conn
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnreachable(
            f"database unreachable at {redact(url)}: {redact(first)}"
        ) from None
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise StoreError(f"bad database URL {redact(url)}: {exc}") from None


def server_on_host(conn: psycopg.Connection) -> bool:
    """Whether `conn`'s server runs on this machine: reached by a Unix socket (its
    directory; `@` an abstract one) or a loopback address. A server on this host by
    another of its addresses counts as remote (only what the connection shows)."""
    info = conn.info
    if info.host.startswith(("/", "@")):
        return True
    try:
        return ipaddress.ip_address(info.hostaddr).is_loopback
    except (ValueError, psycopg.NotSupportedError):
        return info.host == "localhost"


@contextmanager
def snapshot(url: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """A read-only REPEATABLE READ transaction and its exported snapshot id: a pass
    that reads on several connections (the chain, then every table) sees one instant,
    even while other clients commit (else a record newer than the chain read a moment
    earlier looks tampered with)."""
    conn = connect(url)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            yield conn, str(row[0])
    finally:
        conn.close()


def reading_at(conn: psycopg.Connection, snap: str | None) -> None:
    """Make `conn`'s transaction (REPEATABLE READ, before its first read) see `snap`."""
    if snap is not None:
        from psycopg import sql

        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snap)))


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    """psycopg errors -> the typed errors the CLI and TUI already show."""
    try:
        yield
    except (pgerr.SerializationFailure, pgerr.DeadlockDetected, pgerr.LockNotAvailable) as exc:
        raise ConflictError(
            f"someone else changed this at the same time; reload and try again ({_first(exc)})"
        ) from None
    except pgerr.UniqueViolation as exc:
        raise ConflictError(f"already exists ({_first(exc)})") from None
    except pgerr.InsufficientPrivilege as exc:
        raise PermissionDenied(f"the database refused: {_first(exc)}") from None
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise DatabaseUnreachable(f"database unreachable at {where}: {_first(exc)}") from None
    except psycopg.Error as exc:
        raise StoreError(f"database error at {where}: {_first(exc)}") from None


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return redact(text.splitlines()[0]) if text else type(exc).__name__
