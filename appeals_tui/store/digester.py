"""A big staging's record digests, made by a helper process on the other core.

Why: a staged import digests every record it stages (attest.digest: the SHA-256 of
its canonical JSON and a checksum per field, ~7-9 µs a record in Python) on the
importing thread, the import's critical path, while a local database server leaves
part of the other core idle. A digest depends only on the record's canonical bytes,
`digest(orjson.loads(whole), whole) == digest(doc, whole)` (the same keys and the same
bytes for every field: tests/store/test_digester.py), and the staging makes those
bytes anyway (PgStaging.add), so it hands them to this helper and takes the digests
back, a batch (one "records.imported" event) at a time, when it publishes.

The staging never waits for the helper while staging: its pipe (1 MB, about a batch)
is written without blocking, and a batch that begins while the helper has not taken
all it was handed is digested by the staging itself (`behind`): on a busy machine the
helper takes what the spare CPU allows.

The protocol: on the helper's stdin, frames of `_FRAME` (kind, name size, bytes size)
then the record's name (UTF-8) and its canonical bytes; `_CUT` ends a batch. The helper
writes `_READY` at its start, then per batch its digests (`_SIZE` then the JSON of
{name: digest}) to its stdout, an anonymous temp file of the staging's; closing its
stdin ends it. A helper that cannot start is not used (the staging digests itself);
one that stops later fails the import (StoreError, nothing stored): the records it
was handed are gone from this process.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from typing import IO, BinaryIO

import orjson

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.attest import digest

__all__ = ["Digester", "ENV"]

#: "0": never use the helper; "1": use it from the first record (waited for: tests);
#: unset: started past `AFTER` records on a machine of two cores or more, used from the
#: first batch after it is ready
ENV = "APPEALS_DIGEST_HELPER"
#: records a staging digests itself before it starts the helper (its start costs
#: ~0.1 s of CPU, what digesting ~10k records here costs)
AFTER = 10_000
_FRAME = struct.Struct("<BII")
_SIZE = struct.Struct("<I")
_RECORD, _CUT = 0, 1
_READY = b"R"
#: bytes of frames handed over at a time, and the pipe's size asked for
_WRITE = 256 << 10
_PIPE = 1 << 20
#: how long the helper may take to say it is ready, and to finish the records handed over
START_WAIT = 5.0
FINISH_WAIT = 120.0


class Digester:
    """The helper process of one staging (see the module docstring)."""

    def __init__(self, proc: subprocess.Popen[bytes], out: BinaryIO) -> None:
        self._proc, self._out = proc, out
        self._frames: list[bytes] = []
        self._size = 0
        #: frames joined and not written yet (the pipe was full)
        self._unsent: deque[bytes] = deque()
        assert proc.stdin is not None
        self._fd = proc.stdin.fileno()
        os.set_blocking(self._fd, False)
        with suppress(OSError, AttributeError):  # a bigger pipe: ~one batch of records
            fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, _PIPE)
        self._finished = False
        self._deadline = time.monotonic() + START_WAIT
        self.cuts = 0

    @classmethod
    def wanted(cls, records: int) -> bool:
        """Whether a staging that has digested `records` itself should start one now."""
        switch = os.environ.get(ENV)
        if switch == "1":
            return True
        if switch == "0" or records < AFTER:
            return False
        try:
            return len(os.sched_getaffinity(0)) >= 2
        except (AttributeError, OSError):
            return (os.cpu_count() or 1) >= 2

    @classmethod
    def start(cls) -> Digester | None:
        """A helper process started (not waited for: `ready`), or None if it could not."""
        out = tempfile.TemporaryFile(prefix=".digests.")  # noqa: SIM115 - closed by close()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            out.close()
            return None
        return cls(proc, out)

    def ready(self, wait: bool = False) -> bool | None:
        """True once the helper said it is ready; False: not yet (`wait`: waited for);
        None: it stopped, or did not say so within START_WAIT (then it is stopped)."""
        while os.fstat(self._out.fileno()).st_size < len(_READY):
            if self._proc.poll() is not None or time.monotonic() > self._deadline:
                self.close()
                return None
            if not wait:
                return False
            time.sleep(0.002)
        return True

    def add(self, name: str, whole: bytes) -> None:
        """Hand over a record: its name (attest.record_name) and canonical bytes."""
        key = name.encode()
        self._frames += (_FRAME.pack(_RECORD, len(key), len(whole)), key, whole)
        self._size += len(whole)
        if self._size >= _WRITE:
            self._send()

    def cut(self) -> None:
        """End a batch: its digests come back as one dict (`batches`)."""
        self._frames.append(_FRAME.pack(_CUT, 0, 0))
        self.cuts += 1
        self._send()

    def behind(self) -> bool:
        """Whether the helper has not taken all it was handed yet (the pipe is full):
        the staging then digests the next batch itself rather than wait."""
        self._push()
        return bool(self._unsent)

    def catch_up(self) -> None:
        """Wait until the helper has taken all it was handed."""
        os.set_blocking(self._fd, True)
        try:
            self._push()
        finally:
            os.set_blocking(self._fd, False)

    def _send(self) -> None:
        if self._frames:
            self._unsent.append(b"".join(self._frames))
            self._frames, self._size = [], 0
        self._push()

    def _push(self) -> None:
        """Write what the pipe takes now (it never blocks the staging)."""
        fd = self._fd
        try:
            while self._unsent:
                chunk = self._unsent[0]
                done = os.write(fd, chunk)
                if done < len(chunk):
                    self._unsent[0] = chunk[done:]
                    return
                self._unsent.popleft()
        except BlockingIOError:
            return
        except OSError as exc:
            raise self._stopped() from exc

    def _stopped(self) -> StoreError:
        self._proc.kill()
        code = self._proc.wait()
        return StoreError(
            f"the import's digest helper stopped (exit code {code}); nothing was imported; "
            f"run the import again ({ENV}=0: without the helper)"
        )

    def finish(self) -> None:
        """Hand over what is left and wait until every batch is digested."""
        if self._finished:
            return
        self._finished = True
        self._send()
        self.catch_up()
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.close()
        except OSError as exc:
            raise self._stopped() from exc
        try:
            code = self._proc.wait(timeout=FINISH_WAIT)
        except subprocess.TimeoutExpired:
            code = None
        if code != 0:
            raise self._stopped()

    def batches(self) -> Iterator[dict[str, str]]:
        """The digests of each batch cut, in order (after `finish`)."""
        out = self._out
        out.seek(len(_READY))
        for _ in range(self.cuts):
            head = out.read(_SIZE.size)
            size = _SIZE.unpack(head)[0] if len(head) == _SIZE.size else -1
            body = out.read(size) if size >= 0 else b""
            try:
                found = orjson.loads(body) if len(body) == size else None
            except orjson.JSONDecodeError:
                found = None
            if type(found) is not dict:
                raise StoreError(
                    "the import's digest helper gave back less than it was handed; "
                    f"nothing was imported; run the import again ({ENV}=0: without it)"
                )
            yield found

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        self._out.close()


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper: digests of the records read, written a batch at a time."""
    stdout.write(_READY)
    stdout.flush()
    read, unpack, size = stdin.read, _FRAME.unpack, _FRAME.size
    batch: dict[str, str] = {}
    while len(frame := read(size)) == size:
        kind, a, b = unpack(frame)
        if kind == _CUT:
            body = orjson.dumps(batch)
            stdout.write(_SIZE.pack(len(body)) + body)
            batch = {}
            continue
        name, whole = read(a).decode(), read(b)
        batch[name] = digest(orjson.loads(whole), whole)
    stdout.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
