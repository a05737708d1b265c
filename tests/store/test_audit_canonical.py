"""The chain's canonical JSON is the stdlib's text, whichever library writes it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from appeals_tui.store.audit import canonical, event_hash, event_pieces


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


#: texts an event's fields may hold: any character, hostile ones and Korean among them
any_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8),
    st.sampled_from(
        [
            "신고: 욕설 및 괴롭힘",
            'quote " and \\ backslash',
            "tab\tline\nreturn\r NUL\x00 MARK\x01",
            "\x01starts with the mark",
            "\u202eright-to-left\u2028line sep\x7f",
            "😀 emoji and 한국어",
            "",
        ]
    ),
)


def _event(seq: int, at: str, actor: str, kind: str, entity: str, payload: Any, prev: str):
    return {
        "seq": seq,
        "at": at,
        "actor": actor,
        "type": kind,
        "entity": entity,
        "payload": payload,
        "prev_hash": prev,
    }


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 2**70),
    any_text,
    any_text,
    any_text,
    any_text,
    json_value,
    st.one_of(
        st.just("0" * 64), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), any_text
    ),
)
def test_event_pieces_make_the_events_canonical_json(
    seq: int, at: str, actor: str, kind: str, entity: str, payload: Any, prev: str
) -> None:
    """head + prev_hash + seq + tail is `canonical(event)`, byte for byte, for any text
    and payload; None only where canonical leaves the event to the stdlib."""
    event = _event(seq, at, actor, kind, entity, payload, prev)
    pieces = event_pieces(at, actor, kind, entity, payload)
    if pieces is None:
        # a float or a big int somewhere: orjson's text is not canonical's
        assert _has_float_or_big_int(payload)
        return
    head, tail = pieces
    assert head + canonical(prev) + b',"seq":' + canonical(seq) + tail == canonical(event)
    hashed = hashlib.sha256(head + canonical(prev) + b',"seq":' + canonical(seq) + tail)
    assert hashed.hexdigest() == event_hash(event)


def _has_float_or_big_int(value: Any) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, float):
        return True
    if isinstance(value, int):
        return not -(2**63) <= value < 2**63
    items = value.values() if isinstance(value, dict) else value
    return any(_has_float_or_big_int(v) for v in items)


@pytest.mark.parametrize(
    ("payload", "actor"),
    [
        ({"f": 0.5}, "minji"),  # a float: canonical is the stdlib's
        ({"a": "\ud800"}, "minji"),  # a lone surrogate: orjson refuses it
        ({"big": 2**64}, "minji"),
        ({1: "int key"}, "minji"),
        ({"ok": "fine"}, "lone \udfff"),
    ],
    ids=["float", "lone surrogate", "big int", "int key", "surrogate actor"],
)
def test_event_pieces_leave_what_orjson_does_not_write_to_the_whole_event(
    payload: Any, actor: str
) -> None:
    assert event_pieces("2026-11-30T21:00:00+00:00", actor, "t", "e", payload) is None


def test_event_pieces_take_only_exact_strings() -> None:
    class Text(str):
        pass

    assert event_pieces(Text("2026"), "a", "t", "e", {}) is None
    assert event_pieces("2026", "a", "t", "e", {"k": Text("v")}) is None
    assert event_pieces("2026", "a", "t", "e", {"k": "v"}) is not None
