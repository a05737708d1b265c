"""Contact extraction and text keys as they were before they were made faster (the oracle).

Why a copy: the differential tests compare the fast functions with this plain code, so
it must not share anything that could change with them. Patterns and steps are those
of contacts.py, case_links.py and near_duplicates.py before issue 15's speed work; the
phone step is the library's own `PhoneNumberMatcher` over the whole text (behind the
old 7-digit test), with no narrowing and no caches.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_TLDS = "com|net|org|kr|co\\.kr|co|me|io|ly|ee|link|site|xyz|info|biz|app|page|to|gg|tv|jp|cc|us|uk|de|shop|store|club|online|live|top|vip"
_URL = re.compile(
    r"(?:https?://[^\s<>\"'()]+|(?<![\w@.])(?:www\.)?(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")"
    r"(?![\w-])(?:/[^\s<>\"'()]*)?)",
    re.IGNORECASE,
)
_HANDLE = r"@?([a-z0-9][a-z0-9._-]{2,31})"
_KO = r"\s*(?:id|아이디)?\s*[:：]?\s*"
_EN = r"(?:\s*id)?\s*[:：@]\s*"
_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("kakao", re.compile(r"(?:카카오톡|카카오|카톡)" + _KO + _HANDLE)),
    ("kakao", re.compile(r"\b(?:kakaotalk|kakao|katalk|ktalk)" + _EN + _HANDLE)),
    ("telegram", re.compile(r"(?:텔레그램|텔레|텔그)" + _KO + _HANDLE)),
    ("telegram", re.compile(r"\b(?:telegram|tg)" + _EN + _HANDLE)),
    ("line", re.compile(r"라인" + _KO + _HANDLE)),
    ("line", re.compile(r"\bline" + _EN + _HANDLE)),
    ("handle", re.compile(r"(?:\bdm|문의|연락|contact)\s*[:：]?\s*@([a-z0-9_.]{3,30})")),
)
_TRAIL = ".,;:!?)]}'\"…。、"
_DIGITS = re.compile(r"\+?\d(?:[\s.\-()/]{0,3}\d){6,}")
_DOTTED = re.compile(r"[A-Za-z0-9]\.[A-Za-z]")


def _norm_handle(value: str) -> str:
    return value.strip(_TRAIL).lstrip("@").lower()


def _phone(raw: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _url_contact(raw: str) -> str | None:
    text = raw.rstrip(_TRAIL)
    if "://" in text:
        text = text.split("://", 1)[1]
    text = re.split(r"[?#]", text, maxsplit=1)[0]
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


def _blank(text: str, span: tuple[int, int]) -> str:
    a, b = span
    return text[:a] + " " * (b - a) + text[b:]


def extract_one(raw: str, region: str) -> frozenset[str]:
    """One text's contacts: every messenger pattern on every text, the library's matcher."""
    found: set[str] = set()
    text = unicodedata.normalize("NFKC", raw)
    for m in _EMAIL.finditer(text):
        found.add(f"email:{m.group(0).lower()}")
        text = _blank(text, m.span())
    if "://" in text or _DOTTED.search(text):  # links are looked for only in such text
        for m in _URL.finditer(text):
            contact = _url_contact(m.group(0))
            if contact:
                found.add(contact)
            text = _blank(text, m.span())
    text = text.lower()
    for kind, pattern in _KEYWORDS:
        for m in pattern.finditer(text):
            handle = _norm_handle(m.group(1))
            if len(handle) >= 3 and not handle.isdigit():
                found.add(f"{kind}:{handle}")
                text = _blank(text, m.span(1))
    if sum(map(str.isdigit, text)) >= 7 and _DIGITS.search(text):
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.add(f"phone:{e164}")
    return frozenset(found)


def region_of(region: str | None) -> str:
    region = (region or "KR").upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else "KR"


def extract_contacts(texts: Iterable[str | None], region: str | None = "KR") -> list[str]:
    region = region_of(region)
    found: set[str] = set()
    for raw in texts:
        if raw:
            found.update(extract_one(str(raw), region))
    return sorted(found)


def normalise(*texts: str | None) -> str:
    joined = " ".join(t for t in texts if t)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", joined).casefold()).strip()


def text_key(norm: str) -> int:
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def link_doc(
    case: Mapping[str, Any],
    texts: Iterable[str | None] = (),
    contacts: Iterable[str] = (),
    *,
    min_length: int,
) -> dict[str, Any]:
    found = extract_contacts(
        [case.get("content_text"), case.get("media_description"), *texts],
        case.get("jurisdiction"),
    )
    norm = normalise(case.get("content_text"), case.get("media_description"))
    return {
        "case_id": case["case_id"],
        "account": str((case.get("subject") or {}).get("account") or ""),
        "contacts": sorted(set(contacts) | set(found)),
        "text_key": text_key(norm) if len(norm) >= min_length else None,
    }
