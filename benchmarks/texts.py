"""A report corpus whose texts are mostly distinct, deterministic by seed.

Why: the bench corpus (`build.Corpus`) reuses the demo's 35 texts, so the per-text
contact cache answers almost every report and an import never pays for extraction.
Real report queues hold stories written from templates with changing names, places,
prices, episode numbers, handles, phone numbers and links, a few reposts with small
edits and a few exact reposts. This corpus writes such texts (Korean, English and
mixed), with digits that are not phone numbers (prices, hours, dates, counts) and
contacts in the many ways people write them, so extraction runs on new text as it
would in production.
"""

from __future__ import annotations

import random
import string
from datetime import datetime
from typing import Any

from appeals_tui.domain.models import Report
from appeals_tui.domain.timeutil import iso

__all__ = ["DistinctCorpus"]

_JURISDICTIONS = ("KR",) * 6 + ("US",) * 2 + ("JP", "GB")
_REASONS = ("sexual_services", "prostitution_promotion", "spam", "sexual_services")
_PLATFORMS = (("instagram", "post"), ("instagram", "reel"), ("x", "post"), ("threads", "post"))
_KO_NAMES = (
    "서진 하나 지민 수아 민지 유나 하은 서연 지우 예린 다은 채원 소희 은비 가람 나래".split()
)
_EN_NAMES = "Mina Jess Hana Sora Yuna Chloe Grace Luna Iris Amber Nora Ruby".split()
_KO_PLACES = "강남 역삼동 청담동 논현동 선릉 신사동 홍대 서면 해운대 압구정 잠실 건대".split()
_EN_PLACES = ("Koreatown", "Mayfair", "Soho", "Shinjuku", "Itaewon", "Flushing", "Gangnam")
_EMOJI = "🥂 🍾 ✨ 💄 🌃 🥹 💸 📩 🎁 ☕ 🕶️ 🌱 👜 💕 🎤 🍪".split()
_TAGS = "#실화 #실화바탕 #AI웹툰 #룸살롱 #텐프로 #강남 #역삼 #AI그림 #썰 #aiart #reallife #hostess #webtoon #카페알바 #일상".split()
_KO_STORY = (
    "[AI로 그린 실제 이야기] {place} 다이어리 ep.{ep} {e} {name}는 {h}시간에 {price}만원을 받았다고 했다. "
    "실장님은 '오늘 운 좋다'며 웃었고 그날 밤 샴페인만 {n}병 {e2} {tags}",
    "{name}의 하루 {e} AI로 그린 감동 실화. 출근 전 네일, {place} 실장님 브리핑, 단골 손님의 "
    "샴페인 타워까지. 벌써 {n}년째, 팔로워 {followers}명 감사해요 {e2} {tags}",
    "살롱 다이어리 ep.{ep} 첫 출근 날 {e} {place} 골목 {n}층, 실장님이 '{h}시간 {price}만원부터 "
    "시작이야'라고 했다. 그 돈이 얼마나 큰지 그땐 몰랐지… (AI로 그린 실화) {tags}",
    "{place} {name} 언니 이야기 {e} {date} 업로드. 단골 오빠가 준 선물은 {n}개, 그중 하나는 "
    "샤넬백이었다 {e2} {tags}",
)
_EN_STORY = (
    "Touching real-life experiences illustrated with AI {e} Ep. {ep}: {name}, a hostess in "
    "{place}, and the regular who paid her rent for {n} months. Based on real stories. {tags}",
    "Based on a true story {e} My friend {name}'s nights at a {place} hostess club, as an AI "
    "comic: the champagne, the 'gifts', the manager who always knew. Part {n}/{ep}. {tags}",
    "{name} ({age}) tells her story {e}: {h} hours a night in {place}, ${price}00 a week, "
    "{followers} followers asking for part {ep}. {tags}",
)
_KO_AD = (
    "💸고수익 알바💸 {place} 룸 근무, 초보 환영, 나이 무관, 당일 지급 {e} 시급 {price}만원 이상",
    "오늘도 출근 {e} 자리 {n}개 있어요~ 예약 필수, {place}역 {n}번 출구 도보 {h}분",
    "{place} {name} 실장입니다 😊 이야기 속 가게 실제로 있어요~ {h}시간 {price} {e}",
)
_EN_AD = (
    "We are hiring hostesses in {place} {e} high income (${price}00+/night), visa support, "
    "숙소 제공. No experience needed.",
    "{place} lounge now open {e} {n} rooms, VIP service from {h}pm, ask for {name}.",
)
_BENIGN = (
    "카페툰 #{ep} ☕ 매일 아침 {h}시에 오는 단골 손님, 오늘은 {name} 사장님이 쿠키를 {n}개 "
    "드렸어요 🍪 #카페알바 #웹툰",
    "{name}'s marinade: massage it into the chicken and let it rest {h} hours at {n}°C. Full "
    "recipe in bio! {tags}",
    "[뉴스 릴스] 'AI 실화 웹툰'으로 포장된 성매매 광고, 어떻게 구별할까요? 성매매 피해 상담은 "
    "여성긴급전화 1366으로. {date} 기준 {followers}건 접수 {tags}",
)
_MEDIA = (
    "AI-generated {n}-panel webtoon: a woman in an evening dress at a {place} club receives "
    "a gift from a regular client; the manager smiles in the doorway. {detail}",
    "AI-generated {h}0-second reel in webtoon style set in {place}: champagne, a private "
    "room, a closing card reading 'based on a true story'. {detail}",
    "X post with an AI-generated image of a lounge interior in {place} and a list of "
    "'benefits' ({n} items). {detail}",
    "Cooking reel: hands preparing {name}'s recipe in a home kitchen, {n} steps. {detail}",
)
_DETAILS = (
    "No contact details anywhere.",
    "A phone number is blurred in panel {n}.",
    "The last panel shows a QR code and the caption's handle.",
    "Prices appear on a menu board: {price}만원 / {h}시간.",
    "",
)


def _handle(rng: random.Random) -> str:
    head = rng.choice(("vip", "room", "salon", "night", "tenpro", "gn", "star", "moon", "luna"))
    tail = "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(2, 6)))
    return head + rng.choice(("", "_", ".")) + tail


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _phone(rng: random.Random) -> str:
    mid, end = rng.randint(1000, 9999), rng.randint(1000, 9999)
    form = rng.randrange(9)
    if form == 0:
        return f"010-{mid}-{end}"
    if form == 1:
        return f"010 {mid} {end}"
    if form == 2:
        return f"010.{mid}.{end}"
    if form == 3:
        return _fullwidth(f"010-{mid}-{end}")
    if form == 4:
        return f"+82 10 {mid} {end}"
    if form == 5:
        return f"+82-10-{mid}-{end}"
    if form == 6:
        return f"010{mid}{end}"
    if form == 7:
        return _fullwidth(f"010．{mid}．{end}")
    return f"02-{rng.randint(100, 999)}-{end}"


def _contact(rng: random.Random) -> str:
    """One means of contact, written one of the ways people write it."""
    h = _handle(rng)
    kind = rng.randrange(16)
    if kind < 4:
        return rng.choice(("☎ ", "문의 ", "예약 ", "call ", "")) + _phone(rng)
    if kind == 4:
        return rng.choice(("카톡 ", "카카오톡 ID: ", "카톡 아이디 ", "KakaoTalk: ")) + h
    if kind == 5:
        return f"오픈채팅 https://open.kakao.com/o/s{rng.randint(10**6, 10**7)}"
    if kind == 6:
        return rng.choice(("텔레 @", "텔레그램 ", "Telegram @", "TG: ")) + h
    if kind == 7:
        return f"t.me/{h}"
    if kind == 8:
        return rng.choice(("라인 ", "LINE ID: ")) + h
    if kind == 9:
        return f"line.me/ti/p/~{h}"
    if kind == 10:
        return f"wa.me/8210{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}"
    if kind == 11:
        return rng.choice(("DM @", "문의 @", "contact @")) + h
    if kind == 12:
        return f"{h.replace('.', '_')}@{rng.choice(('gmail.com', 'naver.com', 'proton.me'))}"
    if kind == 13:
        host = rng.choice(("linktr.ee", "bit.ly", "www.vip-room.kr", "night-salon.com"))
        return f"https://{host}/{h}?ref={rng.randint(1, 999)}"
    if kind == 14:
        return f"{rng.choice(('vip-room', 'gn-lounge', 'star-club'))}{rng.randint(1, 99)}.co.kr/booking"
    return f"카톡 {h} / {_phone(rng)}"


def _edit(rng: random.Random, text: str) -> str:
    """A repost with a small edit: an emoji, a hashtag or a number changed."""
    choice = rng.randrange(3)
    if choice == 0:
        return text + " " + rng.choice(_EMOJI)
    if choice == 1:
        return text.replace("#", "#" + rng.choice(("new", "re", "2")), 1)
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if not digits:
        return "🔁 " + text
    at = rng.choice(digits)
    return text[:at] + str(rng.randrange(10)) + text[at + 1 :]


class DistinctCorpus:
    """Reports with templated, mostly distinct texts: about 85% new texts, 10% reposts
    with a small edit, 5% exact reposts; about 40% carry a means of contact."""

    def __init__(self, seed: int = 8) -> None:
        self.rng = random.Random(seed)
        self.earlier: list[tuple[str, str]] = []
        self.last: tuple[str, str] | None = None

    def _fill(self, template: str) -> str:
        rng = self.rng
        korean = any("가" <= c <= "힣" for c in template[:40])
        values = {
            "name": rng.choice(_KO_NAMES if korean else _EN_NAMES),
            "place": rng.choice(_KO_PLACES if korean else _EN_PLACES),
            "ep": rng.randint(1, 240),
            "n": rng.randint(2, 12),
            "h": rng.randint(1, 9),
            "age": rng.randint(19, 45),
            "price": rng.choice((15, 20, 25, 28, 30, 35, 50, 120)),
            "followers": f"{rng.randint(1, 9)},{rng.randint(100, 999)}",
            "date": f"2026.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}",
            "e": rng.choice(_EMOJI),
            "e2": rng.choice(_EMOJI),
            "tags": " ".join(rng.sample(_TAGS, rng.randint(1, 4))),
            "detail": rng.choice(_DETAILS),
        }
        values["detail"] = values["detail"].format(**values)
        return template.format(**values)

    def texts(self) -> tuple[str, str]:
        """(content_text, media_description) of the next report."""
        rng = self.rng
        roll = rng.random()
        if self.earlier and roll < 0.05:
            return rng.choice(self.earlier)
        if self.earlier and roll < 0.15:
            content, media = rng.choice(self.earlier)
            return _edit(rng, content), media
        pool = rng.choice((_KO_STORY, _KO_STORY, _EN_STORY, _KO_AD, _EN_AD, _BENIGN))
        content = self._fill(rng.choice(pool))
        if rng.random() < 0.4:
            contact = _contact(rng)
            content = f"{contact} {content}" if rng.random() < 0.2 else f"{content} {contact}"
        media = self._fill(rng.choice(_MEDIA))
        if len(self.earlier) < 5000:
            self.earlier.append((content, media))
        else:
            self.earlier[rng.randrange(5000)] = (content, media)
        return content, media

    def report(
        self, i: int, case_no: int, account: str, at: datetime, same_post: bool = False
    ) -> Report:
        """Report `i` on post `case_no`; `same_post`: another report on the post of the
        report before (its text again, as reports of one post repeat it)."""
        if not (same_post and self.last):
            self.last = self.texts()
        content, media = self.last
        rng = self.rng
        platform, subject_type = _PLATFORMS[case_no % len(_PLATFORMS)]
        return Report(
            report_id=f"DR-{i:07d}",
            reported_at=iso(at),
            reporter=f"user_{rng.randrange(50_000)}",
            reason=rng.choice(_REASONS),
            platform=platform,
            subject_type=subject_type,
            subject_id=f"distinct{case_no:07d}",
            account=account,
            content_text=content,
            media_description=media,
            jurisdiction=_JURISDICTIONS[case_no % len(_JURISDICTIONS)],
            followers=rng.randrange(100, 500_000),
            views=rng.randrange(100, 5_000_000),
            url=f"https://www.{platform}.com/p/D{case_no:09d}/",
        )

    @staticmethod
    def describe(rows: list[dict[str, Any]]) -> dict[str, int]:
        """How distinct the texts of `rows` are (reported with the figures)."""
        texts = [(r.get("content_text"), r.get("media_description")) for r in rows]
        return {"reports": len(rows), "distinct_texts": len(set(texts))}
