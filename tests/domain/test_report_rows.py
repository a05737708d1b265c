"""The fast check of a usual report row agrees with the full one.

Why: `_usual_row` validates the common row (JSON types as the format says) in one
quick pass and hands anything else to `_check_row`, the definition. Whatever it
accepts must be exactly what `_check_row` gives (same values, same key order), and
whatever has a problem must go to `_check_row`, which names it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import hypothesis.strategies as st
from hypothesis import given, settings

from appeals_tui.domain.reports import (
    FIELD_LIMITS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    ImportLimits,
    _check_row,
    _latest,
    _usual_row,
)

LIMITS = ImportLimits(now=lambda: datetime(2026, 11, 20, tzinfo=UTC))
LATEST = _latest(LIMITS)

USUAL = {
    "report_id": "R-1",
    "reported_at": "2026-11-19T09:00:00+09:00",
    "reporter": " u1\t",
    "reason": "sexual_services",
    "platform": "instagram",
    "subject_type": "post",
    "subject_id": "s1",
    "account": "acct",
    "content_text": "실화 웹툰 ☎ 010-4827-1936",
    "media_description": "",
    "jurisdiction": "kr ",
    "followers": 12,
    "views": 0,
    "url": "https://x/p",
    "media": [],
}

texts = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", "  ", " x ", "post", "reel", "tweet", "KR", "k r", "x" * 300]),
    st.sampled_from(
        [
            "2026-11-19T09:00:00+09:00",
            "2026-11-19T09:00:00",
            "1999-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "soon",
        ]
    ),
)
values = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(-5, 10**13),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    row: dict[str, object] = dict(USUAL)
    for name in draw(st.lists(st.sampled_from([*REQUIRED_FIELDS, *OPTIONAL_FIELDS, "extra"]))):
        if draw(st.booleans()):
            row.pop(name, None)
        else:
            row[name] = draw(values)
    return row


def _media_check(entry: str) -> str | None:
    return "missing" if entry == "bad" else None


@settings(max_examples=600, deadline=None)
@given(rows(), st.sampled_from([None, _media_check]))
def test_a_row_the_fast_check_takes_is_one_the_full_check_passes_alike(row, check):
    usual = _usual_row(row, check, LATEST)
    clean, problems = _check_row(row, check, LIMITS, LATEST)
    if usual is not None:
        assert problems == []
        assert usual == clean and list(usual) == list(clean)


def test_the_usual_row_takes_the_fast_check():
    assert _usual_row(dict(USUAL), _media_check, LATEST) is not None
    assert _usual_row({k: v for k, v in USUAL.items() if k != "media"}, None, LATEST) is not None
    # anything to convert or refuse goes to the full check
    for change in (
        {"followers": "12"},
        {"media": ["a.png"]},
        {"reporter": " "},
        {"url": "u" * (FIELD_LIMITS["url"] + 1)},
        {"reported_at": "2026-11-19T09:00:00"},
        {"extra": 1},
    ):
        assert _usual_row({**USUAL, **change}, _media_check, LATEST) is None, change
