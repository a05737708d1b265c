"""A second process that extracts an import's contacts and text keys while it stages.

Why: on distinct texts, extracting means of contact (phonenumbers, the messenger
and link patterns) and the near-duplicate key costs about half as much CPU as the
rest of an import; the import itself is one thread. A helper process given each
batch's texts one batch ahead does that work on another core, and the import only
looks the answers up. It is started before the file is validated when one process
validates it (`start_for_file`), so that it is ready for the first batch. Same functions, same results (`case_links.link_record`).

Degrades to the import doing it itself: below `HELPER_MIN` reports (starting a
process costs more than it saves), when no core is free (`free_core`: the helper then
only competes with the import, and costs ~25% more CPU in all than extracting inline;
a database server on this machine takes about half a core during the import, which
the load average does not show yet: `Store.server_on_host`, `SERVER_SHARE`), when
extracting an import's second batch cost less than `HELPER_PAYS` µs a report (texts
the caches know: handing them over would cost more than it saves; the helper says
what its answer cost, or the import times it when it extracted that batch itself,
services/staged_import.py), until the helper has said it is ready, and for good if
it fails in any way (it is then stopped; nothing is lost, the import extracts
inline). A helper never writes anything. ``APPEALS_LINK_HELPER=0`` never starts one,
``=1`` starts and uses one whatever the load and the texts (`forced`).

Protocol (orjson lines): the helper prints ``"ready"``; then for each request
``[min_length, [[content, media, [texts...], region], ...]]`` it prints one answer
``[cpu_seconds, [[region, [contacts...], key or null], ...]]`` in the same order
(`cpu_seconds`: what extracting the batch cost it, for `HELPER_PAYS`). At the end of
its input it exits at once (`os._exit`: nothing to tear down, and the import waits
for it).
"""

from __future__ import annotations

import os
import queue
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

from ..domain.case_links import text_fields
from ..domain.contacts import extract_contacts, region_of

__all__ = ["Extracted", "LinkHelper", "HELPER_MIN", "HELPER_PAYS", "extract_batch", "forced"]

#: imports with fewer reports extract inline (a fresh interpreter costs ~0.1 s of CPU)
HELPER_MIN = 4000
#: seconds to wait for one batch's answer (normally tens of milliseconds) before the
#: import stops the helper and extracts inline: a stopped or stuck helper must not hang it
ANSWER_WAIT = 30.0
#: environment switch: "0" never starts the helper (the import extracts inline), "1"
#: starts it whatever the machine's load; unset: when a core is free (`free_core`)
ENV = "APPEALS_LINK_HELPER"
#: cores left idle, by the 1-minute load average, for the helper to be worth starting
#: (the import itself counts in the load: 2 cores at load 1.2 leave 0.8)
FREE_CORES = 0.5
#: cores a database server on this machine keeps busy during an import (measured at
#: 1M decisions: ~45 µs of server CPU a report for ~100 µs of the client's)
SERVER_SHARE = 0.5
#: µs of CPU a report that extracting a batch must cost for the helper to be used
#: (measured: handing over and taking back ~3 µs a report; an import's second batch of
#: the bench's few dozen texts ~2 µs from the caches, of distinct texts ~40)
HELPER_PAYS = 20.0
#: bytes of the start of a file read to estimate its reports (`start_for_file`)
_SAMPLE = 1 << 16
_READY = b'"ready"'


@dataclass(frozen=True)
class Extracted:
    """One report's texts as `link_doc` reads them: the region they were read in, the
    contacts of its texts, and the key of its (content, media description) text if
    long enough (None otherwise)."""

    region: str
    contacts: tuple[str, ...]
    key: int | None


#: one report's texts: (content, media description, every text to search, jurisdiction)
Texts = tuple[str | None, str | None, Sequence[str | None], str | None]


def extract_batch(items: Sequence[Texts], min_length: int) -> list[Extracted]:
    """What the helper answers (also the reference its answers are tested against)."""
    out = []
    for content, media, texts, region in items:
        found = extract_contacts((content, media, *texts), region)
        out.append(
            Extracted(region_of(region), tuple(found), text_fields(content, media, min_length))
        )
    return out


class LinkHelper:
    """The import's side of one helper process (`start`, `ask`, `answer`, `close`)."""

    def __init__(self, proc: subprocess.Popen[bytes], min_length: int) -> None:
        self.proc = proc
        self.min_length = min_length
        self.ready = False
        self.failed = False
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        self._requests: queue.Queue[bytes | None] = queue.Queue()
        self._pending = 0  # requests sent and not answered yet
        self._finished = False  # no more requests: its input is closed after the last
        #: µs of the helper's CPU a report for its last answer (None: none yet, or empty)
        self.cost: float | None = None
        assert proc.stdout is not None and proc.stdin is not None
        self._reader = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._writer = threading.Thread(target=self._write, args=(proc.stdin,), daemon=True)
        self._reader.start()
        self._writer.start()

    @classmethod
    def start(cls, reports: int, min_length: int, server_on_host: bool) -> LinkHelper | None:
        """A helper for an import of `reports` reports, or None (too small, switched
        off, no core free for it, or it could not start). `server_on_host`: the store's
        server runs on this machine (Store.server_on_host) and takes a core."""
        switch = os.environ.get(ENV)
        if reports < HELPER_MIN or switch == "0":
            return None
        if switch != "1" and not free_core(busy=SERVER_SHARE if server_on_host else 0.0):
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return None
        return cls(proc, min_length)

    @classmethod
    def start_for_file(
        cls, path: Path, min_length: int, server_on_host: bool, one_process: bool
    ) -> LinkHelper | None:
        """A helper started before the file at `path` is validated (`start`, with its
        reports estimated from its first lines), so that it is ready when the staging
        begins (it takes ~0.15-0.3 s to start: an interpreter, phonenumbers' metadata);
        or None. Only when the file is validated in `one_process` (else the
        validation's second process has the other core, services/scan_split.py)."""
        if not one_process or os.environ.get(ENV) == "0":
            return None
        try:
            found = path.stat()
            if not stat.S_ISREG(found.st_mode):  # a FIFO's open() would wait for a writer
                return None  # (validating refuses what is not a regular file)
            size = found.st_size
            with path.open("rb") as fh:
                sample = fh.read(_SAMPLE)
        except OSError:
            return None
        lines = sample.count(b"\n")
        if not lines:
            return None
        reports = size * lines // len(sample) if len(sample) < size else lines
        return cls.start(reports, min_length, server_on_host)

    def _read(self, out: IO[bytes]) -> None:
        """Reader thread: answers as they come (the helper never waits on a full pipe
        while the import waits on a full request pipe); None at the end."""
        for line in out:
            self._answers.put(line)
        self._answers.put(None)

    def _write(self, into: IO[bytes]) -> None:
        """Writer thread: requests are handed over without waiting (a request is bigger
        than a pipe holds: written by the import, it waited for the helper to finish the
        batch before and read it). Closing the pipe ends the helper."""
        try:
            while (request := self._requests.get()) is not None:
                into.write(request)
                into.flush()
        except (OSError, ValueError):
            pass  # the helper is gone: its answer never comes (the reader says so)
        try:
            into.close()
        except OSError:
            pass

    def _poll_ready(self) -> bool:
        if not self.ready and not self.failed:
            try:
                line = self._answers.get_nowait()
            except queue.Empty:
                return False
            if line is not None and line.strip() == _READY:
                self.ready = True
            else:
                self._fail()
        return self.ready and not self.failed

    def ask(self, items: Sequence[Texts]) -> bool:
        """Send one batch's texts if the helper is ready (else the import extracts them
        itself): True when an answer will follow."""
        if not items or self._finished or not self._poll_ready():
            return False
        try:
            request = orjson.dumps([self.min_length, [[c, m, list(t), r] for c, m, t, r in items]])
        except TypeError:  # text orjson cannot encode (a lone surrogate)
            self._fail()
            return False
        self._requests.put(request + b"\n")
        self._pending += 1
        return True

    def answer(self, count: int) -> list[Extracted] | None:
        """The answer to the oldest request (`count` reports), or None if the helper
        failed (then the import extracts them itself)."""
        if self.failed or self._pending == 0:
            return None
        self._pending -= 1
        try:
            line = self._answers.get(timeout=ANSWER_WAIT)
        except queue.Empty:  # alive but silent (stopped, stuck): never wait forever
            self.proc.kill()
            self._fail()
            return None
        if line is None:
            self._fail()
            return None
        try:
            cpu, rows = orjson.loads(line)
            found = [Extracted(str(r), tuple(map(str, cs)), k) for r, cs, k in rows]
            cost = float(cpu) * 1e6 / len(found) if found else None
        except (orjson.JSONDecodeError, TypeError, ValueError):
            self._fail()
            return None
        if len(found) != count or not all(k is None or type(k) is int for _, _, k in rows):
            self._fail()
            return None
        self.cost = cost
        return found

    def _fail(self) -> None:
        self.failed = True
        self.close()

    def finish(self) -> None:
        """No more requests: the helper's input is closed after the last one, so it
        exits as soon as it has answered (not when `close` is called: an import waited
        ~0.1 s there for an interpreter to tear down)."""
        if not self._finished:
            self._finished = True
            self._requests.put(None)  # the writer closes the helper's input: it ends

    def close(self) -> None:
        """Stop the helper and wait for it (its CPU then counts as this process's
        children's)."""
        proc = self.proc
        self.finish()
        self._writer.join(timeout=5)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._reader.join(timeout=5)


def forced() -> bool:
    """``APPEALS_LINK_HELPER=1``: a helper is started and used whatever the load and texts."""
    return os.environ.get(ENV) == "1"


def free_core(busy: float = 0.0) -> bool:
    """Whether the machine has a core to spare beyond its load and `busy` more cores
    about to be taken (a local database server's share of the import, which the load
    average does not show yet). Measured: on a 2-core machine at load 4-5 the helper
    made a 10k-report import slower, not faster."""
    try:
        cores = len(os.sched_getaffinity(0))
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not Linux / no load average: assume none
        return False
    return cores - load - busy >= FREE_CORES


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    stdout.write(_READY + b"\n")
    stdout.flush()
    for line in stdin:
        started = time.process_time()
        min_length, rows = orjson.loads(line)
        items = [(c, m, t, r) for c, m, t, r in rows]
        answer = [[e.region, list(e.contacts), e.key] for e in extract_batch(items, min_length)]
        cpu = time.process_time() - started
        stdout.write(orjson.dumps([cpu, answer]) + b"\n")
        stdout.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.flush()
    os._exit(0)  # the answers are written: no interpreter teardown (~0.1 s) to wait for
