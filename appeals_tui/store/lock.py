"""Inter-process workspace lock built on fcntl.flock.

Why: two `appeals` processes (two terminals, or the TUI plus a CLI script) must
never interleave journal appends or compactions. Writers take the lock exclusive;
readers take it shared while reading the journal tail so they never parse a
half-appended record. flock is per open file, so two Workspace objects in one
process also exclude each other, exactly like two processes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.files import file_mode

__all__ = ["FileLock"]


class FileLock:
    """Re-entrant (per instance) shared/exclusive lock with a timeout.

    Nested acquisitions on the same instance only count depth; taking `shared`
    while holding `exclusive` is a no-op, but upgrading shared to exclusive is
    refused because flock upgrades are not atomic.
    """

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        #: False when the lock file cannot be written (a read-only workspace): reads
        #: still lock (flock works on a read-only descriptor) or, without any lock
        #: file, go unlocked, as nobody can be writing what we cannot write either.
        self.writable = True
        self._fd: int | None = self._open()
        self._mode: int | None = None
        self._depth = 0

    def _open(self) -> int | None:
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            try:
                fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600)
                os.fchmod(fd, file_mode(self.path.parent))  # exact, whatever the umask
            except FileExistsError:
                fd = os.open(self.path, flags)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            self.writable = False
            try:
                return os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                return None
        return fd

    @property
    def held(self) -> str | None:
        """ "exclusive", "shared" or None."""
        if self._mode is None:
            return None
        return "exclusive" if self._mode == fcntl.LOCK_EX else "shared"

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._hold(fcntl.LOCK_SH):
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._hold(fcntl.LOCK_EX):
            yield

    @contextmanager
    def exclusive_now(self) -> Iterator[None]:
        """Exclusive without waiting: BlockingIOError if anyone holds the lock."""
        if self._fd is None or self._mode is not None:
            raise BlockingIOError
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._mode, self._depth = fcntl.LOCK_EX, 1
        try:
            yield
        finally:
            self._depth, self._mode = 0, None
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def _hold(self, mode: int) -> Iterator[None]:
        if self._mode is not None:
            if mode == fcntl.LOCK_EX and self._mode == fcntl.LOCK_SH:
                raise StoreError("internal error: cannot upgrade a shared workspace lock")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._acquire(mode)
        self._mode, self._depth = mode, 1
        try:
            yield
        finally:
            self._depth = 0
            self._mode = None
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _acquire(self, mode: int) -> None:
        if self._fd is None:
            if not self.writable and mode == fcntl.LOCK_SH and not self._closed:
                return
            raise StoreError("workspace is closed")
        deadline = time.monotonic() + self.timeout
        delay = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"workspace is locked by another process (waited {self.timeout:g}s)"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.01)

    _closed = False

    def close(self) -> None:
        self._closed = True
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
