"""Showing report and user text safely: literally, never as markup or terminal control.

Report text is hostile by assumption. Markup escaping is bypassable, so user text
only ever reaches the screen as `Content`/`Text` objects built here, with control
characters (ANSI escapes, NUL, bidi overrides) made visible instead of obeyed.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from ..domain.text import visible

__all__ = ["visible", "one_line", "content", "cell"]


def one_line(text: str | None, width: int = 80) -> str:
    """`text` on one line, control characters visible, cut to `width` with an ellipsis."""
    flat = " ".join(visible(text, keep_newlines=False).split())
    return flat if len(flat) <= width else flat[: max(width - 1, 1)] + "…"


def content(text: str | None, *, limit: int = 20_000) -> Content:
    """A literal `Content` for a Static/Label; very long text is cut with a note."""
    shown = visible(text)
    if len(shown) > limit:
        shown = shown[:limit] + f"\n… ({len(shown) - limit} more characters not shown)"
    return Content(shown)


def cell(text: object, width: int = 60, style: str = "") -> Text:
    """A literal one-line DataTable cell (plain `str` cells would be parsed as markup)."""
    return Text(one_line(str(text) if text is not None else "", width), style=style, no_wrap=True)
