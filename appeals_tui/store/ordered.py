"""Whole-table orders as saved indexes: the first rows of a sorted listing without decoding
the table.

Why: `appeals cases list --json | head -1` sorted every case by priority, so a fresh
process decoded all 100k cases (seconds, hundreds of MB) to print one. An unfiltered
`query`/`iterate` ordered by number or time fields is answered here from an ordered
index (one bucket, built once per snapshot and saved like the others, see
index.py/sidecar.py): its keys are walked largest-first and only the docs returned
are read. The sort key is one bytes value per doc, "largest = first": each term
(nulls first when ascending, last when descending, as `order_docs` sorts them),
then the doc's insertion position, earlier first, so ties fall back to insertion
order exactly as the protocol says.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

from appeals_tui.store.protocol import Order
from appeals_tui.store.schema import INSERTED, Table, Type
from appeals_tui.store.tinyquery import instant

__all__ = ["rankable", "order_key", "one_bucket"]

Doc = dict[str, Any]
_NUMERIC = (Type.INT, Type.FLOAT, Type.BOOL, Type.TIMESTAMP)
_SIGN = 1 << 63
_ALL = (1 << 64) - 1
_REVERSE = bytes(range(255, -1, -1))
_LAST = (1 << 64) - 1


def rankable(t: Table, order: Sequence[Order]) -> bool:
    """An order this module can keep: number/time fields only, single-valued."""
    if not order or any(o.field == INSERTED for o in order):
        return False
    names = {f.name: f for f in t.fields}
    return all(
        o.field in names and names[o.field].type in _NUMERIC and not names[o.field].multi
        for o in order
    )


def one_bucket(doc: Doc) -> int:
    """Every doc in the same bucket: the index is the table's order itself."""
    return 0


def _number(value: float) -> bytes:
    bits = struct.unpack(">Q", struct.pack(">d", float(value)))[0]
    bits = bits ^ _ALL if bits & _SIGN else bits | _SIGN  # IEEE order -> unsigned order
    return struct.pack(">Q", bits)


def order_key(
    t: Table, order: Sequence[Order], position: Callable[[str], int]
) -> Callable[[Doc], bytes]:
    """The doc's place in `order` as bytes, largest = first (see the module docstring)."""
    terms = [(o.descending, t.field(o.field)) for o in order]

    def key(doc: Doc) -> bytes:
        out = []
        for descending, f in terms:
            v = f.value(doc)
            if f.type is Type.TIMESTAMP:
                v = instant(v)
            if descending:  # larger first, null last
                out.append(b"\x00" * 9 if v is None else b"\x01" + _number(v))
            else:  # smaller first, null first
                raw = (
                    b"\x01" + b"\x00" * 8 if v is None else b"\x00" + _number(v).translate(_REVERSE)
                )
                out.append(raw)
        pos = position(str(doc.get(t.key, "")))
        out.append(struct.pack(">Q", _LAST - min(pos, _LAST)))
        return b"".join(out)

    return key
