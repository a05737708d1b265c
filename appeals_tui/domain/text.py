"""Checks on free text written by moderators (reasoning, grounds, notes)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_meaningful", "clean_text", "visible", "MIN_REASONING_CHARS"]

MIN_REASONING_CHARS = 15
_WORD = re.compile(r"\w+", re.UNICODE)


def clean_text(value: str | None) -> str:
    """Strip surrounding whitespace and control characters that are not line breaks or tabs."""
    if not value:
        return ""
    kept = [ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")]
    return "".join(kept).strip()


def is_meaningful(value: str | None, min_chars: int = MIN_REASONING_CHARS) -> bool:
    """At least a sentence: enough characters and at least three words (or CJK equivalent)."""
    text = clean_text(value)
    if len(text) < min_chars:
        return False
    words = _WORD.findall(text)
    # Korean/Japanese sentences may have few spaces; count characters of long words instead.
    return len(words) >= 3 or sum(len(w) for w in words) >= min_chars


#: Characters that reorder or hide text; shown as their code so they cannot spoof.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def visible(text: str | None, *, keep_newlines: bool = True) -> str:
    """Replace control characters with a printable `\\x1b`-style code.

    Report text is hostile by assumption: an ANSI escape or a bidi override must
    be seen, never obeyed, whether in the TUI or on a terminal via the CLI.
    """
    if not text:
        return ""
    out: list[str] = []
    for ch in text:
        if ch == "\n":
            out.append("\n" if keep_newlines else " ")
        elif ch == "\t":
            out.append("    ")
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Co"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
