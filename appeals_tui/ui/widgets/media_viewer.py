"""A case's images, shown the way the moderator chose: blurred until revealed, greyscale, or hidden.

Why this shape: interactive controls (reveal one image, then it blurs again)
protect the people who look at reported images all day better than a fixed
filter; so a reveal lasts only for the current image, while blur level,
greyscale and "hide media" are the moderator's stored preferences. Images are
drawn with textual-image: Kitty graphics or Sixel where the terminal has them,
Unicode half-blocks otherwise (tmux, tests). Decoding and blurring run in a
thread worker, so no key ever waits for an image.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from PIL import Image as PILImage
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from ...services.images import ImageRejected, display_image
from ...services.media import display_bytes
from ...services.media_prefs import MediaPrefs, get_prefs, set_prefs
from ..base import appeals_app
from ..services import SERVICE_LOCK, error_text

__all__ = ["MediaViewer", "image_widget_class", "prepare_terminal"]


def prepare_terminal() -> None:
    """Let textual-image ask the terminal what it can draw (Sixel? Kitty? cell size?).

    Must run before the app starts: importing textual_image queries the terminal,
    and once Textual owns stdin the answer (e.g. `ESC[?1;2c`) would arrive as
    key presses -- `c` claims a case. `ui.launch` calls this first.
    """
    import textual_image.widget  # noqa: F401 - the import is the query


def image_widget_class() -> type[Widget]:
    """textual-image's best renderer on a terminal; half-blocks when not on one (tests, pipes)."""
    from textual_image.widget import HalfcellImage, Image

    stdout = sys.__stdout__
    return Image if stdout is not None and stdout.isatty() else HalfcellImage


class MediaViewer(Vertical, can_focus=True):
    """Pages through a case's images (←/→); v reveals, g greyscale, m hides, +/- blur."""

    DEFAULT_CSS = """
    MediaViewer { height: auto; border: round $panel; padding: 0 1; }
    MediaViewer:focus-within, MediaViewer:focus { border: round $accent; }
    MediaViewer #media-caption { height: auto; color: $text-muted; }
    MediaViewer #media-image { width: auto; height: 40vh; min-height: 8; }
    MediaViewer #media-image.-off { display: none; }
    MediaViewer #media-note { height: auto; }
    """
    BINDINGS = [
        Binding("v", "reveal", "Reveal", id="media-reveal", tooltip="Show this image unblurred (until you press v again or move on)"),
        Binding("g", "greyscale", "Greyscale", id="media-greyscale", tooltip="Greyscale on/off (saved as your preference)"),
        Binding("m", "hide", "Hide media", id="media-hide", tooltip="Hide or show media (saved as your preference)"),
        Binding("plus,equals_sign", "blur(1)", "More blur", id="media-blur-more", tooltip="Stronger default blur (saved)"),
        Binding("minus", "blur(-1)", "Less blur", id="media-blur-less", tooltip="Weaker default blur (saved)"),
        Binding("left", "page(-1)", "Prev image", id="media-prev", tooltip="Previous image"),
        Binding("right", "page(1)", "Next image", id="media-next", tooltip="Next image"),
    ]  # fmt: skip

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.hashes: list[str] = []
        self.index = 0
        self.revealed = False
        self.prefs: MediaPrefs | None = None
        #: the last picture handed to the image widget (tests read its pixels)
        self.shown: PILImage.Image | None = None
        self._token = 0
        self.display = False  # until a case with images is shown

    def compose(self) -> ComposeResult:
        yield Static(id="media-caption")
        yield image_widget_class()(id="media-image")
        yield Static(id="media-note")

    @property
    def session(self) -> Any:
        """The app's session (the viewer reads media through the services)."""
        return appeals_app(self).session

    # -- what to show ------------------------------------------------------------------

    def show(self, hashes: list[str]) -> None:
        """A (new) case's images: start at the first, blurred, whatever was revealed before."""
        if list(hashes) != self.hashes:
            self.index = 0
        self.hashes = list(hashes)
        self.revealed = False
        self.display = bool(self.hashes)
        self._draw()

    def _draw(self) -> None:
        """Draw the current image in a worker; a newer draw makes an older one's result stale."""
        self._token += 1
        token = self._token
        if not self.hashes:
            return
        self._caption("loading…")
        self.run_worker(
            lambda: self._render_job(token),
            thread=True,
            exclusive=True,
            group="media-render",
            exit_on_error=False,
        )

    def _render_job(self, token: int) -> None:
        """Read and render one image off the event loop (the service lock held)."""
        sha = self.hashes[self.index]
        try:
            with SERVICE_LOCK:
                prefs = self.prefs or get_prefs(self.session)
                data = None if prefs.hidden else display_bytes(self.session, sha)
            if data is None:
                self.app.call_from_thread(self._put, token, prefs, None, "")
                return
            blur = 0 if self.revealed else prefs.blur
            img = display_image(data, blur=blur, greyscale=prefs.greyscale)
        except ImageRejected as exc:
            self.app.call_from_thread(self._put, token, self.prefs, None, f"cannot show: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - shown in place, never a crash
            self.app.call_from_thread(self._put, token, self.prefs, None, error_text(exc))
            return
        self.app.call_from_thread(self._put, token, prefs, img, "")

    def _put(
        self, token: int, prefs: MediaPrefs | None, img: PILImage.Image | None, problem: str
    ) -> None:
        """Show a rendered image, or the reason there is none, unless a newer draw began."""
        if token != self._token:
            return  # the moderator moved on while this was drawing
        self.prefs = prefs or self.prefs or MediaPrefs()
        image = self.query_one("#media-image")
        image.image = img  # type: ignore[attr-defined]  # textual-image class chosen at run time
        image.set_class(img is None, "-off")
        self.shown = img
        note = self.query_one("#media-note", Static)
        if problem:
            note.update(Text(problem, style="bold red"))
        elif self.prefs.hidden:
            note.update(Text("Media hidden (your preference). Press m to show.", style="italic"))
        else:
            note.update("")
        self._caption()

    def _caption(self, extra: str = "") -> None:
        """The line under the image: which of how many, the viewing preferences, any note."""
        prefs = self.prefs or MediaPrefs()
        n = len(self.hashes)
        state = (
            "hidden"
            if prefs.hidden
            else "revealed"
            if self.revealed
            else f"blurred (level {prefs.blur})"
            if prefs.blur
            else "unblurred (your blur level is 0)"
        )
        text = Text(f"Image {self.index + 1}/{n} · {state}", style="bold")
        if prefs.greyscale and not prefs.hidden:
            text.append(" · greyscale", style="bold")
        if extra:
            text.append(f" · {extra}")
        keys = "v reveal · g greyscale · m hide · +/- blur"
        text.append(f"\n{keys}" + (" · ←/→ images" if n > 1 else ""), style="dim")
        self.query_one("#media-caption", Static).update(text)

    # -- the moderator's controls -------------------------------------------------------

    def action_reveal(self) -> None:
        if not self.hashes or (self.prefs and self.prefs.hidden):
            return
        self.revealed = not self.revealed
        self._draw()

    def action_page(self, step: int) -> None:
        if len(self.hashes) < 2:
            return
        self.index = (self.index + step) % len(self.hashes)
        self.revealed = False
        self._draw()

    def _save(self, **change: Any) -> None:
        """Store a changed preference (in a worker), then redraw with it."""
        current = self.prefs or MediaPrefs()
        self.prefs = replace(current, **change)
        self.revealed = False
        self._draw()

        def job() -> None:
            """Save the changed preference (in a worker), then draw again with it."""
            try:
                with SERVICE_LOCK:
                    set_prefs(self.session, **change)
            except Exception as exc:  # noqa: BLE001 - shown, never a crash
                self.app.call_from_thread(
                    self.app.notify, error_text(exc), severity="error", markup=False
                )

        self.run_worker(job, thread=True, group="media-prefs", exit_on_error=False)

    def action_greyscale(self) -> None:
        self._save(greyscale=not (self.prefs or MediaPrefs()).greyscale)

    def action_hide(self) -> None:
        self._save(hidden=not (self.prefs or MediaPrefs()).hidden)

    def action_blur(self, step: int) -> None:
        level = min(3, max(0, (self.prefs or MediaPrefs()).blur + step))
        self._save(blur=level)
