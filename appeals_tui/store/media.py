"""Content-addressed media bytes: `media/ab/abcdef…` named by the file's SHA-256.

Why a separate store: image bytes are large and shared between cases (a repost
is the same file), so they live beside the records, named by their hash, written
once and never modified. The records (a case's `media` list, the `media` table)
hold only hashes and metadata, on whichever backend; `verify` rehashes every
referenced file. The embedded workspace keeps them in `<workspace>/media`; a
PostgreSQL team points every client at one shared directory.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from appeals_tui.store.files import fsync_dir, temp_file

__all__ = ["MediaStore", "MediaProblem", "sha256_hex", "is_sha256"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sha256(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_SHA256.match(value))


@dataclass(frozen=True)
class MediaProblem:
    """A referenced file that is missing or whose bytes no longer hash to its name."""

    sha256: str
    problem: str


class MediaStore:
    """Files under `root`, one per distinct content, private like the workspace around it:
    directories 0700 and files 0600, or 2770/0660 when the workspace is shared with a group."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store `data` under its hash (once); return the hash. Existing files are left alone."""
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.is_file():
            return digest
        mode = self._dir_mode()
        for folder in (self.root, target.parent):
            if not folder.is_dir():
                folder.mkdir(mode=0o700, exist_ok=True)
                os.chmod(folder, mode)
        fd, tmp = temp_file(target.parent, target.name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)
        return digest

    def _dir_mode(self) -> int:
        """2770 when the folder holding the media store is group-shared, else 0700."""
        try:
            shared = os.stat(self.root.parent).st_mode & 0o070 == 0o070
        except OSError:
            shared = False
        return 0o2770 if shared else 0o700

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def check(self, sha256: str) -> MediaProblem | None:
        """Rehash one stored file (streamed, so a large file costs no memory)."""
        path = self.path_for(sha256)
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return MediaProblem(sha256, f"{path}: missing")
        except OSError as exc:
            return MediaProblem(sha256, f"{path}: cannot read ({exc.strerror})")
        if digest.hexdigest() != sha256:
            return MediaProblem(sha256, f"{path}: content changed (hash {digest.hexdigest()})")
        return None
