"""What every screen of the app shares: the session, the service-calling helper, fresh data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

from ..services.session import Session
from .services import call_service

if TYPE_CHECKING:
    from .app import AppealsApp
    from .widgets.dialogs import TextPrompt

__all__ = ["AppealsScreen", "appeals_app"]

T = TypeVar("T")


def appeals_app(node: DOMNode) -> AppealsApp:
    """`node.app` as the AppealsApp it is (Textual types it as `App[object]`)."""
    return cast("AppealsApp", node.app)


class AppealsScreen(Screen[Any]):
    """A screen that talks to services through workers, never directly.

    A screen that shows records implements `refresh_data()` (reload without moving
    the cursor or dropping a draft) and calls `mark_fresh()` when it starts a load:
    it is then reloaded whenever it is visible, or comes back into view, after the
    records may have changed (our own saves, other processes' writes).
    """

    #: Shown in the command palette and the help screen.
    HELP_TITLE = ""
    HELP_TEXT = ""

    #: The app's data generation this screen last loaded (-1: never).
    loaded_generation = -1

    @property
    def session(self) -> Session:
        """The app's session: who acts, on which workspace."""
        return appeals_app(self).session

    def saving(
        self, fn: Callable[..., object], *args: Any
    ) -> Callable[[TextPrompt, str, str | None], None]:
        """A prompt's save: `fn(*args, text)` in a worker; the prompt closes when it
        returns, or shows the refusal in place."""

        def save(prompt: TextPrompt, text: str, _choice: str | None) -> None:
            """Save the prompt's text through the service; the prompt closes or shows the refusal."""
            self.call(fn, *args, text, done=prompt.finish, failed=prompt.show_error, writes=True)

        return save

    def call(
        self,
        fn: Callable[..., T],
        *args: Any,
        done: Callable[[T], object] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        group: str = "service",
        exclusive: bool = False,
        writes: bool = False,
        **kwargs: Any,
    ) -> Worker[None]:
        """Run a service call in a worker (see `ui.services.call_service`)."""
        return call_service(
            self,
            fn,
            *args,
            done=done,
            failed=failed,
            group=group,
            exclusive=exclusive,
            writes=writes,
            **kwargs,
        )

    # -- fresh data ------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Reload what the screen shows (screens that show records override this)."""

    def mark_fresh(self) -> None:
        """Called as a load starts: what it reads is at least this current."""
        self.loaded_generation = getattr(self.app, "data_generation", 0)

    def check_fresh(self) -> None:
        """Reload if records may have changed since the last load."""
        if self.loaded_generation < 0:
            return  # its first load is still to come (on mount)
        if self.loaded_generation != getattr(self.app, "data_generation", 0):
            self.mark_fresh()
            self.refresh_data()

    def on_screen_resume(self) -> None:
        self.check_fresh()
