"""Korean particles chosen by the word's last sound (받침), never "을(를)" when known."""

from __future__ import annotations

import pytest

from appeals_tui.domain.korean import has_final_consonant, particle, with_particle


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("게시물", "을/를", "게시물을"),
        ("스토리", "을/를", "스토리를"),
        ("릴스", "을/를", "릴스를"),
        ("댓글", "을/를", "댓글을"),
        ("메시지", "을/를", "메시지를"),
        ("계정", "이/가", "계정이"),
        ("스토리", "이/가", "스토리가"),
        ("결정", "은/는", "결정은"),
        ("이의제기", "은/는", "이의제기는"),
        ("CSS-3", "을/를", "CSS-3을"),  # 삼
        ("CSS-5", "을/를", "CSS-5를"),  # 오
        ("KR-1", "이/가", "KR-1이"),  # 일
        ("post", "을/를", "post를"),  # 포스트
        ("reel", "을/를", "reel을"),  # 릴
        ("서울", "으로/로", "서울로"),  # ㄹ takes 로
        ("텔레그램", "으로/로", "텔레그램으로"),
        ("카카오", "으로/로", "카카오로"),
        ("계정 (정지됨)", "이/가", "계정 (정지됨)이"),  # the last sound, past brackets
    ],
)
def test_particle_follows_the_last_sound(word, pair, expected):
    assert with_particle(word, pair) == expected


def test_unknown_ending_writes_both_forms():
    assert particle("🙂", "을/를") == "을(를)"
    assert particle("", "이/가") == "이(가)"


def test_has_final_consonant():
    assert has_final_consonant("게시물") and has_final_consonant("댓글")
    assert not has_final_consonant("스토리") and not has_final_consonant("CSS-2")
