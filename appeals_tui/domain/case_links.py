"""What links a case to other accounts: its normalised contacts and its text key.

Stored on the case record itself (fields ``contacts`` and ``text_key``, store/schema.py
v3): up to the embedded schema 3 they were a second record per case (table
``case_links``), which cost an import a staged record, a digest and index entries per
case for nothing the case record could not hold. ``link_doc`` and ``link_record`` still
give that record's shape (schema 3's migration writes it); ``link_fields`` is the part
a case carries.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from appeals_tui.domain.contacts import (
    CACHED_TEXTS,
    extract_contacts,
    merge_contacts,
)
from appeals_tui.domain.near_duplicates import normalise, text_key

__all__ = [
    "LINK_FIELDS",
    "case_text",
    "link_doc",
    "link_fields",
    "link_record",
    "text_fields",
]

#: the fields of a case record that link it to others (its contacts, its text key)
LINK_FIELDS = ("contacts", "text_key")


def case_text(case: Mapping[str, Any]) -> str:
    """The case's text as near-duplicates are compared (content and media description)."""
    return _normalised(case.get("content_text"), case.get("media_description"))


@functools.lru_cache(maxsize=CACHED_TEXTS)
def _normalised(content: str | None, media: str | None) -> str:
    """Cached: every report on a post, and every repost of a caption, repeats its text."""
    return normalise(content, media)


def link_doc(
    case: Mapping[str, Any],
    texts: Iterable[str | None] = (),
    contacts: Iterable[str] = (),
    *,
    min_length: int,
) -> dict[str, Any]:
    """The ``case_links`` record of `case`: contacts found in its own text and `texts`
    (its reports'), merged with `contacts` already known; the key of its text if the
    text has `min_length` characters (``networks.json``) to compare."""
    found = extract_contacts(
        [case.get("content_text"), case.get("media_description"), *texts],
        case.get("jurisdiction"),
    )
    key = text_fields(case.get("content_text"), case.get("media_description"), min_length)
    return link_record(case, merge_contacts(contacts, found), key)


def link_record(case: Mapping[str, Any], contacts: list[str], key: int | None) -> dict[str, Any]:
    """The ``case_links`` record of `case` with these (sorted, distinct) contacts and key."""
    return {
        "case_id": case["case_id"],
        "account": str((case.get("subject") or {}).get("account") or ""),
        "contacts": contacts,
        "text_key": key,
    }


def link_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The case fields of a ``link_doc``/``link_record`` result (or of a case)."""
    return {"contacts": list(record.get("contacts") or ()), "text_key": record.get("text_key")}


def text_fields(content: str | None, media: str | None, min_length: int) -> int | None:
    """The text key of a case with this content and media description, if its
    normalised text has `min_length` characters to compare (else None)."""
    norm = _normalised(content, media)
    return text_key(norm) if len(norm) >= min_length else None
