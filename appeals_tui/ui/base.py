"""What every screen of the app shares: the session and the service-calling helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.screen import Screen
from textual.worker import Worker

from ..services.session import Session
from .services import call_service

__all__ = ["AppealsScreen"]

T = TypeVar("T")


class AppealsScreen(Screen[Any]):
    """A screen that talks to services through workers, never directly."""

    #: Shown in the command palette and the help screen.
    HELP_TITLE = ""
    HELP_TEXT = ""

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def call(
        self,
        fn: Callable[..., T],
        *args: Any,
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        group: str = "service",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker[None]:
        return call_service(
            self, fn, *args, done=done, failed=failed, group=group, exclusive=exclusive, **kwargs
        )
