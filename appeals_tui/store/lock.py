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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from appeals_tui.domain.errors import ConflictError, StoreError
from appeals_tui.store.files import file_mode

__all__ = ["FileLock", "LockBusy", "WAIT_NOTICE"]


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
        start = time.monotonic()
        deadline, told = start + self.timeout, False
        delay = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                now = time.monotonic()
                if now >= deadline:
                    raise LockBusy(
                        f"workspace busy: locked by {self._holders()} "
                        f"(waited {self.timeout:g}s); try again"
                    ) from None
                if not told and now - start >= 1.0 and WAIT_NOTICE is not None:
                    told = True
                    WAIT_NOTICE(f"waiting for the workspace lock, held by {self._holders()} …")
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def _holders(self) -> str:
        """Who holds this lock file, from /proc/locks (Linux): "PID 123 (appeals import
        reports big.jsonl)"; "another process" where that cannot be told."""
        try:
            assert self._fd is not None
            st = os.fstat(self._fd)
            with open("/proc/locks", encoding="ascii", errors="replace") as fh:
                rows = fh.read().splitlines()
        except (OSError, AssertionError):
            return "another process"
        ident = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        found = []
        for row in rows:
            parts = row.split()
            if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == ident:
                pid = parts[4]
                if pid not in found:
                    found.append(pid)
        if not found:
            return "another process"
        return ", ".join(f"PID {pid} ({_command(pid)})" for pid in found[:3])

    _closed = False

    def close(self) -> None:
        self._closed = True
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _command(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return "unknown command"
    if argv and argv[0].endswith(("python", "python3")) or "python3." in (argv or [""])[0]:
        argv = argv[1:]  # `python -m appeals_tui ...` / a script: show what it runs
    if argv and argv[0].endswith("/appeals"):
        argv[0] = "appeals"
    text = " ".join(argv) or "unknown command"
    return text if len(text) <= 80 else text[:79] + "…"


class LockBusy(ConflictError, StoreError):
    """The lock stayed held past the timeout: a conflict (exit 4, "busy, try again")."""


#: called once with a sentence when a lock wait passes a second (the CLI prints it)
WAIT_NOTICE: Callable[[str], None] | None = None
