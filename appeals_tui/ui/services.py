"""Calling services from the UI: always in a thread worker, one call at a time.

Screens call `call_service(fn, *args, done=...)`. The service runs in a thread
(storage never blocks the event loop); its result or typed error comes back on
the event loop. A single lock serialises calls so two workers never use the
workspace at once.

Screens must never show stale data: after every call the store's change counter
(the audit chain's head) is compared with the last one seen, so our own writes and
other processes' writes both move the app's data generation and visible screens
reload. `writes=True` says so up front for calls that are known to write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from ..domain.errors import AppealsError
from ..services.changes import change_counter

__all__ = ["SERVICE_LOCK", "call_service", "error_text"]

T = TypeVar("T")
SERVICE_LOCK = threading.RLock()


def error_text(exc: BaseException) -> str:
    """One readable message, listing every problem of a ValidationError."""
    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1:
        return "\n".join(problems)
    if isinstance(exc, AppealsError):
        return str(exc)
    return f"internal error ({type(exc).__name__}: {exc})"


def call_service(
    node: DOMNode,
    fn: Callable[..., T],
    *args: Any,
    done: Callable[[T], object] | None = None,
    failed: Callable[[BaseException], None] | None = None,
    group: str = "service",
    exclusive: bool = False,
    writes: bool = False,
    **kwargs: Any,
) -> Worker[None]:
    """Run `fn(*args, **kwargs)` in a thread; deliver the outcome on the event loop.

    `writes`: `fn` changes records, so on success every screen showing data is stale.
    """
    app = node.app
    session = getattr(app, "session", None)

    def on_error(exc: BaseException) -> None:
        if failed is not None:
            failed(exc)
        else:
            app.notify(
                error_text(exc),
                title="Not saved" if isinstance(exc, AppealsError) else "Error",
                severity="error",
                markup=False,
                timeout=8,
            )

    def seen(counter: int | None) -> None:
        """Tell the app the store's change counter after a call (its freshness check)."""
        note = getattr(app, "note_changes", None)
        if note is not None:
            note(counter, writes)

    def job() -> None:
        """The worker's body: the call under the service lock, then `done` or the error on the UI thread."""
        counter: int | None = None
        try:
            with SERVICE_LOCK:
                try:
                    result = fn(*args, **kwargs)
                finally:
                    if session is not None:
                        try:
                            counter = change_counter(session)
                        except Exception:  # noqa: BLE001 - a failed look is no change
                            counter = None
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            app.call_from_thread(seen, counter)
            app.call_from_thread(on_error, exc)
            return
        app.call_from_thread(seen, counter)  # before `done`: what it shows next is fresh
        if done is not None:
            app.call_from_thread(done, result)

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
