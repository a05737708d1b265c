"""Means of contact: Korean phone formats, messenger IDs, links, e-mail, all normalised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals_tui.domain.contacts import contact_label, extract_contacts, merge_contacts

PHONE = "phone:+821048271936"


@pytest.mark.parametrize(
    "text",
    [
        "예약 문의 010-4827-1936 (문자만)",
        "+82 10 4827 1936 으로 연락",
        "+82-10-4827-1936",
        "０１０－４８２７－１９３６",  # full-width digits and dashes
        "상담은 ０１０．４８２７．１９３６ 으로",  # full-width dotted
        "010.4827.1936",
        "010 4827 1936",
        "01048271936",
        "0 1 0 - 4827 - 1936",  # spaced out to dodge filters
        "WhatsApp wa.me/821048271936",
    ],
)
def test_korean_phone_formats_normalise_to_one_e164(text):
    assert extract_contacts([text], "KR") == [PHONE]


def test_numbers_that_are_not_phones():
    assert extract_contacts(["상담 무료 ☎ 1366", "1시간 15만원 / 2시간 28", "₩300k/2h"]) == []
    assert extract_contacts(["ep.1 살롱 다이어리 ep.3 2026.11.20"]) == []


def test_region_reads_national_numbers():
    assert extract_contacts(["call (415) 555-2671"], "US") == ["phone:+14155552671"]
    assert extract_contacts(["call +1 415 555 2671"], "KR") == ["phone:+14155552671"]
    assert extract_contacts(["010-4827-1936"], "ZZ") == [PHONE]  # unknown region: KR


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("예약 문의 카톡 gn0101 / 강남역", ["kakao:gn0101"]),
        ("카카오톡ID：ＫＫ＿ｖｉｐ７", ["kakao:kk_vip7"]),
        ("카톡 아이디 Opi_RT77", ["kakao:opi_rt77"]),
        ("KakaoTalk: abc_12", ["kakao:abc_12"]),
        ("오픈채팅 👉 open.kakao.com/o/gRst0ry (비번: 실화)", ["kakao_openchat:gRst0ry"]),
        ("https://open.kakao.com/o/gRst0ry?utm=x", ["kakao_openchat:gRst0ry"]),
        ("문의는 텔레그램 @TenPro_VIP ✈️", ["telegram:tenpro_vip"]),
        ("텔레 vipbk 로 답장", ["telegram:vipbk"]),
        ("t.me/VipBK", ["telegram:vipbk"]),
        ("TG: @abcd_1", ["telegram:abcd_1"]),
        ("LINE ID: nightline88", ["line:nightline88"]),
        ("라인 아이디 : sub_2", ["line:sub_2"]),
        ("https://line.me/ti/p/~Night_Line", ["line:night_line"]),
        ("DM @nh_seoul_manager 💌", ["handle:nh_seoul_manager"]),
        ("Book.Me@Example.COM", ["email:book.me@example.com"]),
        ("https://www.Example.com/Booking/?ref=ig#top", ["url:example.com/Booking"]),
        ("link: linktr.ee/salon_vip.", ["url:linktr.ee/salon_vip"]),
    ],
)
def test_messengers_links_and_email(text, want):
    assert extract_contacts([text]) == want


@pytest.mark.parametrize(
    "text",
    [
        "the final panel contains a KakaoTalk ID and the building's entrance.",
        "overlay text repeats the Telegram handle and the prices",
        "opens a KakaoTalk open-chat room titled '살롱다이어리 VIP'",
        "the line of duty",
        "DM 주세요 📩",
    ],
)
def test_prose_naming_a_messenger_is_not_a_contact(text):
    assert extract_contacts([text]) == []


def test_several_texts_merge_sorted_without_repeats():
    got = extract_contacts(
        ["카톡 yk_1936 / 010-4827-1936", None, "", "+82 10 4827 1936 · t.me/yk1936"]
    )
    assert got == ["kakao:yk_1936", PHONE, "telegram:yk1936"]
    assert merge_contacts(["b", "a"], None, ["a", "c"]) == ["a", "b", "c"]


def test_labels_for_people():
    assert contact_label(PHONE) == "phone +82 10-4827-1936"
    assert contact_label("telegram:vipbk") == "Telegram @vipbk"
    assert contact_label("kakao_openchat:gRst0ry") == "Kakao open chat gRst0ry"


@given(st.text(max_size=300))
def test_any_text_is_safe(text):
    for contact in extract_contacts([text]):
        kind, _, value = contact.partition(":")
        assert kind in {
            "phone",
            "kakao",
            "kakao_openchat",
            "telegram",
            "line",
            "handle",
            "email",
            "url",
        }
        assert value
