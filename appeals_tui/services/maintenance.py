"""Whole-workspace maintenance for the front ends: verify, migrate, completion, notices.

Why: the CLI and the TUI never import the store (an import-linter contract); these
operations work on a whole store rather than on records, so they are thin here,
and the store's factory does the work without loading a backend until it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import ValidationError
from ..domain.progress import Progress
from ..store.audit import parse_head
from ..store.factory import (
    id_counters,
    is_url,
    open_store,
    redact_url,
    set_wait_notice,
    transfer_store,
    verify_store,
)
from ..store.protocol import VerifyResult

if TYPE_CHECKING:
    from ..store.factory import TransferResult

__all__ = [
    "WorkspaceCheck",
    "verify_workspace",
    "migrate_workspace",
    "id_counters",
    "is_url",
    "redact_url",
    "set_wait_notice",
]


@dataclass(frozen=True)
class WorkspaceCheck:
    """`appeals verify`: the audit chain and records, then (if they are sound) the media files."""

    chain: VerifyResult
    media_checked: int = 0
    media_problems: list[str] = field(default_factory=list)


def verify_workspace(
    target: str | Path, expect: str | None = None, progress: Progress | None = None
) -> WorkspaceCheck:
    """Recompute the chain, compare every record with it and, when `expect`
    (``SEQ:HASH``) is given, check the store still holds that head."""
    anchor = None
    if expect is not None:
        try:
            anchor = parse_head(expect)
        except ValueError as exc:
            raise ValidationError(f"--expect {exc}") from None
    chain = verify_store(target, expect=anchor, progress=progress)
    if not chain.ok:
        return WorkspaceCheck(chain)
    from .media import verify_media  # Pillow/numpy/pdqhash: only `verify` pays for them

    with open_store(target) as ws:
        media = verify_media(ws)
    return WorkspaceCheck(chain, media.checked, [p.problem for p in media.problems])


def migrate_workspace(
    source: str | Path, target: str | Path, progress: Callable[[str, int], None] | None = None
) -> TransferResult:
    """Copy a workspace into an empty target of the other kind (see store.transfer)."""
    return transfer_store(source, target, progress)
