"""Means of contact found in report text, normalised so the same handle matches itself.

Why: networks of accounts share a phone number, a KakaoTalk ID or a Telegram handle
written a dozen ways (010-1234-5678, +82 10 1234 5678, full-width or dotted digits,
"텔레 @x", "t.me/x"). Phone numbers are found and normalised to E.164 by
`phonenumbers` (Google's libphonenumber); messenger IDs, links and e-mail by the
patterns below. Each contact is one string ``kind:value``:

- ``phone:+821012345678`` (also from ``wa.me/…`` links)
- ``kakao:id``, ``kakao_openchat:code`` (``open.kakao.com/o/code``)
- ``telegram:handle`` (``t.me/handle`` or after 텔레그램/텔레/telegram)
- ``line:id`` (``line.me/ti/p/~id`` or after 라인/LINE ID)
- ``handle:name`` ("DM @name", "문의 @name": an account on the same platform)
- ``email:user@host``, ``url:host/path`` (lower-case host without ``www.``, no query)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import phonenumbers

from appeals_tui.domain.phone_matcher import find_numbers

__all__ = [
    "extract_contacts",
    "region_of",
    "merge_contacts",
    "contact_label",
    "KINDS",
]

KINDS = ("phone", "kakao", "kakao_openchat", "telegram", "line", "handle", "email", "url")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_TLDS = "com|net|org|kr|co\\.kr|co|me|io|ly|ee|link|site|xyz|info|biz|app|page|to|gg|tv|jp|cc|us|uk|de|shop|store|club|online|live|top|vip"
_URL = re.compile(
    r"(?:https?://[^\s<>\"'()]+|(?<![\w@.])(?:www\.)?(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")"
    r"(?![\w-])(?:/[^\s<>\"'()]*)?)",
    re.IGNORECASE,
)
_HANDLE = r"@?([a-z0-9][a-z0-9._-]{2,31})"
#: after a Korean keyword the ID may follow directly ("카톡 gn0101", "텔레 abc");
#: after an English one only with ":" or "@" ("Telegram @x", "LINE ID: y"), because
#: English prose names messengers without giving an ID ("a KakaoTalk ID and ...")
_KO = r"\s*(?:id|아이디)?\s*[:：]?\s*"
_EN = r"(?:\s*id)?\s*[:：@]\s*"
#: (kind, words that must appear in the lower-cased text, pattern): a pattern runs only
#: when one of its words is there (a substring test is far cheaper than the regex)
_KEYWORDS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("kakao", ("카톡", "카카오"), re.compile(r"(?:카카오톡|카카오|카톡)" + _KO + _HANDLE)),
    ("kakao", ("kakao", "katalk", "ktalk"),
     re.compile(r"\b(?:kakaotalk|kakao|katalk|ktalk)" + _EN + _HANDLE)),
    ("telegram", ("텔레", "텔그"), re.compile(r"(?:텔레그램|텔레|텔그)" + _KO + _HANDLE)),
    ("telegram", ("telegram", "tg"), re.compile(r"\b(?:telegram|tg)" + _EN + _HANDLE)),
    ("line", ("라인",), re.compile(r"라인" + _KO + _HANDLE)),
    ("line", ("line",), re.compile(r"\bline" + _EN + _HANDLE)),
    ("handle", ("dm", "문의", "연락", "contact"),
     re.compile(r"(?:\bdm|문의|연락|contact)\s*[:：]?\s*@([a-z0-9_.]{3,30})")),
)  # fmt: skip
_HINT = re.compile(
    "|".join(sorted({w for _, ws, _ in _KEYWORDS for w in ws}, key=len, reverse=True))
)
_TRAIL = ".,;:!?)]}'\"…。、"
#: a run of 7+ digits, separators allowed: only such text is handed to phonenumbers
#: (found as often as with a leading ``\+?`` and ``{6,}``, and twice as fast)
_DIGITS = re.compile(r"\d(?:[\s.\-()/]{0,3}\d){6}")
#: text without an ASCII "x.y" has no bare link (the link pattern is costly on long text)
_DOTTED = re.compile(r"[A-Za-z0-9]\.[A-Za-z]")
#: what `_dotted` looks for first: a search that starts with a literal is a fast scan
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
#: in every bare link (`_URL`'s second branch): a dot and a top-level domain ...
_TLD = re.compile(r"\.(?:" + _TLDS + r")", re.IGNORECASE)
#: ... after host characters only (as `_URL` reads them: case-insensitive)
_HOST_CHAR = re.compile(r"[a-z0-9.-]", re.IGNORECASE)
#: where a link's path ends (query or fragment)
_QUERY = re.compile(r"[?#]")


def _norm_handle(value: str) -> str:
    return value.strip(_TRAIL).lstrip("@").lower()


def _dotted(text: str) -> bool:
    """Whether `_DOTTED` matches in `text` (three times faster: "." then its neighbours)."""
    for match in _DOT_LETTER.finditer(text):
        at = match.start()
        if at and text[at - 1] in _ALNUM:
            return True
    return False


def _first_link(text: str) -> int:
    """Where `_URL` can first match in `text`, or a little before (``len(text)``: nowhere).

    Why: the link pattern, tried at every character, is most of a text's extraction
    time, and a report's link is mostly at its end. A match is "http(s)://..." (it
    starts at most 5 characters before the first "://") or a host ending in ".tld"
    whose characters before it are all host characters (it starts no earlier than the
    run of them that holds the first ".tld"). `_URL.finditer(text, pos)` still sees the
    characters before `pos` (its look-behind), so from here it finds the same links.
    """
    first = len(text)
    scheme = text.find("://")
    if scheme >= 0:
        first = max(0, scheme - 5)
    tld = _TLD.search(text)  # the first: a later one's run cannot start sooner
    if tld is not None:
        start = tld.start()
        while start > 0 and _HOST_CHAR.match(text, start - 1):
            start -= 1
        first = min(first, start)
    return first


def _url_contact(raw: str) -> str | None:
    """``url:host/path`` or, for messenger links, that messenger's contact."""
    text = raw.rstrip(_TRAIL)
    if "://" in text:
        text = text.split("://", 1)[1]
    text = _QUERY.split(text, maxsplit=1)[0]
    host, _, path = text.partition("/")
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    path = path.rstrip("/")
    if not host or "." not in host:
        return None
    parts = [p for p in path.split("/") if p]
    if host in ("t.me", "telegram.me") and parts:
        return f"telegram:{_norm_handle(parts[0])}"
    if host == "open.kakao.com" and len(parts) >= 2 and parts[0] == "o":
        return f"kakao_openchat:{parts[1]}"
    if host == "line.me" and len(parts) >= 3 and parts[:2] == ["ti", "p"]:
        return f"line:{_norm_handle(parts[2].lstrip('~'))}"
    if host == "wa.me" and parts:
        return _phone("+" + parts[0].lstrip("+"), None)
    return f"url:{host}/{path}" if path else f"url:{host}"


def _phone(raw: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _blank(text: str, span: tuple[int, int]) -> str:
    a, b = span
    return text[:a] + " " * (b - a) + text[b:]


def extract_contacts(texts: Iterable[str | None], region: str | None = "KR") -> list[str]:
    """Every means of contact in `texts`, normalised, sorted, without repeats.

    `region` (ISO 3166-1 alpha-2, e.g. the case's jurisdiction) reads numbers written
    without a country code; numbers that are not valid there are ignored (so "1366"
    or "2시간 28" are not phones).
    """
    region = region_of(region)
    found: set[str] = set()
    for raw in dict.fromkeys(texts):  # a case repeats its reports' texts
        if raw:
            found.update(_extract_one(str(raw), region))
    return sorted(found)


def region_of(region: str | None) -> str:
    """The region numbers written without a country code are read in (a jurisdiction
    phonenumbers does not know, or none, reads as KR)."""
    region = (region or "KR").upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else "KR"


#: distinct texts kept: an import extracts a chunk's texts before staging its cases
#: (services/staged_import.py), which may look them up again (`extract_contacts`)
CACHED_TEXTS = 8192


@functools.lru_cache(maxsize=CACHED_TEXTS)
def _extract_one(raw: str, region: str) -> frozenset[str]:
    """One text's contacts (cached: every report on a post repeats the post's text)."""
    found: set[str] = set()
    text = unicodedata.normalize("NFKC", raw)
    if "@" in text:
        for m in _EMAIL.finditer(text):
            found.add(f"email:{m.group(0).lower()}")
            text = _blank(text, m.span())
    if "://" in text or _dotted(text):
        for m in _URL.finditer(text, _first_link(text)):
            contact = _url_contact(m.group(0))
            if contact:
                found.add(contact)
            text = _blank(text, m.span())
    text = text.lower()  # handles are case-insensitive; the patterns are lower-case
    hints = set(_HINT.findall(text))
    for kind, words, pattern in _KEYWORDS if hints else ():
        if not hints.isdisjoint(words):
            for m in pattern.finditer(text):
                handle = _norm_handle(m.group(1))
                if len(handle) >= 3 and not handle.isdigit():
                    found.add(f"{kind}:{handle}")
                    text = _blank(text, m.span(1))
    if _DIGITS.search(text):  # 7 digits in a run: 7 digits at least
        for match in find_numbers(text, region):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.add(f"phone:{e164}")
    return frozenset(found)


def merge_contacts(*lists: Iterable[str] | None) -> list[str]:
    """One sorted list without repeats."""
    return sorted({c for items in lists if items for c in items})


_LABELS = {
    "phone": "phone",
    "kakao": "KakaoTalk",
    "kakao_openchat": "Kakao open chat",
    "telegram": "Telegram",
    "line": "LINE",
    "handle": "handle",
    "email": "e-mail",
    "url": "link",
}


def contact_label(contact: str) -> str:
    """``telegram:tenpro_vip`` -> ``Telegram @tenpro_vip`` (for people, not for matching)."""
    kind, _, value = contact.partition(":")
    if kind == "phone":
        try:
            number = phonenumbers.parse(value, None)
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            pass
    if kind in ("telegram", "handle"):
        value = "@" + value
    return f"{_LABELS.get(kind, kind)} {value}"
