"""Checks on free text written by moderators (reasoning, grounds, notes)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_meaningful", "clean_text", "MIN_REASONING_CHARS"]

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
