"""Near-duplicate texts: the same caption or comic reposted with small edits.

Why: a network reposts one piece across accounts with a changed emoji, hashtag or
episode number, so exact comparison misses it. Candidates are found cheaply by a
bottom-k sketch (the k smallest hashes of the text's character shingles: texts
that differ a little share most of them); each candidate pair is then confirmed by
`rapidfuzz` (fuzz.ratio, the normalised Indel similarity) against `min_ratio`.
Thresholds live in ``data/networks.json`` (read by `store.shipped`), validated here.
"""

from __future__ import annotations

import hashlib
import heapq
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from appeals_tui.domain.errors import ValidationError

__all__ = [
    "NearDupSettings",
    "parse_settings",
    "normalise",
    "text_key",
    "sketch",
    "similar",
    "ratio",
]


@dataclass(frozen=True)
class NearDupSettings:
    min_ratio: float = 88.0
    min_length: int = 24
    shingle: int = 4
    sketch: int = 8
    common_cap: int = 200
    compare: int = 8


_LIMITS: dict[str, tuple[type, float, float]] = {
    "min_ratio": (float, 50, 100),
    "min_length": (int, 1, 10_000),
    "shingle": (int, 2, 20),
    "sketch": (int, 1, 64),
    "common_cap": (int, 2, 1_000_000),
    "compare": (int, 1, 1000),
}


def parse_settings(name: str, data: Any) -> NearDupSettings:
    """Validate parsed ``networks.json``; every problem is named (``FILE: field: problem``)."""
    section = data.get("near_duplicate") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        msg = f"{name}: near_duplicate: missing or not an object"
        raise ValidationError(msg, [msg])
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, (kind, low, high) in _LIMITS.items():
        value = section.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not isinstance(value, int | float)
            or not number
            or (kind is int and not float(value).is_integer())
            or not low <= value <= high
        ):
            problems.append(
                f"{name}: near_duplicate.{key}: must be a{'n integer' if kind is int else ' number'} "
                f"from {low:g} to {high:g}, got {value!r}"
            )
        else:
            values[key] = kind(value)
    for key in section:
        if key not in _LIMITS:
            problems.append(f"{name}: near_duplicate.{key}: unknown setting")
    if problems:
        raise ValidationError(f"{name} is invalid ({len(problems)} problems)", problems)
    return NearDupSettings(**values)


def normalise(*texts: str | None) -> str:
    """NFKC, case-folded, whitespace collapsed: the form texts are compared in."""
    joined = " ".join(t for t in texts if t)
    folded = unicodedata.normalize("NFKC", joined).casefold()
    if folded.isprintable() and "  " not in folded:
        # every whitespace character but " " is unprintable, so the only whitespace here
        # is single spaces: collapsing changes nothing but the ends (most texts; half the time)
        return folded.strip(" ")
    # split/join: what `re.sub(r"\s+", " ", ...).strip()` gives (the same whitespace), 3x faster
    return " ".join(folded.split())


def text_key(norm: str) -> int:
    """A 63-bit key of a normalised text (exact duplicates share it; fits a SQL bigint)."""
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def sketch(norm: str, settings: NearDupSettings) -> tuple[int, ...]:
    """The `settings.sketch` smallest CRC-32s of the text's shingles (character
    windows, read from one UTF-32 encoding of the text rather than encoding each)."""
    k = settings.shingle
    if len(norm) < k:
        return (zlib.crc32(norm.encode("utf-8")),)
    data = memoryview(norm.encode("utf-32-le"))
    width = 4 * k
    crc = zlib.crc32
    hashes = {crc(data[i : i + width]) for i in range(0, len(data) - width + 4, 4)}
    return tuple(heapq.nsmallest(settings.sketch, hashes))


def similar(a: str, b: str, settings: NearDupSettings) -> float:
    """rapidfuzz similarity (0-100) if at least `min_ratio`, else 0."""
    return fuzz.ratio(a, b, score_cutoff=settings.min_ratio)


def ratio(a: str, b: str) -> float:
    """rapidfuzz similarity (0-100), whatever it is (to show how alike two texts are)."""
    return fuzz.ratio(a, b)
