"""Record digests: how the audit chain commits to every record's content.

Why: hash-chaining only the events left the records themselves (a decision's
action, a user's role) editable without trace. Each transaction's last event
carries, under payload["records"], a digest of every record and meta value it
wrote; `verify` replays those digests and compares them with the files record by
record. A digest is `SHA256:KEYS:F1F2...`: the SHA-256 of the record's canonical
JSON (the security), then short checksums of its field names and of each field
(sorted by name) so a divergence can be reported by field, not only by record.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

import orjson

__all__ = ["canonical", "digest", "divergence", "record_name", "META_TABLE"]

#: the pseudo-table under which workspace meta values are attested
META_TABLE = "meta"
_SORT = orjson.OPT_SORT_KEYS


def record_name(table: str, key: str) -> str:
    return f"{table}/{key}"


def canonical(value: Any) -> bytes:
    """The bytes a digest hashes whole (keys sorted)."""
    return orjson.dumps(value, option=_SORT)


#: a short text field value -> its field checksum ("%03x"): records of one import repeat
#: most of theirs (its time, a reason, a platform, a case id), and a text's checksum is
#: the same wherever it appears
_TEXT_SUMS: dict[str, str] = {}
_TEXT_SUMS_KEEP = 8192
_TEXT_SUMS_LONGEST = 256
#: a record's keys in their order -> (the keys sorted, the names' checksum): the records
#: of a table mostly share one order of keys
_KEY_SETS: dict[tuple[str, ...], tuple[Callable[[Any], tuple[Any, ...]], str]] = {}
_KEY_SETS_KEEP = 256
#: the field checksums of null, true and false (most records hold a few of them)
_NULL_SUM, _TRUE_SUM, _FALSE_SUM = (
    "%03x" % (zlib.crc32(orjson.dumps(v)) & 0xFFF) for v in (None, True, False)
)


def _getter(keys: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's values of these keys, in their order, as a tuple (one C call)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    return lambda value: tuple(value[k] for k in keys)  # itemgetter of one key: no tuple


def digest(value: Any, whole: bytes | None = None) -> str:
    """The digest of a record (a dict) or of a meta value (anything JSON). `whole`:
    `canonical(value)` if the caller made it already (a staged import uses it twice)."""
    dumps, crc = orjson.dumps, zlib.crc32  # local names: a staged import digests every record
    full = hashlib.sha256(dumps(value, option=_SORT) if whole is None else whole).hexdigest()
    if not isinstance(value, Mapping):
        return full
    order = tuple(value)
    known = _KEY_SETS.get(order)
    if known is None:  # the sorted keys and their checksum, once per order of keys
        keys = sorted(value)
        known = (_getter(keys), "%04x" % (crc("\0".join(keys).encode()) & 0xFFFF))
        if len(_KEY_SETS) >= _KEY_SETS_KEEP:
            _KEY_SETS.clear()
        _KEY_SETS[order] = known
    fields, names = known
    sums, parts = _TEXT_SUMS, []
    for field in fields(value):
        kind = type(field)
        if kind is str and len(field) <= _TEXT_SUMS_LONGEST:
            part = sums.get(field)
            if part is None:
                if len(sums) >= _TEXT_SUMS_KEEP:
                    sums.clear()
                part = sums[field] = "%03x" % (crc(dumps(field)) & 0xFFF)
        elif field is None:
            part = _NULL_SUM
        elif kind is bool:
            part = _TRUE_SUM if field else _FALSE_SUM
        else:
            part = "%03x" % (crc(dumps(field, option=_SORT)) & 0xFFF)
        parts.append(part)
    return f"{full}:{names}:{''.join(parts)}"


def divergence(value: Any, expected: str) -> str:
    """Which part of `value` differs from the content `expected` was made of."""
    if digest(value) == expected:
        return ""
    if not isinstance(value, Mapping) or expected.count(":") != 2:
        return "value differs from the audit chain"
    now = digest(value).split(":")
    _, names, fields = expected.split(":")
    if now[1] != names:
        return f"fields added or removed (now: {', '.join(sorted(value))})"
    keys = sorted(value)
    for i, key in enumerate(keys):
        if fields[3 * i : 3 * i + 3] != now[2][3 * i : 3 * i + 3]:
            return f"field '{key}' differs from the audit chain"
    return "content differs from the audit chain"
