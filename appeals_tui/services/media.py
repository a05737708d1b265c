"""Media in report imports: check each listed file, then copy it into the media store.

Why two passes: the import is all or nothing, so every file is checked (and
hashed) while the report file is validated, and nothing is copied until the
whole file passed. The copy re-reads and re-hashes each file, so what is stored
is exactly what was checked (a file changed in between is refused).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.errors import NotFound, ValidationError
from ..store.media import MediaProblem, MediaStore, is_sha256, sha256_hex
from ..store.protocol import Store
from .images import MAX_BYTES, ImageFacts, ImageRejected, inspect_image, make_preview
from .permissions import require_role
from .session import Session

__all__ = [
    "MediaCollector",
    "media_store",
    "read_bounded",
    "get_media",
    "MediaRecord",
    "media_bytes",
    "display_bytes",
    "verify_media",
    "MediaCheckResult",
]


def media_store(ws: Store) -> MediaStore:
    """The store's media directory: `<workspace>/media`, or the one a server backend names."""
    return MediaStore(Path(ws.media_dir))


def read_bounded(path: Path) -> bytes:
    """Read a regular file (never following a symlink), at most MAX_BYTES + 1 bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ImageRejected("no such file") from None
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1) or path.is_symlink():
            raise ImageRejected("is a symbolic link, not a regular file") from None
        raise ImageRejected(f"cannot read ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ImageRejected("not a regular file")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > MAX_BYTES:
            raise ImageRejected(f"file is {info.st_size:,} bytes; the limit is {MAX_BYTES:,}")
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"file is over {MAX_BYTES:,} bytes; the limit is {MAX_BYTES:,}")
    return data


@dataclass
class MediaCollector:
    """Checks `media` entries of one import file; remembers what each path hashed to."""

    base: Path
    facts: dict[str, ImageFacts] = field(default_factory=dict)
    #: original SHA-256 -> SHA-256 of its display copy (only for large images)
    previews: dict[str, str] = field(default_factory=dict)
    _problems: dict[str, str] = field(default_factory=dict)

    def _resolve(self, entry: str) -> Path:
        rel = Path(entry)
        if rel.is_absolute():
            raise ImageRejected("must be a path relative to the import file")
        base = self.base.resolve()
        target = base / rel
        try:
            target.parent.resolve().relative_to(base)
        except ValueError:
            raise ImageRejected("must stay inside the import file's folder") from None
        return target

    def check(self, entry: str) -> str | None:
        """A problem with this entry, or None (then `facts[entry]` holds the image's facts)."""
        if entry in self.facts:
            return None
        if entry in self._problems:
            return self._problems[entry]
        try:
            data = read_bounded(self._resolve(entry))
            self.facts[entry] = inspect_image(data, sha256_hex(data))
            return None
        except ImageRejected as exc:
            self._problems[entry] = str(exc)
            return str(exc)

    def hashes(self, entries: list[str]) -> list[str]:
        return [self.facts[e].sha256 for e in entries]

    def copy_into(self, store: MediaStore, source: str) -> None:
        """Second pass: store each checked file; refuse any that changed since the check."""
        changed: list[str] = []
        for entry, facts in self.facts.items():
            if store.has(facts.sha256):
                continue
            try:
                data = read_bounded(self._resolve(entry))
            except ImageRejected as exc:
                changed.append(f"{source}: media: {entry}: {exc}")
                continue
            if sha256_hex(data) != facts.sha256:
                changed.append(f"{source}: media: {entry}: changed while importing")
                continue
            store.put(data)
            preview = make_preview(data)
            if preview is not None:
                self.previews[facts.sha256] = store.put(preview)
        if changed:
            raise ValidationError(f"{source}: media files changed; nothing imported", changed)


def _media_doc(
    facts: ImageFacts, now: str, case_id: str, account: str, preview: str | None = None
) -> dict[str, Any]:
    """The `media` table record: metadata and PDQ; the bytes stay in the media store
    (`preview`: the hash of a smaller display copy, for large images)."""
    return {
        **facts.to_dict(),
        "preview": preview,
        "first_seen_at": now,
        "first_case": case_id,
        "first_account": account,
    }


@dataclass(frozen=True)
class MediaRecord:
    """A stored image's metadata (the `media` record; the bytes stay in the media store).
    `preview` names a smaller display copy, for large images."""

    sha256: str
    size: int
    format: str
    width: int
    height: int
    pdq: str
    pdq_quality: int
    preview: str | None
    first_seen_at: str
    first_case: str
    first_account: str


def get_media(session: Session, sha256: str) -> MediaRecord:
    require_role(session, "read", "see media")
    doc = session.ws.get("media", sha256) if is_sha256(sha256) else None
    if doc is None:
        raise NotFound(f"no media {sha256}")
    return MediaRecord(
        sha256=doc["sha256"],
        size=int(doc.get("size") or 0),
        format=doc.get("format") or "",
        width=int(doc.get("width") or 0),
        height=int(doc.get("height") or 0),
        pdq=doc.get("pdq") or "",
        pdq_quality=int(doc.get("pdq_quality") or 0),
        preview=doc.get("preview"),
        first_seen_at=doc.get("first_seen_at") or "",
        first_case=doc.get("first_case") or "",
        first_account=doc.get("first_account") or "",
    )


def media_bytes(session: Session, sha256: str) -> bytes:
    """The stored file, checked against its name before anyone sees it."""
    get_media(session, sha256)
    store = media_store(session.ws)
    problem = store.check(sha256)
    if problem is not None:
        raise NotFound(problem.problem)
    return store.read(sha256)


@dataclass(frozen=True)
class MediaCheckResult:
    checked: int
    problems: list[MediaProblem]


def display_bytes(session: Session, sha256: str) -> bytes:
    """What the screen decodes: the display copy when there is a sound one, else the file."""
    preview = get_media(session, sha256).preview
    if is_sha256(preview):
        store = media_store(session.ws)
        if store.check(preview) is None:
            return store.read(preview)
    return media_bytes(session, sha256)


def verify_media(ws: Store) -> MediaCheckResult:
    """Rehash every file a case refers to; one problem per missing or altered file."""
    store = media_store(ws)
    referenced = ws.distinct("cases", "media")
    problems: list[MediaProblem] = []
    for sha in sorted(referenced):
        if not is_sha256(sha):
            problems.append(MediaProblem(str(sha), f"case refers to malformed hash {sha!r}"))
            continue
        doc = ws.get("media", sha)
        if doc is None:
            problems.append(MediaProblem(sha, f"media record {sha} missing"))
        for stored in (sha, (doc or {}).get("preview")):
            problem = store.check(stored) if is_sha256(stored) else None
            if problem is not None:
                problems.append(problem)
    return MediaCheckResult(len(referenced), problems)
