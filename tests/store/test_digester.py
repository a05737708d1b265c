"""Record digests made by the digest helper process (store/digester.py) are the ones
the staging makes itself, and a helper that stops fails the staging cleanly.

Why: the chain commits to every staged record through these digests; a helper whose
digest differed in any field would write a chain `appeals verify` refuses.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import orjson
import pytest
from hypothesis import given, settings

from appeals_tui.domain.errors import StoreError
from appeals_tui.store import digester
from appeals_tui.store.attest import canonical, digest
from appeals_tui.store.digester import Digester


class Status(enum.StrEnum):
    OPEN = "open"


HOSTILE = [
    "신고: 욕설 및 괴롭힘",
    'quote " and \\ backslash',
    "tab\tline\nreturn\r NUL\x00 mark\x01",
    "\u202eright-to-left\u2028\x7f",
    "😀",
    "x" * 300,  # longer than the texts whose checksums are kept
    "",
]
text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8),
    st.sampled_from(HOSTILE),
)
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),  # NaN and the infinities too: canonical writes null for them
    text,
    st.just(Status.OPEN),
    st.just(datetime(2026, 11, 30, 21, 0, tzinfo=UTC)),
)
value = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(text, inner, max_size=3)
    ),
    max_leaves=10,
)
record = st.dictionaries(text, value, max_size=8)


@settings(max_examples=300, deadline=None)
@given(record)
def test_a_digest_made_from_the_canonical_bytes_is_the_records(doc: dict[str, Any]) -> None:
    whole = canonical(doc)
    assert digest(orjson.loads(whole), whole) == digest(doc, whole)


def test_floats_that_are_not_numbers_digest_as_null_both_ways() -> None:
    doc = {"nan": math.nan, "inf": -math.inf, "none": None}
    whole = canonical(doc)
    assert digest(orjson.loads(whole), whole) == digest(doc, whole)


def _records(n: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            f"reports/R-{i}",
            {"report_id": f"R-{i}", "text": HOSTILE[i % len(HOSTILE)], "n": i, "s": Status.OPEN},
        )
        for i in range(n)
    ]


@pytest.fixture
def helper(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(digester.ENV, "1")
    assert Digester.wanted(0)
    started = Digester.start()
    assert started is not None and started.ready(wait=True)
    yield started
    started.close()


def test_the_helper_gives_back_each_batchs_digests(helper: Digester) -> None:
    records = _records(2500)
    want: list[dict[str, str]] = [{}]
    for i, (name, doc) in enumerate(records):
        helper.add(name, canonical(doc))
        want[-1][name] = digest(doc, canonical(doc))
        if i % 1000 == 999:
            helper.cut()
            want.append({})
    helper.cut()
    helper.finish()
    got = list(helper.batches())
    assert got == want
    assert [list(b) for b in got] == [list(b) for b in want]  # in the order handed over


def test_a_helper_that_stops_fails_with_a_clear_error(helper: Digester) -> None:
    helper._proc.kill()
    helper._proc.wait()
    with pytest.raises(StoreError, match="digest helper stopped"):
        for name, doc in _records(2000):  # more than a pipe holds
            helper.add(name, canonical(doc))
        helper.finish()


def test_a_helper_that_gives_back_less_is_refused(helper: Digester) -> None:
    helper.add("reports/R-1", canonical({"a": 1}))
    helper.cut()
    helper.finish()
    helper.cuts += 1  # one batch more than it was handed
    with pytest.raises(StoreError, match="less than it was handed"):
        list(helper.batches())


def test_no_helper_when_switched_off_or_too_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(digester.ENV, "0")
    assert not Digester.wanted(10**9)
    monkeypatch.delenv(digester.ENV)
    assert not Digester.wanted(digester.AFTER - 1)


def test_a_helper_that_cannot_start_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(digester.sys, "executable", "/nonexistent/python")
    assert Digester.start() is None
    monkeypatch.setattr(digester.sys, "executable", "/bin/true")  # starts, stops at once
    started = Digester.start()
    assert started is not None and started.ready(wait=True) is None
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexec sleep 30\n")
    silent.chmod(0o755)
    monkeypatch.setattr(digester.sys, "executable", str(silent))  # never says it is ready
    monkeypatch.setattr(digester, "START_WAIT", 0.3)
    started = Digester.start()
    assert started is not None and started.ready() is False  # not yet: asked again later
    assert started.ready(wait=True) is None
    assert started._proc.poll() is not None  # stopped
