"""The faster extraction gives exactly what the plain code gives (tests/domain/extraction_oracle.py).

Compared: one text's contacts (`contacts._extract_one` without its cache), a case's
contacts (`extract_contacts`), the normalised text and its key, and the whole
``case_links`` record (`case_links.link_doc`), on the demo's reports (also the hostile
ones), the bench corpus, the distinct-text corpus the import benchmark uses, and
generated texts holding contacts written the ways people write them in Korea.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals_tui.domain import case_links, contacts, phone_matcher
from appeals_tui.domain.near_duplicates import normalise, text_key
from benchmarks.build import BENCH_NOW, Corpus
from benchmarks.texts import DistinctCorpus
from tests.domain import extraction_oracle as oracle

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
REGIONS = ("KR", "US", "JP", "GB", "DE", None, "ZZ")


def _fresh(raw: str, region: str) -> frozenset[str]:
    return contacts._extract_one.__wrapped__(raw, region)


def _demo_rows() -> list[dict[str, object]]:
    rows = []
    for name in ("reports.jsonl", "hostile_reports.jsonl"):
        for line in (DEMO / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _corpus_rows() -> list[dict[str, object]]:
    """The demo's reports, the bench corpus and 3,000 distinct-corpus reports."""
    rows = _demo_rows()
    bench = Corpus.load(8)
    rows += [bench.report(i, i, "acct", BENCH_NOW).to_dict() for i in range(len(bench.reports))]
    for seed in (8, 21):
        distinct = DistinctCorpus(seed)
        rows += [
            distinct.report(i, i, f"a{i % 7}", BENCH_NOW, same_post=i % 5 == 1).to_dict()
            for i in range(1500)
        ]
    return rows


CORPUS = _corpus_rows()


def _check_case(case: dict[str, object], texts: list[str | None]) -> None:
    case = {**case, "case_id": case.get("case_id") or "C-1", "subject": {"account": "acct"}}
    want = oracle.link_doc(case, texts, ["kakao:known"], min_length=24)
    assert case_links.link_doc(case, texts, ["kakao:known"], min_length=24) == want
    norm = oracle.normalise(case.get("content_text"), case.get("media_description"))
    assert case_links.case_text(case) == norm
    assert normalise(case.get("content_text"), case.get("media_description")) == norm


def test_the_corpora_give_the_same_records():
    """Every report of the demo, the bench corpus and the distinct corpus, read in
    its own jurisdiction and in others: the same contacts, text and record."""
    assert len(CORPUS) > 3000
    phones = 0
    for i, row in enumerate(CORPUS):
        texts = [row.get("content_text"), row.get("media_description")]
        for region in (row.get("jurisdiction"), REGIONS[i % len(REGIONS)]):
            for text in texts:
                if text:
                    region_code = contacts.region_of(region)
                    got = _fresh(text, region_code)
                    assert got == oracle.extract_one(text, region_code), (text, region)
                    phones += any(c.startswith("phone:") for c in got)
        _check_case(row, [CORPUS[i - 1].get("content_text")])
    assert phones > 500  # the corpora do hold numbers in many forms


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_D4 = st.integers(0, 9999).map(lambda n: f"{n:04d}")
_MOBILE = st.tuples(st.sampled_from(("010", "011", "016", "019", "02", "031", "070")), _D4, _D4)


@st.composite
def _phone(draw: st.DrawFn) -> str:
    """A Korean number written one of the ways people write it."""
    head, mid, end = draw(_MOBILE)
    sep = draw(st.sampled_from(("-", " ", ".", "", " - ", "·", "/", "‐", "—", ")")))
    form = draw(st.integers(0, 6))
    if form == 0:
        text = f"{head}{sep}{mid}{sep}{end}"
    elif form == 1:
        text = f"+82{sep or ' '}{head.lstrip('0')}{sep}{mid}{sep}{end}"
    elif form == 2:
        text = f"(+82) {head[1:]}-{mid}-{end}"
    elif form == 3:
        text = " ".join(f"{head}{mid}{end}")  # spaced out to dodge filters
    elif form == 4:
        text = f"0082 {head[1:]} {mid} {end}"
    elif form == 5:
        text = f"wa.me/82{head[1:]}{mid}{end}"
    else:
        text = f"{head}{mid[: draw(st.integers(1, 4))]}"  # too short: not a number
    return _fullwidth(text) if draw(st.booleans()) else text


_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{1,12}", fullmatch=True)


@st.composite
def _contact(draw: st.DrawFn) -> str:
    handle = draw(_ID)
    return draw(
        st.sampled_from(
            (
                f"카톡 {handle}",
                f"카카오톡 ID: {handle}",
                f"카톡아이디：{handle}",
                f"KakaoTalk: {handle}",
                f"오픈채팅 open.kakao.com/o/{handle}",
                f"https://open.kakao.com/o/{handle}?v=1",
                f"텔레 @{handle}",
                f"텔레그램 {handle}",
                f"Telegram @{handle}",
                f"TG: {handle}",
                f"t.me/{handle}",
                f"라인 {handle}",
                f"LINE ID: {handle}",
                f"line.me/ti/p/~{handle}",
                f"WhatsApp wa.me/{handle}",
                f"DM @{handle}",
                f"문의 @{handle}",
                f"{handle}@gmail.com",
                f"{handle}@Naver.COM",
                f"https://www.{handle}.co.kr/booking?ref=9#top",
                f"{handle}.com/vip",
                f"http://{handle}.net/p/1#menu",
                f"linktr.ee/{handle}.",
            )
        )
    )


_FILLER = st.sampled_from(
    (
        "예약 문의",
        "강남 텐프로",
        "실화 바탕 AI 웹툰 ep.12",
        "2시간 28만원",
        "2026.11.20 업로드",
        "여성긴급전화 1366",
        "팔로워 6,475명",
        "12:30",
        "10/11/2026",
        "$300/night",
        "1-800-FLOWERS",
        "ext. 12",
        "🥂✨",
        "(비번: 실화)",
        "Based on real stories",
        "x",
        "",
    )
)
_SPACE = st.sampled_from((" ", "  ", "\n", "\t", "\u3000", "\u00a0", " / ", ", ", "", "\u200b"))
_TEXT = st.lists(st.one_of(_phone(), _contact(), _FILLER), max_size=8).flatmap(
    lambda parts: st.lists(_SPACE, min_size=len(parts), max_size=len(parts)).map(
        lambda spaces: "".join(p + s for p, s in zip(parts, spaces, strict=True))
    )
)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from(REGIONS))
def test_korean_contact_texts_give_the_same_contacts(text, region):
    region_code = contacts.region_of(region)
    assert _fresh(text, region_code) == oracle.extract_one(text, region_code)
    assert contacts.extract_contacts([text, text.upper()], region) == oracle.extract_contacts(
        [text, text.upper()], region
    )


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT, st.sampled_from(REGIONS))
def test_generated_cases_give_the_same_records(content, media, region):
    case = {"content_text": content, "media_description": media, "jurisdiction": region}
    _check_case(case, [content, "카톡 " + media[:20]])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(
                st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2028\u3000\u200b"),
                max_size=3,
            ),
            st.text(max_size=6),
            st.sampled_from(("ﬁ", "Ａ", "ß", "İ", "Ǆ", "㎏", "①", "ｶ", "\u0301")),
        ),
        max_size=12,
    ).map("".join),
    st.one_of(st.none(), st.text(max_size=20)),
)
def test_normalised_texts_and_keys_are_the_same(a, b):
    """Whitespace of every kind, compatibility forms, case folding."""
    assert normalise(a, b) == oracle.normalise(a, b)
    assert text_key(normalise(a, b)) == oracle.text_key(oracle.normalise(a, b))


def test_only_the_ascii_space_is_printable_whitespace():
    """The fast path of `normalise` relies on it: a printable text's only whitespace
    is " ", so without a double space only its ends can change."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.isspace() and char != " ":
            assert not char.isprintable(), hex(code)


@pytest.mark.parametrize(
    "text",
    ["a  b", " a b", "a b ", "a\u3000b", "a\tb", "Ａ ｂ", "ﬁ\u00a0x", "\u2028", "  ", "a \u200b b"],
)
def test_spaces_at_ends_and_in_runs(text):
    assert normalise(text) == oracle.normalise(text)
    assert normalise(text, text) == oracle.normalise(text, text)


def test_the_hopeless_memo_is_per_region():
    """A five-digit run is a possible KR number (5 digits at least) but hopeless in the
    US (7): the remembered answer of one region must not be another's."""
    kr, us = phone_matcher.bound("KR"), phone_matcher.bound("US")
    assert kr is not None and us is not None
    for first, second in ((kr, us), (us, kr)):
        first.memo.clear()
        second.memo.clear()
        first.hopeless("12345")
        assert kr.hopeless("12345") is False
        assert us.hopeless("12345") is True
    for candidate in ("2026", "1366", "12a4", "+1234", "00155", "０１０", "12345678"):
        for bound in (kr, us):
            assert bound.hopeless(candidate) == bound._hopeless(candidate)


_LINKISH = st.lists(
    st.sampled_from(
        (
            "a", "Z", "0", "-", ".", "_", "@", " ", "/", "?", ":", "가", "ı", "İ", "ſ", "K",
            "://", "http", "https://", "www.", ".com", ".co.kr", ".me", ".kr", "t.me/", "x",
        )
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(_LINKISH)
def test_links_are_looked_for_from_where_the_first_can_start(text):
    """`_first_link` skips only text where no link can start: the same links."""
    whole = [m.span() for m in contacts._URL.finditer(text)]
    assert [m.span() for m in contacts._URL.finditer(text, contacts._first_link(text))] == whole


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_LINKISH, st.text(max_size=40)))
def test_the_dotted_test_answers_as_its_pattern(text):
    assert contacts._dotted(text) == (contacts._DOTTED.search(text) is not None)
    for probe in ("a.b", ".b", "a.", "1.z", "-.a", "a.1", "가.a", "ab.cd", "x..y"):
        assert contacts._dotted(probe) == (contacts._DOTTED.search(probe) is not None)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("abcdefgh.com://x", 0),  # a bare host before a later "://"
        ("예약 https://Open.Kakao.com/o/x", 3),
        ("see İſ-x.Co.KR/a", 4),  # host characters the case-insensitive pattern reads
        ("no link here. ep.12", len("no link here. ep.12")),
        ("xhttp://a.com", 0),
    ],
)
def test_where_links_can_start(text, start):
    assert contacts._first_link(text) == start
    whole = [m.span() for m in contacts._URL.finditer(text)]
    assert [m.span() for m in contacts._URL.finditer(text, start)] == whole


_ALL_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@st.composite
def _plain_candidate(draw: st.DrawFn) -> tuple[str, str]:
    """A region and a candidate of digits and separators: one of the region's example
    numbers with a prefix, a changed digit, or random digits."""
    region = draw(st.sampled_from(_ALL_REGIONS))
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    examples = [
        d.example_number
        for d in (meta.fixed_line, meta.mobile, meta.toll_free, meta.voip, meta.uan)
        if d is not None and d.example_number
    ]
    if examples and draw(st.booleans()):
        prefix = draw(
            st.sampled_from(("", "0", meta.national_prefix or "", str(meta.country_code)))
        )
        digits = prefix + draw(st.sampled_from(examples))
        if draw(st.booleans()):
            at = draw(st.integers(0, len(digits) - 1))
            digits = digits[:at] + str(draw(st.integers(0, 9))) + digits[at + 1 :]
    else:
        digits = draw(st.text("0123456789", min_size=2, max_size=16))
    seps = draw(
        st.lists(
            st.sampled_from(("", "", "-", " ", ".", "(", ")", "/")),
            min_size=len(digits),
            max_size=len(digits),
        )
    )
    candidate = digits[0] + "".join(s + d for s, d in zip(seps, digits[1:], strict=False))
    return region, candidate


@settings(max_examples=1500, deadline=None)
@given(_plain_candidate())
def test_a_candidate_called_invalid_is_one_the_library_rejects(case):
    """The metadata bound skips only candidates the library would parse and reject."""
    region, candidate = case
    bound = phone_matcher.bound(region)
    if bound is None or not bound._invalid(candidate):
        return
    text = f"call {candidate} now"
    matcher = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
    assert matcher._parse_and_verify(candidate, 5) is None, (region, candidate)


def test_the_metadata_bound_skips_dates_and_foreign_numbers():
    """Not vacuous: the candidates it is for are skipped, numbers are not."""
    kr, us, jp = (phone_matcher.bound(r) for r in ("KR", "US", "JP"))
    assert kr is not None and us is not None and jp is not None
    assert kr._invalid("2026.05.01")
    assert us._invalid("010-4827-1936")
    assert us._invalid("2026.05.01")
    assert not kr._invalid("010-4827-1936")
    assert not kr._invalid("82 10 4827 1936")  # the code written without "+"
    assert not kr._invalid("02-312-3456")
    assert not us._invalid("(415) 555-2671")
    assert not us._invalid("1 415 555 2671")
    assert not jp._invalid("03-1234-5678")
    assert not kr._invalid("001 1 415 555 2671")  # a call prefix: another code
    assert not kr._invalid("010-4827-1936 ext 5")  # not plain: parsed as before


@pytest.mark.parametrize(
    ("region", "candidate"),
    [
        ("AR", "011 15-2345-6789"),  # national prefix and carrier code rewritten (9 11 ...)
        ("AR", "0351 15 234-5678"),
        ("US", "1 1 1 415 555 2671"),  # the code, then the national prefix twice
        ("CA", "1 1 1 416 555 1234"),
        ("GG", "44 0 1481 256789"),  # the code of another region (GB) and its prefix
        ("KR", "82 010 4827 1936"),
        ("BR", "0 21 2345 6789"),
    ],
)
def test_numbers_the_library_reads_through_its_prefix_rules_are_kept(region, candidate):
    """Each of these is valid only through a rule `_Calling.nationals` follows."""
    text = f"call {candidate} now"
    library = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
    found = [(m.start, m.raw_string) for m in library]
    assert found == [(5, candidate)]
    assert [(m.start, m.raw_string) for m in phone_matcher.find_numbers(text, region)] == found
    bound = phone_matcher.bound(region)
    assert bound is not None and not bound._invalid(candidate)
