"""The fast extraction path finds exactly what the plain one finds.

The plain path is kept here as the oracle: the library's `PhoneNumberMatcher` on the
whole text (behind the old digit test), and whitespace collapsed by a regex. The fast
path (domain/phone_matcher.py, contacts.py, near_duplicates.normalise) must equal it
on templated report texts, random texts built from the characters that matter
(digits of several scripts, phone punctuation, letters standing for digits,
extensions, keywords, links) and hostile ones (past the library's try limit).
"""

from __future__ import annotations

import re
import sys
import unicodedata

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals_tui.domain import contacts, phone_matcher
from appeals_tui.domain.near_duplicates import normalise
from benchmarks.texts import DistinctCorpus

_OLD_DIGITS = re.compile(r"\+?\d(?:[\s.\-()/]{0,3}\d){6,}")
REGIONS = ("KR", "US", "JP", "DE", "GB", "FR", "AT", "NU", "IT", "BR", "AR", "RU")


def plain_extract(raw: str, region: str) -> frozenset[str]:
    """contacts._extract_one as it was before the fast path (the oracle)."""
    found: set[str] = set()
    text = unicodedata.normalize("NFKC", raw)
    if "@" in text:
        for m in contacts._EMAIL.finditer(text):
            found.add(f"email:{m.group(0).lower()}")
            text = contacts._blank(text, m.span())
    if "://" in text or contacts._DOTTED.search(text):
        for m in contacts._URL.finditer(text):
            contact = contacts._url_contact(m.group(0))
            if contact:
                found.add(contact)
            text = contacts._blank(text, m.span())
    text = text.lower()
    hints = set(contacts._HINT.findall(text))
    for kind, words, pattern in contacts._KEYWORDS if hints else ():
        if not hints.isdisjoint(words):
            for m in pattern.finditer(text):
                handle = contacts._norm_handle(m.group(1))
                if len(handle) >= 3 and not handle.isdigit():
                    found.add(f"{kind}:{handle}")
                    text = contacts._blank(text, m.span(1))
    if sum(map(str.isdigit, text)) >= 7 and _OLD_DIGITS.search(text):
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.add(f"phone:{e164}")
    return frozenset(found)


def plain_numbers(text: str, region: str) -> list[tuple[int, str]]:
    matcher = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
    return [(m.start, m.raw_string) for m in matcher]


def fast_numbers(text: str, region: str) -> list[tuple[int, str]]:
    return [(m.start, m.raw_string) for m in phone_matcher.find_numbers(text, region)]


def fast_extract(raw: str, region: str) -> frozenset[str]:
    return contacts._extract_one.__wrapped__(raw, region)


def test_templated_report_texts_give_the_same_contacts():
    corpus = DistinctCorpus(seed=3)
    found = 0
    for _ in range(1500):
        content, media = corpus.texts()
        for text in (content, media):
            for region in ("KR", "US", "DE"):
                fast = fast_extract(text, region)
                assert fast == plain_extract(text, region), text
                found += any(c.startswith("phone:") for c in fast)
    assert found > 300  # the corpus does hold numbers in many forms


_DIGITS = "0123456789" + "０１２３４５６７８９" + "٠١٢٣٤٥٦٧٨٩" + "०१२३४५६७८९" + "²³¹①"
_PUNCT = " -.()/+＋（）［］[]~～‐–—−ー－／．・,;:#＃\u00a0\u3000\t\n"
_WORDS = (
    "ext", "ext.", "x", "доб", "anexo", "int", ";ext=", "tel:", "call", "010", "+82", "82",
    "카톡", "텔레", "라인", "DM @", "문의", "t.me/", "wa.me/", "@", "://", ".com", "www.",
    "FLOWERS", "1-800-", "00", "011", "810", "001", "683", "가", "a", "é", "%", "$", "€", "12:30", "2026/11/20", "p.12",
)  # fmt: skip
_PIECE = st.one_of(
    st.text(st.sampled_from(_DIGITS), min_size=1, max_size=12),
    st.text(st.sampled_from(_PUNCT), min_size=1, max_size=4),
    st.sampled_from(_WORDS),
    st.text(max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECE, max_size=40).map("".join), st.sampled_from(REGIONS))
def test_random_digit_texts_give_the_same_numbers(text, region):
    assert fast_numbers(text, region) == plain_numbers(text, region)
    assert fast_extract(text, region) == plain_extract(text, region)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(REGIONS))
def test_any_text_gives_the_same_contacts(text, region):
    assert fast_extract(text, region) == plain_extract(text, region)


@pytest.mark.parametrize("region", REGIONS)
def test_numbers_in_many_forms_and_regions(region):
    texts = [
        "예약 010-4827-1936 / 2시간 28 / 1366 / ep.12 / 2026.11.20",
        "call +1 (415) 555-2671 ext. 12 or 415.555.2671x3",
        "Tel 030 1234567, Fax 030-123 45 68; 0043 1 53 1 14",
        "+683 4002 and +290 2 2222, also 1-800-FLOWERS",
        "appel 00 683 4002 / 011 683 4002 / 810 683 4002 / ００ ６８３ ４００２",  # fewer
        # digits than an AR or RU national number: valid only through the call prefix
        "０３‐１２３４‐５６７８ ٠١٠١٢٣٤٥٦٧٨ 02 3456 7890",
        "abc8005001234 8005001234def $0105551234 0105551234%",
        "12:30 10/11/2026 1234-5678-9012-3456 (02)123-4567",
    ]
    for text in texts:
        assert fast_numbers(text, region) == plain_numbers(text, region), text


def test_a_text_past_the_try_limit_gets_the_library_matcher():
    """The library stops after 65,535 failed tries, so it misses a number written
    after 66,000 hopeless ones; the fast path must miss it too (it hands such a
    text to the library)."""
    text = "1a" * 66_000 + " 010-4827-1936"
    assert len(text) > phone_matcher.FAST_LIMIT
    assert fast_numbers(text, "KR") == plain_numbers(text, "KR") == []
    short = "1a" * 200 + " 010-4827-1936"
    assert len(short) <= phone_matcher.FAST_LIMIT
    assert fast_numbers(short, "KR") == plain_numbers(short, "KR") != []


def test_the_fast_matcher_is_what_short_texts_get():
    """Not vacuous: report-sized texts take the narrowed matcher."""
    matcher = phone_matcher.matcher_for("예약 010-4827-1936", "KR")
    assert isinstance(matcher, phone_matcher._Matcher)
    long = phone_matcher.matcher_for("1" * (phone_matcher.FAST_LIMIT + 1), "KR")
    assert not isinstance(long, phone_matcher._Matcher)
    assert phone_matcher.min_digits("KR") == 5  # +82 has 5-digit national numbers
    assert phone_matcher.min_digits("US") == 7  # +1: 7 (local numbers of some regions)
    assert phone_matcher.bound("KR").hopeless("2026")
    assert not phone_matcher.bound("KR").hopeless("+1234")  # a country code: parse it
    assert not phone_matcher.bound("KR").hopeless("00155")  # KR's call prefix 001
    assert not phone_matcher.bound("KR").hopeless("12a4")  # a letter may be a digit


def test_every_digit_the_library_reads_counts_as_a_digit():
    """The bound counts characters by str.isdigit(); phonenumbers reads a digit
    wherever unicodedata.digit() gives one: the same characters, or the bound could
    drop a candidate the library would read."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.digit(char, None) is not None:
            assert char.isdigit(), hex(code)


def test_whitespace_collapses_as_the_regex_did():
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    text = f"{spaces}Ab{spaces}가\u200b나 {spaces}x{spaces}"
    old = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()
    assert normalise(text) == old
    assert normalise("  a \n\t b  ", None, " c ") == "a b c"


def test_a_number_seen_before_is_judged_by_its_own_neighbours():
    """The parse cache is keyed by the characters around a candidate: the same digits
    after a Latin letter are not a number (the library's rule), after a space they are."""
    for text in ("x0104827193 / 0104827193", "0104827193 / x0104827193", "0104827193%"):
        for region in ("KR", "US"):
            assert fast_numbers(text, region) == plain_numbers(text, region), text
    assert fast_numbers("call 010-4827-1936", "KR") == [(5, "010-4827-1936")]
    assert fast_numbers("call 010-4827-1936", "KR") == [(5, "010-4827-1936")]  # cached
    assert fast_numbers("callx010-4827-1936", "KR") == plain_numbers("callx010-4827-1936", "KR")
