"""Where a backend is chosen: `open_store`, `create_store`, `store_exists`.

Why: services and front ends name a workspace by a target -- a directory (the
embedded TinyDB workspace) or a database URL -- and get a `Store` back without
importing any backend. Backends for URL schemes register in `URL_BACKENDS`
(the PostgreSQL backend adds "postgresql"); backend modules are imported only
when used, so a process pays for the backend it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.progress import Progress
from appeals_tui.store.audit import check_head
from appeals_tui.store.protocol import Store, VerifyResult

if TYPE_CHECKING:
    from appeals_tui.store.transfer import TransferResult as TransferResult

__all__ = [
    "Backend",
    "URL_BACKENDS",
    "is_url",
    "open_store",
    "create_store",
    "store_exists",
    "verify_store",
    "transfer_store",
    "id_counters",
    "redact_url",
    "set_wait_notice",
]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Backend:
    """How to open, create, detect and check stores of one kind."""

    open: Callable[..., Store]
    create: Callable[..., Store]
    exists: Callable[[str], bool]
    verify: Callable[[str], VerifyResult]
    #: verify reporting progress (a read-only check: stopping it changes nothing)
    verify_progress: Callable[[str, Progress], VerifyResult] | None = None


def _postgresql() -> Backend:
    from appeals_tui.store.postgres.store import PostgresStore

    return Backend(
        open=PostgresStore.open,
        create=PostgresStore.create,
        exists=PostgresStore.exists,
        verify=PostgresStore.verify_url,
    )


#: URL scheme -> backend (e.g. "postgresql": the PostgreSQL backend)
URL_BACKENDS: dict[str, Callable[[], Backend]] = {
    "postgresql": _postgresql,
    "postgres": _postgresql,
}


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def _backend(target: str | Path) -> Backend:
    if not is_url(target):
        return _embedded()
    scheme = str(target).split("://", 1)[0].split("+", 1)[0].lower()
    make = URL_BACKENDS.get(scheme)
    if make is None:
        known = ", ".join(sorted(URL_BACKENDS)) or "none installed"
        raise StoreError(f"no storage backend for '{scheme}://' URLs ({known})")
    return make()


def _embedded() -> Backend:
    from appeals_tui.store.workspace import Workspace

    return Backend(
        open=lambda target, **kw: Workspace.open(Path(target), **kw),
        create=lambda target, **kw: Workspace.create(Path(target), **kw),
        exists=lambda target: Workspace.exists(Path(target)),
        verify=lambda target: Workspace.verify_path(Path(target)),
        verify_progress=lambda target, progress: Workspace.verify_path(Path(target), progress),
    )


def open_store(target: str | Path, *, clock: Clock | None = None, **options: Any) -> Store:
    """An existing store (StoreError if there is none at `target`)."""
    return _backend(target).open(target, clock=clock, **options)


def create_store(target: str | Path, *, clock: Clock | None = None, **options: Any) -> Store:
    """A new, empty store (StoreError if one exists at `target`)."""
    return _backend(target).create(target, clock=clock, **options)


def store_exists(target: str | Path) -> bool:
    return _backend(target).exists(str(target))


def verify_store(
    target: str | Path,
    expect: tuple[int, str] | None = None,
    progress: Progress | None = None,
) -> VerifyResult:
    """Check a store without opening it for use (works when opening refuses it).

    `expect` is a head (seq, hash) printed earlier by `verify --head` and kept
    elsewhere: the store must still hold that very event."""
    backend = _backend(target)
    if progress is not None and backend.verify_progress is not None:
        result = backend.verify_progress(str(target), progress)
    else:
        result = backend.verify(str(target))
    if result.ok and expect is not None:
        with open_store(target) as store:
            found = store.events(since_seq=expect[0] - 1)[:1]
            problem = check_head(found[0] if found else None, store.head().seq, expect)
        if problem:
            result.ok, result.first_broken_seq, result.problem = False, expect[0], problem
    return result


# -- whole-store operations for the front ends' maintenance commands -------------------
# Each imports its module only when called, so opening one backend never loads the other.


def transfer_store(
    source: str | Path, target: str | Path, progress: Callable[[str, int], None] | None = None
) -> TransferResult:
    """Copy every record and the audit chain into an empty store of the other kind."""
    from appeals_tui.store.transfer import transfer

    return transfer(source, target, progress)


def id_counters(directory: Path) -> dict[str, int]:
    """The embedded workspace's id counters read straight from its files (shell completion)."""
    from appeals_tui.store.peek import id_counters as peek

    return peek(directory)


def redact_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from appeals_tui.store.postgres.connect import redact

    return redact(url)


def set_wait_notice(notice: Callable[[str], None] | None) -> None:
    """Called once with a sentence when a wait for the workspace lock passes a second."""
    from appeals_tui.store import lock

    lock.WAIT_NOTICE = notice
