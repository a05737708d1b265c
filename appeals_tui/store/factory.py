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
from typing import Any

from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.progress import Progress
from appeals_tui.store.audit import check_head
from appeals_tui.store.protocol import Store, VerifyResult

__all__ = [
    "Backend",
    "URL_BACKENDS",
    "is_url",
    "open_store",
    "create_store",
    "store_exists",
    "verify_store",
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


#: URL scheme -> backend (e.g. "postgresql": the PostgreSQL backend)
URL_BACKENDS: dict[str, Callable[[], Backend]] = {}


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
