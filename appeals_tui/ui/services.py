"""Calling services from the UI: always in a thread worker, one call at a time.

Screens call `call_service(fn, *args, done=...)`. The service runs in a thread
(storage never blocks the event loop); its result or typed error comes back on
the event loop. A single lock serialises calls so two workers never use the
workspace at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from ..domain.errors import AppealsError

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
    done: Callable[[T], None] | None = None,
    failed: Callable[[BaseException], None] | None = None,
    group: str = "service",
    exclusive: bool = False,
    **kwargs: Any,
) -> Worker[None]:
    """Run `fn(*args, **kwargs)` in a thread; deliver the outcome on the event loop."""
    app = node.app

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

    def job() -> None:
        try:
            with SERVICE_LOCK:
                result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            app.call_from_thread(on_error, exc)
            return
        if done is not None:
            app.call_from_thread(done, result)

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
