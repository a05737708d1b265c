"""Writing a user-named output file safely (exports, crash logs).

Why: `--out` names a path in a folder other people may write to. The file is
written through a temp file created with O_EXCL in the target's own folder
(mkstemp: random name, never an existing file, never through a symlink), fsynced
and then moved into place; an existing file is replaced only when asked, and a
FIFO, device or symlink target never.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from .domain.errors import ValidationError

__all__ = ["safe_output", "check_output_target"]

TMP_SUFFIX = ".tmp"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_output_target(target: Path, force: bool) -> None:
    """Refuse a target that is not a regular file, or exists without --force."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise ValidationError(f"path: {target} is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(st.st_mode):
        raise ValidationError(f"path: {target} is not a regular file; refusing to replace it")
    if not force:
        raise ValidationError(f"path: {target} already exists; pass --force to replace it")


@contextmanager
def safe_output(target: Path, *, force: bool = False, mode: int = 0o600) -> Iterator[IO[str]]:
    """Write `target` as a whole or not at all, through an O_EXCL temp file beside it.

    Without `force` the finished file is linked into place (which fails if the name
    appeared meanwhile), so an existing file is never replaced silently.
    """
    target = Path(target)
    check_output_target(target, force)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            check_output_target(target, True)
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise ValidationError(
                    f"path: {target} already exists; pass --force to replace it"
                ) from None
            os.unlink(tmp)
        with suppress(OSError):
            _fsync_dir(directory)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
