"""The type of what `--json` prints: JSON values, not `Any`.

Why: a read model's serialiser (`to_json`/`to_dict`, used by `appeals_tui.jsonout`
when its documented JSON shape differs from its fields) returns a JSON object; saying
so lets mypy refuse a value JSON cannot hold (a set, a datetime, a dataclass), which
`dict[str, Any]` would let through. Sequences and mappings are the read-only
(covariant) kinds, so a `list[str]` field is a JSON value as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

__all__ = ["JsonValue", "JsonObject"]

JsonValue: TypeAlias = (
    str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
)
#: one JSON object as a serialiser builds it
JsonObject: TypeAlias = dict[str, JsonValue]
