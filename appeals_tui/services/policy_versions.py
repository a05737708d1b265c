"""Published policy libraries: which one is in force, and publishing a draft.

Why: leads change the policy by publishing a draft (`appeals policy publish`). Each
published library's three files are stored in the `policy` table, keyed by its
`library_version` and never changed afterwards (the library it replaced is stored
too, so every version a decision was made under stays readable); the one doc of
`policy_current` names the version in force, and every open (`Session.open`: CLI
and TUI) loads it instead of the shipped library. Decisions record the clause
versions and library version they applied, so publishing changes no decision: the
standing decisions whose guidance changes get a re-review item (services/rereview.py).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..domain.errors import ConflictError, StoreError, ValidationError
from ..domain.policy import FILES, PolicyLibrary
from ..domain.text import clean_text, is_meaningful
from ..paths import data_dir
from ..store.protocol import Order, Store
from ..store.schema import INSERTED
from ..store.shipped import load_default

__all__ = [
    "CURRENT",
    "PolicyVersion",
    "library_for",
    "published_versions",
]

#: key of the one `policy_current` doc
CURRENT = "current"


@dataclass(frozen=True)
class PolicyVersion:
    """One stored library version (the shipped one it replaced has `shipped`)."""

    library_version: str
    published_at: str
    published_by: str
    reason: str
    description: str
    from_version: str
    draft_sha256: str
    files_sha256: str
    rereviews: int
    shipped: bool
    current: bool


def _files_digest(files: dict[str, Any]) -> str:
    """SHA-256 of the library's files as canonical JSON (what the pointer names)."""
    text = json.dumps(
        {n: files[n] for n in FILES}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shipped_files() -> dict[str, Any]:
    """The shipped library's files, decoded (a fresh copy each call)."""
    folder = data_dir() / "policy"
    return {n: json.loads((folder / n).read_text(encoding="utf-8")) for n in FILES}


@functools.lru_cache(maxsize=8)
def _parsed(version: str, digest: str, text: str) -> PolicyLibrary:
    """A stored library, parsed once per process (keyed by its content's digest)."""
    return PolicyLibrary.parse(json.loads(text), f"published version {version}")


def library_for(ws: Store) -> PolicyLibrary:
    """The library in force on this workspace: its last published version, else the
    shipped one."""
    pointer = ws.get("policy_current", CURRENT)
    if pointer is None:
        return load_default()
    version = pointer["library_version"]
    doc = ws.get("policy", version)
    if doc is None:
        raise StoreError(
            f"the workspace's current policy library {version} is missing from its `policy` "
            "table; run `appeals verify`"
        )
    return _parsed(version, pointer["files_sha256"], json.dumps(doc["files"], ensure_ascii=False))


def _current_files(ws: Store) -> dict[str, Any]:
    """The files of the library in force (a copy a draft may be merged into)."""
    pointer = ws.get("policy_current", CURRENT)
    if pointer is None:
        return _shipped_files()
    doc = ws.get("policy", pointer["library_version"])
    if doc is None:
        raise StoreError(f"policy library {pointer['library_version']} is missing")
    return copy.deepcopy(doc["files"])


def _version(d: dict[str, Any], current: str | None) -> PolicyVersion:
    return PolicyVersion(
        library_version=d["library_version"],
        published_at=d.get("published_at") or "",
        published_by=d.get("published_by") or "",
        reason=d.get("reason") or "",
        description=d.get("description") or "",
        from_version=d.get("from_version") or "",
        draft_sha256=d.get("draft_sha256") or "",
        files_sha256=d.get("files_sha256") or "",
        rereviews=int(d.get("rereviews") or 0),
        shipped=bool(d.get("shipped")),
        current=d["library_version"] == current,
    )


def published_versions(ws: Store) -> list[PolicyVersion]:
    """Every stored version, oldest first."""
    pointer = ws.get("policy_current", CURRENT) or {}
    current = pointer.get("library_version")
    return [_version(d, current) for d in ws.query("policy", order=(Order(INSERTED),)).rows]


def check_reason(reason: str) -> str:
    """The publish reason, cleaned; ValidationError unless it is at least a sentence."""
    if not is_meaningful(reason):
        raise ValidationError(
            "reason: required; say in at least a full sentence why the policy changes"
        )
    return clean_text(reason)


def _store_version(
    txn: Any,
    *,
    files: dict[str, Any],
    library_version: str,
    from_version: str,
    expected_current: str,
    at: str,
    by: str,
    reason: str,
    description: str,
    draft_sha256: str,
    rereviews: int,
) -> PolicyVersion:
    """Store `files` as `library_version` and make it current, inside `txn`.

    ConflictError when the version in force is no longer `expected_current` (another
    lead published meanwhile: the impact was computed against something else).
    """
    pointer = txn.get("policy_current", CURRENT)
    now_current = pointer["library_version"] if pointer else expected_current
    if now_current != expected_current:
        raise ConflictError(
            f"policy library {now_current} was published meanwhile (this draft was checked "
            f"against {expected_current}); check its impact again and publish then"
        )
    if txn.get("policy", library_version) is not None:
        raise ValidationError(
            f"library_version: '{library_version}' was published before; name a new one"
        )
    if pointer is None:  # keep the library being replaced: decisions were made under it
        base = _shipped_files()
        txn.insert(
            "policy",
            from_version,
            {
                "library_version": from_version,
                "files": base,
                "files_sha256": _files_digest(base),
                "published_at": at,
                "published_by": by,
                "reason": "the shipped library, in force until the first publish",
                "description": "",
                "from_version": "",
                "draft_sha256": "",
                "rereviews": 0,
                "shipped": True,
            },
        )
    digest = _files_digest(files)
    doc = txn.insert(
        "policy",
        library_version,
        {
            "library_version": library_version,
            "files": files,
            "files_sha256": digest,
            "published_at": at,
            "published_by": by,
            "reason": reason,
            "description": description,
            "from_version": from_version,
            "draft_sha256": draft_sha256,
            "rereviews": rereviews,
            "shipped": False,
        },
    )
    fields = {"library_version": library_version, "files_sha256": digest, "at": at}
    if pointer is None:
        txn.insert("policy_current", CURRENT, {"name": CURRENT, **fields})
    else:
        txn.update("policy_current", CURRENT, fields, expected_version=pointer["version"])
    return _version(doc, library_version)
