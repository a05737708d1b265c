"""Showing report and user text safely: literally, never as markup or terminal control.

Report text is hostile by assumption. Markup escaping is bypassable, so user text
only ever reaches the screen as `Content`/`Text` objects built here, with control
characters (ANSI escapes, NUL, bidi overrides) made visible instead of obeyed.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual.content import Content

__all__ = ["visible", "one_line", "content", "cell"]

#: Characters that reorder or hide text; shown as their code so they cannot spoof.
_BIDI_CONTROLS = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
}


def visible(text: str | None, *, keep_newlines: bool = True) -> str:
    """Replace control characters with a printable `\\x1b`-style code."""
    if not text:
        return ""
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    ")
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str | None, width: int = 80) -> str:
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
