"""Reversible escaping of NUL for PostgreSQL text and jsonb.

Why: report text is hostile by assumption and may carry NUL, which PostgreSQL
refuses in `text` and in jsonb strings. A string containing NUL, or starting
with the escape mark itself, is stored as MARK + the string with MARK doubled
and NUL written as MARK "0"; every other string is stored unchanged, so ordinary
text stays searchable and sortable as itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MARK", "encode_str", "decode_str", "encode_json", "decode_json"]

MARK = "\x01"
#: a float jsonb would give back changed (1e16 prints as 10000000000000000, -0.0 as 0.0): kept as
#: this prefix + repr. No escaped string starts with it (after MARK MARK comes MARK or 0).
FLOAT = MARK + MARK + "F"


def encode_str(value: str) -> str:
    if "\x00" not in value and not value.startswith(MARK):
        return value
    return MARK + value.replace(MARK, MARK + MARK).replace("\x00", MARK + "0")


def decode_str(value: str) -> str:
    if not value.startswith(MARK):
        return value
    out: list[str] = []
    it = iter(value[1:])
    for ch in it:
        if ch == MARK:
            nxt = next(it, "")
            out.append("\x00" if nxt == "0" else nxt)
        else:
            out.append(ch)
    return "".join(out)


def encode_json(value: Any) -> Any:
    """Every string in a JSON value (keys included) made safe for jsonb."""
    if isinstance(value, str):
        return encode_str(value)
    if type(value) is float and ("e" in repr(value) or repr(value) == "-0.0"):
        return FLOAT + repr(value)
    if isinstance(value, dict):
        return {encode_str(k): encode_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode_json(v) for v in value]
    return value


def decode_json(value: Any) -> Any:
    if isinstance(value, str):
        return float(value[3:]) if value.startswith(FLOAT) else decode_str(value)
    if isinstance(value, dict):
        return {decode_str(k): decode_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_json(v) for v in value]
    return value
