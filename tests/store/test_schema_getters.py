"""Each declared field's compiled getter gives what the reference evaluation gives."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from appeals_tui.store.schema import SCHEMA, Field

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.text(max_size=4),
    st.just(""),
)
value = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner)
)

#: the fields with a compiled getter (the others' getter is the reference itself)
FIELDS = [(t.name, f) for t in SCHEMA.tables for f in t.fields if f.getter != f._evaluate]


def _names(f: Field) -> list[str]:
    return sorted({part.removesuffix("[]") for p in f.paths for part in p.split(".")})


@st.composite
def doc_for(draw: Any, f: Field) -> dict[str, Any]:
    """A doc that may hold each part of the field's paths, nested or not, or anything else."""
    names = _names(f)

    def node(depth: int) -> Any:
        if depth > 2 or draw(st.booleans()):
            return draw(value)
        made = {n: node(depth + 1) for n in draw(st.lists(st.sampled_from(names), unique=True))}
        return [made, node(depth + 1)] if draw(st.booleans()) else made

    top = node(0)
    return top if isinstance(top, dict) else {names[0]: top}


def _outcome(fn: Any, doc: dict[str, Any]) -> Any:
    """The value, or the type of what was raised (an unhashable multi value: both raise)."""
    try:
        return fn(doc)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc)


@pytest.mark.parametrize(("table", "f"), FIELDS, ids=[f"{t}.{f.name}" for t, f in FIELDS])
def test_the_compiled_getter_agrees_with_the_reference(table: str, f: Field) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(doc_for(f))
    def check(doc: dict[str, Any]) -> None:
        assert _outcome(f.getter, doc) == _outcome(f._evaluate, doc)

    check()
