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
from contextlib import suppress
from pathlib import Path

from appeals_tui.domain.errors import ValidationError

__all__ = [
    "TMP_SUFFIX",
    "file_mode",
    "make_private_dir",
    "mode_warnings",
    "temp_file",
    "fsync_dir",
    "clean_stale_tmp",
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
    gid = None
    if group is not None:  # before the folder exists: a refused init leaves nothing behind
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise ValidationError(f"--group {group}: no such Unix group on this host") from None
    made = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (FileExistsError, NotADirectoryError):
        raise ValidationError(f"{path}: not a folder (a file is in the way)") from None
    except OSError as exc:  # no right to create it, read-only file system, disk full
        raise ValidationError(f"{path}: cannot create the folder ({exc.strerror})") from None
    if gid is None:
        os.chmod(path, 0o700)
        return
    try:
        os.chown(path, -1, gid)
    except PermissionError:
        if made:
            path.rmdir()
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
