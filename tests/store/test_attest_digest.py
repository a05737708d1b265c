"""A record's digest is the same whichever way it is computed (the chain depends on it)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from typing import Any

import hypothesis.strategies as st
import orjson
from hypothesis import given, settings

from appeals_tui.store.attest import canonical, digest

_SORT = orjson.OPT_SORT_KEYS


def reference(value: Any) -> str:
    """The definition (attest.py's docstring), computed the plain way."""
    full = hashlib.sha256(orjson.dumps(value, option=_SORT)).hexdigest()
    if not isinstance(value, Mapping):
        return full
    keys = sorted(value)
    names = zlib.crc32("\0".join(keys).encode()) & 0xFFFF
    crcs = (zlib.crc32(orjson.dumps(value[k], option=_SORT)) & 0xFFF for k in keys)
    return f"{full}:{names:04x}:" + "".join(f"{c:03x}" for c in crcs)


keys = st.one_of(st.text(max_size=6), st.sampled_from(['a"b', "\n", "é", "\U0001f600", "\ue000"]))
leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False)
)
json_value = st.recursive(
    st.one_of(leaf, st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dictionaries(keys, json_value, max_size=6), json_value))
def test_digest_is_the_defined_one(value: Any) -> None:
    assert digest(value) == reference(value)
    assert digest(value, canonical(value)) == reference(value)  # a staged record's way


def test_a_text_seen_before_sums_the_same_in_any_field() -> None:
    """attest keeps the checksums of short texts it has seen (an import repeats them)."""
    first = {"a": "같은 글", "b": "x" * 300, "c": ["같은 글"], "d": {"e": "같은 글"}}
    again = {"z": "같은 글", "a": "x" * 300, "b": "같은 글", "c": None}
    for value in (first, again, first):
        assert digest(value) == reference(value)
