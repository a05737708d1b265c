"""Reading a small text file a user names: a policy draft, an edited notice body.

Why: such a path may name a FIFO (a read that never returns), /dev/zero (one that
never stops growing) or a huge file. Each is refused on the open descriptor before
anything is read, as report files are (services/report_files.py), with one
ValidationError naming the file; only a regular file within `max_bytes` is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from ..domain.errors import ValidationError

__all__ = ["open_regular_file", "read_text_file"]


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, [message])


def open_regular_file(path: Path, what: str, advice: str) -> tuple[IO[bytes], int]:
    """`path` opened for reading and its size, if it is a regular file (checked on the
    open descriptor, so a swap after a stat() cannot slip a FIFO or device in);
    ValidationError naming `path` and `what` it is, with `advice`, for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise _refuse(f"{path}: no such {what}") from None
    except OSError as exc:
        raise _refuse(f"{path}: cannot read {what}: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise _refuse(f"{path}: not a regular file (a pipe, device or folder); {advice}")
    return os.fdopen(fd, "rb"), st.st_size


def read_text_file(path: Path, max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of the regular file `path`, at most `max_bytes` bytes long;
    ValidationError (naming `path` and `what` it is) for anything else."""
    fh, _size = open_regular_file(path, what, f"give a {what}")
    with fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(f"{path}: over the {max_bytes:,}-byte limit for a {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(f"{path}: not UTF-8 text (byte {exc.start:,} of the {what})") from None
