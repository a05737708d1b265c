"""Creating files safely: private modes, unpredictable temp names, no symlink following.

Why: a workspace holds private notes and decisions, and its directory may sit on
a host other people log into. Every file we write goes through a temp file made
with O_EXCL in the target's own directory (mkstemp: random name, O_NOFOLLOW, never
an existing file), is fsynced and then renamed into place, so a pre-placed
symlink or a guessed name can never redirect a write, and a crash leaves either
the old file or the new one (plus a `*.tmp` cleaned on the next open).
"""

from __future__ import annotations

import grp
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from appeals_tui.domain.errors import ValidationError

__all__ = [
    "TMP_SUFFIX",
    "file_mode",
    "make_private_dir",
    "mode_warnings",
    "temp_file",
    "fsync_dir",
    "clean_stale_tmp",
    "safe_output",
    "check_output_target",
]

TMP_SUFFIX = ".tmp"


def file_mode(directory: Path) -> int:
    """0660 in a group-shared workspace (directory 2770), else 0600."""
    try:
        mode = os.stat(directory).st_mode
    except OSError:
        return 0o600
    return 0o660 if mode & 0o070 == 0o070 else 0o600


def make_private_dir(path: Path, group: str | None = None) -> None:
    """Create (or tighten) a workspace directory: 0700, or 2770 owned by `group`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if group is None:
        os.chmod(path, 0o700)
        return
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValidationError(f"--group {group}: no such Unix group on this host") from None
    try:
        os.chown(path, -1, gid)
    except PermissionError:
        raise ValidationError(
            f"--group {group}: you are not a member of that group (see `id`), so the "
            "workspace cannot be given to it"
        ) from None
    os.chmod(path, 0o2770)


def mode_warnings(directory: Path) -> list[str]:
    """Sentences about files others on the host can read (checked on every open)."""
    out: list[str] = []
    try:
        st = os.stat(directory)
    except OSError:
        return out
    if st.st_mode & 0o007:
        out.append(
            f"{directory} is readable by every user on this host (mode "
            f"{stat.S_IMODE(st.st_mode):o}); run `chmod 700 {directory}` (or 2770 for a team group)"
        )
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return out
    loose = [e.name for e in entries if e.is_file(follow_symlinks=False) and _loose(e.stat())]
    if loose:
        out.append(
            f"{directory}: {', '.join(sorted(loose))} readable by other users; "
            f"run `chmod o-rwx {directory}/*`"
        )
    return out


def _loose(st: os.stat_result) -> bool:
    return bool(st.st_mode & 0o007)


def temp_file(directory: Path, name: str) -> tuple[int, Path]:
    """A new, never-existing file next to `name` (O_EXCL, random suffix), with the
    directory's file mode; returns (fd, path)."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, file_mode(directory))
    except OSError:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, Path(tmp)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_stale_tmp(directory: Path) -> int:
    """Remove temp files left by killed writes (the caller holds the exclusive lock)."""
    removed = 0
    with suppress(OSError):
        for entry in os.scandir(directory):
            if entry.name.endswith(TMP_SUFFIX) and entry.is_file(follow_symlinks=False):
                with suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def check_output_target(target: Path, force: bool) -> None:
    """Refuse a target that is not a regular file, or exists without --force."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise ValidationError(f"{target}: is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(st.st_mode):
        raise ValidationError(f"{target}: not a regular file; refusing to replace it")
    if not force:
        raise ValidationError(f"{target}: already exists; pass --force to replace it")


@contextmanager
def safe_output(target: Path, *, force: bool = False, mode: int = 0o600) -> Iterator[IO[str]]:
    """Write `target` as a whole or not at all, through an O_EXCL temp file beside it.

    Without `force` the finished file is linked into place (which fails if the name
    appeared meanwhile), so an existing file is never replaced silently.
    """
    target = Path(target)
    check_output_target(target, force)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise ValidationError(f"{target}: cannot write here ({exc.strerror})") from None
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
                    f"{target}: already exists; pass --force to replace it"
                ) from None
            os.unlink(tmp)
        with suppress(OSError):
            fsync_dir(directory)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
