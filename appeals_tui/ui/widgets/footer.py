"""The app's footer: Textual's Footer, rebuilt only when the keys it shows change.

Why: Textual's Footer (8.2) starts empty and rebuilds itself (removes every key
widget, mounts new ones and styles each twice) once per bindings signal: each focus
move, and each push or pop of a screen, for the screen left underneath too. Opening a
case did that three times for the case screen and once for the queue below it, all
with the same keys: ~0.2 s of the first case's ~0.6 s on PostgreSQL at 1M decisions.
This footer shows its keys from its first composition and, on a signal, rebuilds only
when what it would show differs from what it shows; its keys are created with the
footer's compactness instead of restyled twice to reach it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["AppFooter"]

#: one shown binding: the binding, whether it is enabled, its tooltip, the key as shown
Shown = tuple[Binding, bool, str, str]


class AppFooter(Footer):
    """A Footer that skips rebuilds which would show the same keys."""

    def __init__(self) -> None:
        super().__init__()
        #: what the last composition showed (None: nothing composed with keys yet)
        self._shown: tuple[object, ...] | None = None
        #: a check-and-rebuild is scheduled (several signals in one go share it)
        self._pending = False
        # the screen's bindings are there when the footer composes (it is mounted with
        # the screen): show them at once instead of composing empty and rebuilding
        self.set_reactive(Footer._bindings_ready, True)

    def _showing(self) -> tuple[object, ...]:
        """Everything `Footer.compose` reads to draw the keys (compare to decide)."""
        app = self.app
        active = self.screen.active_bindings
        keys: list[Shown] = [
            (binding, enabled, tooltip, app.get_key_display(binding))
            for (_node, binding, enabled, tooltip) in active.values()
            if binding.show
        ]
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        return (
            tuple(keys),
            palette[1:] if palette else None,
            self.show_command_palette and app.ENABLE_COMMAND_PALETTE,
            self.compact,
        )

    def compose(self) -> ComposeResult:
        try:
            self._shown = self._showing()
        except Exception:
            # a screen's `check_action` read something its `on_mount` sets up (it runs
            # after this): compose empty and look once the screen has refreshed, as
            # Textual's Footer always does; an error that lasts shows there
            self._shown = None
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)
            return
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # a key starts compact (its own default) and is then bound to the
                # footer's: two restyles of each key, for a class it ends without.
                # (The palette's key is not bound: it stays compact.)
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        """Rebuild the keys if what they would show changed since they were composed."""
        self._pending = False
        if self.is_attached and self._showing() != self._shown:
            await self.recompose()
