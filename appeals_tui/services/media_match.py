"""Recognising the same picture again: PDQ matches across cases, accounts and files.

Why: a comic reposted by another account with a new caption is a new case with
no history; its PDQ hash is within a few bits of the original's, so the earlier
case and its decision can be put in front of the moderator (and ranked first
among precedents: the same picture already decided is the strongest precedent).
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.errors import ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.similarity import RankedPrecedent
from ..store.media import sha256_hex
from ..store.protocol import Filter, Op, Store
from .cases import _case_doc
from .permissions import require_role
from .session import Session

if TYPE_CHECKING:
    from ..domain.pdq import PdqIndex

# domain.pdq (numpy) and .images/.media (PIL, pdqhash) are imported where an image is
# matched: `appeals precedents` on a case without images starts ~1 s sooner without them.

__all__ = [
    "ImageMatch",
    "FileMatch",
    "ImageLink",
    "match_distance",
    "matches_for_pdq",
    "case_image_matches",
    "match_file",
    "image_precedents",
    "with_image_precedents",
    "image_links",
]


@dataclass(frozen=True)
class ImageMatch:
    """A case holding an image within `distance` bits of the one asked about."""

    case_id: str
    account: str
    platform: str
    status: str
    sha256: str
    matched: str  # the hash of the image asked about (a case may have several)
    distance: int
    decision_id: str | None
    action: str | None
    moderator: str | None
    decided_at: str | None


@dataclass(frozen=True)
class FileMatch:
    sha256: str
    pdq: str
    pdq_quality: int
    stored: bool
    matches: list[ImageMatch]

    def to_dict(self) -> JsonObject:
        return {
            "sha256": self.sha256,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            "stored": self.stored,
            "decided_before": any(m.decision_id for m in self.matches),
            "matches": [dataclasses.asdict(m) for m in self.matches],
        }


@dataclass(frozen=True)
class ImageLink:
    """Two accounts that posted matching images (for account networks)."""

    account_a: str
    account_b: str
    case_a: str
    case_b: str
    distance: int


_cache: weakref.WeakKeyDictionary[Any, tuple[int, PdqIndex]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _cases_with(ws: Store, sha256: str) -> list[dict[str, Any]]:
    return ws.lookup("cases", "media", sha256)


def _matchable(ws: Store) -> list[dict[str, Any]]:
    from ..domain.pdq import MIN_QUALITY

    return list(ws.iterate("media", [Filter("pdq_quality", Op.GE, MIN_QUALITY)]))


def _index(ws: Store) -> PdqIndex:
    """PDQ hashes of every stored image good enough to match; rebuilt when media are added.

    Media records are insert-only, so their count says whether the index is current.
    """
    from ..domain.pdq import PdqIndex

    count = ws.count("media")
    with _cache_lock:
        cached = _cache.get(ws)
        if cached is not None and cached[0] == count:
            return cached[1]
    index = PdqIndex((d["sha256"], d["pdq"]) for d in _matchable(ws))
    with _cache_lock:
        _cache[ws] = (count, index)
    return index


def match_distance(session: Session) -> int:
    return session.config("pdq_match_distance")


def _matches(session: Session, pdq: str, matched: str) -> list[ImageMatch]:
    ws = session.ws
    out: list[ImageMatch] = []
    for hit in _index(ws).search(pdq, match_distance(session)):
        for case in _cases_with(ws, hit.key):
            decision = ws.get("decisions", case["decision_id"]) if case.get("decision_id") else None
            out.append(
                ImageMatch(
                    case_id=case["case_id"],
                    account=case["subject"]["account"],
                    platform=case["subject"]["platform"],
                    status=case["status"],
                    sha256=hit.key,
                    matched=matched,
                    distance=hit.distance,
                    decision_id=decision["decision_id"] if decision else None,
                    action=decision["action"] if decision else None,
                    moderator=decision["moderator"] if decision else None,
                    decided_at=decision["decided_at"] if decision else None,
                )
            )
    return out


def matches_for_pdq(session: Session, pdq: str) -> list[ImageMatch]:
    require_role(session, "read", "match images")
    return _matches(session, pdq, "")


def case_image_matches(session: Session, case_id: str) -> list[ImageMatch]:
    """Other cases with an image matching one of this case's: nearest first, one row per case."""
    require_role(session, "read", "match images")
    case = _case_doc(session, case_id)
    best: dict[str, ImageMatch] = {}
    for sha in case.get("media") or ():
        from ..domain.pdq import MIN_QUALITY

        doc = session.ws.get("media", sha)
        if doc is None or int(doc.get("pdq_quality", 0)) < MIN_QUALITY:
            continue
        for m in _matches(session, doc["pdq"], sha):
            if m.case_id == case_id:
                continue
            if m.case_id not in best or m.distance < best[m.case_id].distance:
                best[m.case_id] = m
    return sorted(best.values(), key=lambda m: (m.distance, m.decision_id is None, m.case_id))


def match_file(session: Session, path: Path) -> FileMatch:
    """Has this image (not yet imported) been seen, and decided, before?"""
    from ..domain.pdq import MIN_QUALITY
    from .images import ImageRejected, inspect_image
    from .media import read_bounded

    require_role(session, "read", "match images")
    try:
        data = read_bounded(Path(path))
        facts = inspect_image(data, sha256_hex(data))
    except ImageRejected as exc:
        raise ValidationError(f"{path}: {exc}") from None
    matches = _matches(session, facts.pdq, facts.sha256) if facts.pdq_quality >= MIN_QUALITY else []
    matches.sort(key=lambda m: (m.distance, m.decision_id is None, m.case_id))
    stored = session.ws.get("media", facts.sha256) is not None
    return FileMatch(facts.sha256, facts.pdq, facts.pdq_quality, stored, matches)


def image_precedents(session: Session, case_id: str) -> list[RankedPrecedent]:
    """Standing decisions on cases with a matching image, nearest image first."""
    out: list[RankedPrecedent] = []
    for m in case_image_matches(session, case_id):
        if m.decision_id is None:
            continue
        decision = session.ws.get("decisions", m.decision_id)
        if (
            decision is None
            or decision.get("superseded_by")
            or decision.get("appeal_outcome") == "overturned"
        ):
            continue
        out.append(
            RankedPrecedent(
                decision,
                1.0 - m.distance / 256,
                False,
                bool(decision.get("canonical")),
                same_image=True,
                image_distance=m.distance,
            )
        )
    return out


def with_image_precedents(
    session: Session, case_id: str, ranked: list[RankedPrecedent], limit: int
) -> list[RankedPrecedent]:
    """Decisions on matching images first, then the profile ranking, without repeats."""
    first = image_precedents(session, case_id)
    seen = {p.decision["decision_id"] for p in first}
    rest = [p for p in ranked if p.decision["decision_id"] not in seen]
    return (first + rest)[: max(limit, len(first))]


def image_links(session: Session) -> list[ImageLink]:
    """Pairs of accounts whose cases hold matching images (each pair once, nearest match)."""
    require_role(session, "read", "see account networks")
    ws = session.ws
    if not ws.count("media"):
        return []  # no image: the PDQ index (and numpy) need not load
    index = _index(ws)
    limit = match_distance(session)
    best: dict[tuple[str, str], ImageLink] = {}
    for doc in _matchable(ws):
        mine = _cases_with(ws, doc["sha256"])
        for hit in index.search(doc["pdq"], limit):
            for other in _cases_with(ws, hit.key):
                for case in mine:
                    a, b = case["subject"]["account"], other["subject"]["account"]
                    if a >= b:
                        continue
                    link = ImageLink(a, b, case["case_id"], other["case_id"], hit.distance)
                    if (a, b) not in best or hit.distance < best[(a, b)].distance:
                        best[(a, b)] = link
    return sorted(best.values(), key=lambda x: (x.distance, x.account_a, x.account_b))
