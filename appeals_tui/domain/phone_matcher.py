"""Phone numbers in free text: `phonenumbers.PhoneNumberMatcher`, minus hopeless parses.

Why: the matcher parses every run of digits it meets ("ep.12", "1366", "8,315") and,
when that fails, every group inside it; in report texts full of prices, hours and
dates that was most of an import's extraction time. A number read without a country
code (no "+", no international call prefix such as 00 or 011 among its digits) is a
national number of the text's region: valid only with at least as many digits as the
shortest national number of that calling code allows (5 for +82, 7 for +1). Such a
candidate with fewer digits, and no letters (a letter may stand for a digit:
"1-800-FLOWERS"), cannot be valid, so it is dropped before parsing: the matches found
are exactly the library's.

One more thing keeps them exact: the library gives up after 65,535 failed tries;
skipping candidates spends fewer tries, so it could go on where the library stopped.
A text is given to the fast matcher only when it is too short to reach that many tries
at all (each character can cost at most 2·(inner patterns)+1 tries); longer texts get
the library's own matcher.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    REGION_CODE_FOR_NON_GEO_ENTITY,
    PhoneMetadata,
    PhoneNumberMatch,
    phonenumbermatcher,
)

__all__ = ["find_numbers", "matcher_for", "min_digits"]

#: the library compiles its metadata's patterns as it uses them, through `re.compile`;
#: with a few dozen regions seen they outgrow the re module's cache (512) and are
#: compiled again and again. Keep them (a bounded set: the metadata is fixed). Versions
#: of the library without this switch compile as before (the same results either way).
_KEEP_PATTERNS = getattr(phonenumbers, "enable_pattern_cache", None)
if callable(_KEEP_PATTERNS):
    _KEEP_PATTERNS()


def _max_tries() -> int:
    """The library's try limit (65,535 in phonenumbers 8 and 9)."""
    param = inspect.signature(phonenumbers.PhoneNumberMatcher).parameters.get("max_tries")
    return param.default if param is not None and isinstance(param.default, int) else 0


_INNER = getattr(phonenumbermatcher, "_INNER_MATCHES", None)
#: texts up to this long cannot spend the library's tries (see the module docstring);
#: 0 (no fast path) if this version of the library is not the one reasoned about
FAST_LIMIT = _max_tries() // (2 * len(_INNER) + 2) if _INNER else 0


def _shortest(cc: int) -> int | None:
    """The fewest digits of a national number of calling code `cc` (any of its regions)."""
    lengths: list[int] = []
    for region in COUNTRY_CODE_TO_REGION_CODE.get(cc, ()):
        if region == REGION_CODE_FOR_NON_GEO_ENTITY:
            meta = PhoneMetadata.metadata_for_nongeo_region(cc)
        else:
            meta = PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.general_desc is None:
            return None  # unknown: no bound
        lengths.extend(n for n in meta.general_desc.possible_length or () if n > 0)
    return min(lengths) if lengths else None


#: a candidate of ASCII digits and these separators only: no "+", no letter, no
#: extension mark (# ; , ~ x ...): its national number is its digits less a leading
#: calling code or national prefix (see `_Calling`)
_PLAIN = re.compile(r"[0-9 .()/\-]+")
_SEPARATORS = str.maketrans("", "", " .()/-")


_Desc = tuple[frozenset[int], re.Pattern[str]]  # possible lengths (empty: any), pattern
_TYPES = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line", "mobile",
)  # fmt: skip


@dataclass(frozen=True)
class _Calling:
    """What the metadata of one calling code allows a national number to be.

    Why: a plain candidate (`_PLAIN`) read in a region of this code, with no call
    prefix among its digits, is parsed by the library as a number of this code whose
    national significant number is its digits, less the code itself written in front
    ("82 10 ..."), less a national prefix (and carrier code) matched by a region's
    ``national_prefix_for_parsing``, or rewritten by its transform rule. The library
    finds it valid only if, for one of the code's regions, that national number
    matches the region's general description and one of its number types (what
    `is_valid_number` asks of it, with the same lengths and patterns). When none of
    the national numbers it could be does (a date such as 2026.05.01, a Korean mobile
    number read in the US), the candidate is not parsed at all.
    """

    code: int
    prefixes: tuple[tuple[re.Pattern[str], str], ...]  # (national prefix, transform rule)
    regions: tuple[tuple[_Desc, tuple[_Desc, ...]], ...]  # (general, types) of each region

    def nationals(self, digits: str) -> set[str]:
        """Every national number the library could read `digits` as (a superset)."""
        found = {digits}
        code = str(self.code)
        if digits.startswith(code):
            found.add(digits[len(code) :])
        for _ in range(2):  # stripped when the code is read, and again after it
            for number in list(found):
                for pattern, rule in self.prefixes:
                    match = pattern.match(number)
                    if match:
                        found.add(number[match.end() :])
                        if rule:
                            found.add(pattern.sub(rule, number, count=1))
        return found

    def can_be_valid(self, digits: str) -> bool:
        """Whether the library could find `digits` (read as above) a valid number."""
        return any(
            _matches(national, general) and any(_matches(national, t) for t in types)
            for national in self.nationals(digits)
            for general, types in self.regions
        )


def _matches(national: str, desc: _Desc) -> bool:
    """The library's `_is_number_matching_desc`: a possible length, the whole pattern."""
    lengths, pattern = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


def _desc(desc: object) -> _Desc | None:
    """A number description's lengths and pattern (None: it matches nothing)."""
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    return frozenset(getattr(desc, "possible_length", None) or ()), re.compile(pattern)


def _calling(cc: int) -> _Calling | None:
    """The `_Calling` of `cc` (None: some of its metadata is missing; no narrowing)."""
    prefixes: list[tuple[re.Pattern[str], str]] = []
    regions: list[tuple[_Desc, tuple[_Desc, ...]]] = []
    try:
        for region in COUNTRY_CODE_TO_REGION_CODE.get(cc, ()):
            meta = PhoneMetadata.metadata_for_region(region)
            general = _desc(meta.general_desc) if meta is not None else None
            if meta is None or general is None or not general[0]:
                return None
            types = (_desc(getattr(meta, name, None)) for name in _TYPES)
            regions.append((general, tuple(t for t in types if t is not None)))
            if meta.national_prefix_for_parsing:
                rule = meta.national_prefix_transform_rule or ""
                prefixes.append((re.compile(meta.national_prefix_for_parsing), rule))
    except re.error:
        return None
    return _Calling(cc, tuple(prefixes), tuple(regions)) if regions else None


def _remembered(memo: dict[str, bool], candidate: str, answer: Callable[[str], bool]) -> bool:
    """`answer(candidate)`, kept in `memo` (emptied when it reaches _MEMO_MAX)."""
    known = memo.get(candidate)
    if known is None:
        known = answer(candidate)
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[candidate] = known
    return known


@dataclass(frozen=True)
class _Bound:
    """What a candidate read in one region needs to possibly be valid."""

    digits: int  # as a national number: at least this many digits
    idd: re.Pattern[str]  # the region's international call prefix (00, 011, ...)
    calling: _Calling | None = None  # the region's calling code (None: not narrowed)
    #: candidate -> hopeless: the same short runs ("2026", "10", "1366") come back in
    #: every text, and each candidate is asked about twice (its match, then its parse)
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    #: candidate -> invalid (dates and the like recur with other neighbours)
    plain: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def hopeless(self, candidate: str) -> bool:
        """Too few digits for a national number, and nothing that reads as a
        country code ("+", the call prefix anywhere) or a letter."""
        return _remembered(self.memo, candidate, self._hopeless)

    def invalid(self, candidate: str) -> bool:
        """A plain candidate (`_PLAIN`) that the library cannot find valid (see
        `_Calling`). Not true of the groups inside it: asked of each candidate parsed."""
        return _remembered(self.plain, candidate, self._invalid)

    def _invalid(self, candidate: str) -> bool:
        if self.calling is None or not _PLAIN.fullmatch(candidate):
            return False
        digits = candidate.translate(_SEPARATORS)
        if self.idd.search(digits):
            return False  # may be read as a call prefix and another code
        return not self.calling.can_be_valid(digits)

    def _hopeless(self, candidate: str) -> bool:
        n = 0
        for c in candidate:
            if c.isdigit():
                n += 1
                if n >= self.digits:
                    return False
            elif c.isalpha() or c in _PLUS:
                return False
        digits = "".join(str(unicodedata.digit(c)) for c in candidate if c.isdigit())
        return self.idd.search(digits) is None  # a call prefix among them: not hopeless


_MEMO_MAX = 4096
_PLUS = "+\uff0b"


@functools.cache
def bound(region: str) -> _Bound | None:
    """The bound for `region` (None: the metadata cannot tell; no narrowing)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None or not meta.international_prefix or meta.country_code is None:
        return None
    national = _shortest(meta.country_code)
    if national is None or national < 2:
        return None
    try:
        idd = re.compile(meta.international_prefix)
    except re.error:
        return None
    return _Bound(national, idd, _calling(meta.country_code))


def min_digits(region: str) -> int:
    """Digits a national number of `region` has at least (1: no bound)."""
    found = bound(region)
    return found.digits if found is not None else 1


#: (candidate, region, character before, character after) -> the number, or None;
#: what the library's parse-and-verify answers depends on nothing else (Leniency.VALID)
_Parsed = dict[tuple[str, str, str, str], "phonenumbers.PhoneNumber | None"]
_PARSED: _Parsed = {}
_PARSED_MAX = 8192


class _Matcher(phonenumbers.PhoneNumberMatcher):
    """The library's matcher; candidates that cannot be valid are not parsed, and a
    candidate seen before (a date, a price, a network's shared number) is not parsed
    again."""

    def __init__(self, text: str, region: str, limit: _Bound) -> None:
        super().__init__(text, region, phonenumbers.Leniency.VALID)
        self._hopeless = limit.hopeless
        self._invalid = limit.invalid
        self._region = region

    def _extract_match(self, candidate: str, offset: int) -> PhoneNumberMatch | None:
        if self._hopeless(candidate):  # so is every group inside it
            return None
        return super()._extract_match(candidate, offset)

    def _parse_and_verify(self, candidate: str, offset: int) -> PhoneNumberMatch | None:
        if self._hopeless(candidate) or self._invalid(candidate):
            return None
        text, end = self.text, offset + len(candidate)
        key = (
            candidate,
            self._region,
            text[offset - 1] if offset > 0 else "",
            text[end] if end < len(text) else "",
        )
        if key in _PARSED:
            number = _PARSED[key]
            return None if number is None else PhoneNumberMatch(offset, candidate, number)
        match = super()._parse_and_verify(candidate, offset)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = None if match is None else match.number
        return match


def _fast_ok() -> bool:
    """The library still has the methods the fast matcher narrows (else: no fast path)."""
    base = phonenumbers.PhoneNumberMatcher
    return FAST_LIMIT > 0 and all(
        callable(getattr(base, name, None)) for name in ("_extract_match", "_parse_and_verify")
    )


_FAST = _fast_ok()


def matcher_for(text: str, region: str) -> phonenumbers.PhoneNumberMatcher:
    """``PhoneNumberMatcher(text, region, Leniency.VALID)``, narrowed when that is exact."""
    limit = bound(region) if _FAST and len(text) <= FAST_LIMIT else None
    if limit is not None:
        return _Matcher(text, region, limit)
    return phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)


def find_numbers(text: str, region: str) -> Iterator[phonenumbers.PhoneNumberMatch]:
    """What ``PhoneNumberMatcher(text, region, Leniency.VALID)`` finds, sooner."""
    return iter(matcher_for(text, region))
