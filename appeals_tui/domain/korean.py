"""Korean particles that depend on the word before them (을/를, 이/가, 은/는, 과/와, 으로/로).

Why: a notice that says "post을(를)" reads as machine output. The particle is chosen by
whether the word's last syllable has a final consonant (받침); for a word ending in a
digit or a Latin letter, by how Koreans read it aloud. Pure: no I/O.
"""

from __future__ import annotations

__all__ = ["has_final_consonant", "particle", "with_particle"]

#: particle pairs: (after a final consonant, after a vowel)
_PAIRS: dict[str, tuple[str, str]] = {
    "을/를": ("을", "를"),
    "이/가": ("이", "가"),
    "은/는": ("은", "는"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
    "이에요/예요": ("이에요", "예요"),
}

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
#: digits read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구
_DIGIT_FINAL = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False,
                "6": True, "7": True, "8": True, "9": False}  # fmt: skip
#: Latin letters as read aloud (엘, 엠, 엔, 알 end in a consonant; 에이, 비, 씨 ... do not)
_LATIN_FINAL = set("lmnr")
#: the final ㄹ, which takes 로 (not 으로) as a vowel does
_RIEUL = 8


def _final(word: str) -> int | None:
    """The last syllable's final consonant index (0: none), or None if unknown."""
    for ch in reversed(word.strip()):
        code = ord(ch)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            return (code - _HANGUL_FIRST) % 28
        if ch in _DIGIT_FINAL:
            return 1 if _DIGIT_FINAL[ch] else 0  # 1 stands for "some consonant"
        if ch.isascii() and ch.isalpha():
            low = ch.lower()
            return _RIEUL if low in "lr" else (1 if low in _LATIN_FINAL else 0)
        if ch.isalnum():
            return None
    return None


def has_final_consonant(word: str) -> bool:
    """True when the word ends in a consonant sound (받침): 게시물, 댓글, CSS-3 (삼);
    False for 스토리, CSS-5 (오) or an ending we cannot read."""
    final = _final(word)
    return bool(final)


def particle(word: str, pair: str) -> str:
    """The form of `pair` (e.g. "을/를") that follows `word`."""
    after_consonant, after_vowel = _PAIRS[pair]
    final = _final(word)
    if final is None:
        return f"{after_consonant}({after_vowel})"  # unknown: the written both-forms
    if pair == "으로/로" and final == _RIEUL:
        return after_vowel  # 서울로, 텔레그램으로
    return after_consonant if final else after_vowel


def with_particle(word: str, pair: str) -> str:
    """`word` followed by the right particle: 게시물을, 스토리를, CSS-3을."""
    return f"{word}{particle(word, pair)}"
