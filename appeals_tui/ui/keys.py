"""One declaration per screen command: its key, footer text, help text and palette entry.

Why: help (`?`), the footer and the command palette (ctrl+p) are all built from a
screen's BINDINGS, so they can't drift apart. A `Key` is a Textual `Binding` that
may also name its palette entry; the few commands with no key are a screen's
`PALETTE_ONLY`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

__all__ = ["Key", "palette_entries"]


@dataclass(frozen=True)
class Key(Binding):
    """A binding that is also a command palette entry when `palette` names it."""

    #: the palette's name for this command (None: not in the palette)
    palette: str | None = None
    #: the palette's one-line help (default: the binding's tooltip)
    palette_help: str | None = None


def palette_entries(screen: Any) -> list[tuple[str, str, str]]:
    """(name, help, action) of every palette command `screen` declares."""
    bindings: Iterable[Any] = getattr(screen, "BINDINGS", ())
    entries = [
        (b.palette, b.palette_help or b.tooltip, b.action)
        for b in bindings
        if isinstance(b, Key) and b.palette
    ]
    return entries + list(getattr(screen, "PALETTE_ONLY", ()))
