"""The chain's canonical JSON is the stdlib's text, whichever library writes it."""

from __future__ import annotations

import json
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from appeals_tui.store.audit import canonical


def stdlib(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_character_is_written_as_the_stdlib_writes_it() -> None:
    for start in range(0, 0x110000, 0x800):
        chars = [chr(c) for c in range(start, start + 0x800) if not 0xD800 <= c <= 0xDFFF]
        value = {c: c for c in chars}  # as keys (their order) and as values
        assert canonical(value) == stdlib(value)
        assert canonical(chars) == stdlib(chars)


text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6)
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_value = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(text, inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(json_value)
def test_any_json_value_is_written_as_the_stdlib_writes_it(value: Any) -> None:
    assert canonical(value) == stdlib(value)


@pytest.mark.parametrize(
    "odd",
    [{1: "int key"}, {"a": "\ud800"}, ["\udfff"], {"e": 1e16}, {"n": float("nan")}],
    ids=["int key", "lone surrogate", "lone low surrogate", "1e16", "nan"],
)
def test_what_only_the_stdlib_writes_is_left_to_it(odd: Any) -> None:
    try:
        want: bytes | type[BaseException] = stdlib(odd)
    except Exception as exc:  # noqa: BLE001 - the same outcome is wanted
        want = type(exc)
    try:
        got: bytes | type[BaseException] = canonical(odd)
    except Exception as exc:  # noqa: BLE001
        got = type(exc)
    assert got == want
