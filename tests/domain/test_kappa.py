"""Cohen's kappa against hand-computed and textbook values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals_tui.domain.kappa import agreement_by, cohen_kappa


def table(yy: int, yn: int, ny: int, nn: int) -> list[tuple[str, str]]:
    """A 2x2 contingency table as (rater A, rater B) pairs."""
    return [("y", "y")] * yy + [("y", "n")] * yn + [("n", "y")] * ny + [("n", "n")] * nn


def test_textbook_two_by_two_kappa_point_four():
    # Wikipedia "Cohen's kappa", worked example: p_o = 0.7, p_e = 0.5, kappa = 0.4
    a = cohen_kappa(table(20, 5, 10, 15))
    assert a.n == 50 and a.agreed == 35
    assert a.observed == pytest.approx(0.7)
    assert a.expected == pytest.approx(0.5)
    assert a.kappa == pytest.approx(0.4)


def test_textbook_similar_agreement_different_kappa():
    # Same source: 45/15/25/15 -> p_o 0.60, p_e 0.54, kappa 0.1304
    a = cohen_kappa(table(45, 15, 25, 15))
    assert a.observed == pytest.approx(0.6)
    assert a.expected == pytest.approx(0.54)
    assert a.kappa == pytest.approx(0.06 / 0.46)


def test_perfect_agreement_is_one():
    pairs = [(x, x) for x in ["label", "remove_content", "geo_block", "label"]]
    assert cohen_kappa(pairs).kappa == pytest.approx(1.0)


def test_agreement_at_chance_is_zero():
    a = cohen_kappa([("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")])
    assert a.observed == pytest.approx(0.5) and a.expected == pytest.approx(0.5)
    assert a.kappa == pytest.approx(0.0)


def test_systematic_disagreement_is_negative():
    assert cohen_kappa([("a", "b"), ("b", "a")]).kappa == pytest.approx(-1.0)


def test_three_categories_by_hand():
    # A: a a a b b c ; B: a a b b c c -> p_o = 4/6
    # p_e = (3*2 + 2*2 + 1*2) / 36 = 12/36 ; kappa = (4/6 - 1/3) / (2/3) = 0.5
    pairs = list(zip("aaabbc", "aabbcc", strict=True))
    assert cohen_kappa(pairs).kappa == pytest.approx(0.5)


def test_degenerate_single_label_counts_as_agreement():
    a = cohen_kappa([("label", "label")] * 3)
    assert a.expected == 1.0 and a.kappa == 1.0


def test_no_items_gives_none():
    a = cohen_kappa([])
    assert (a.n, a.observed, a.kappa) == (0, None, None)
    assert a.to_dict() == {"n": 0, "agreed": 0, "observed": None, "expected": None, "kappa": None}


def test_agreement_by_counts_rows_in_every_group():
    rows = [(["CSS-1"], "a", "a"), (["CSS-1", "KR-1"], "b", "b"), (["KR-1"], "a", "b")]
    out = agreement_by(rows)
    assert list(out) == ["CSS-1", "KR-1"]
    assert out["CSS-1"].n == 2 and out["CSS-1"].kappa == 1.0
    assert out["KR-1"].n == 2 and out["KR-1"].observed == 0.5


labels = st.sampled_from(["no_action", "label", "restrict_reach", "remove_content"])


@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=40))
def test_kappa_bounded_and_symmetric(pairs):
    a = cohen_kappa(pairs)
    b = cohen_kappa([(y, x) for x, y in pairs])
    assert -1.0 - 1e-9 <= a.kappa <= 1.0 + 1e-9
    assert a.kappa == pytest.approx(b.kappa)
    assert 0.0 <= a.observed <= 1.0
