"""Validating a big JSONL report file in two processes: this one the first half, a
helper process the second, at once.

Why: validating every line comes before anything else of an import (a bad line
refuses the whole file) and is all this process's CPU: ~1.5 s for 100k reports, with
the second core and a database server idle. JSONL lines are independent, so the file
is cut at the newline nearest its middle and each half is validated on its own core
by the same code (`domain.reports.RowChecks`, `json_part`); the helper's results are
then taken in line order, so the scan, its problems and their order are exactly those
of validating the file in one go (tests/services/test_scan_split.py).

What the helper cannot do it hands back: a line listing media files (their checks
read files and collect facts in this process) stops it, and this process validates
from that line on. Any failure of the helper (it cannot start, dies, says nonsense or
is silent for longer than `WAIT`) only means this process validates its half too.
Not used for CSV (a quoted cell may span lines: no safe place to cut), files under
`SPLIT_MIN` bytes (starting a process costs ~0.1 s), one core, or
``APPEALS_SCAN_SPLIT=0``.

The helper is given the open file's descriptor (no second open of the path: the file
checked is the file read) and two anonymous temp files: its clean rows
(`ReportScan.rows` as this process keeps them, copied after this half's) and its
marks, in pieces of `PIECE` rows (each a JSON line: what `CheckedPart` holds). Its
last line on stdout: its problems, how many there were, its rows' size and where it
stopped (null, or [line, byte offset] of the last line it validated).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import orjson

from ..domain.progress import Progress
from ..domain.reports import (
    CheckedPart,
    ImportLimits,
    MediaCheck,
    ReportScan,
    Row,
    RowChecks,
    json_part,
    latest_reported,
    reported_micros,
    subject_text,
)

__all__ = ["SPLIT_MIN", "ENV", "in_two", "scan_in_two"]

#: files smaller than this are validated in one process
SPLIT_MIN = 8 << 20
#: environment switch: "0" never validates in two processes
ENV = "APPEALS_SCAN_SPLIT"
#: rows per piece of the helper's marks
PIECE = 8192
#: seconds the helper may take past this process's half before it is given up
WAIT = 60.0
_READ = 1 << 20


class _Window(io.RawIOBase):
    """Bytes [start, end) of the file `fd`, read with pread at a position of its own (a
    descriptor shared with another process shares its offset: never moved here)."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, start, end

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._end + offset
        return self._pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._end - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _window(fd: int, start: int, end: int) -> io.BufferedReader:
    return io.BufferedReader(_Window(fd, start, end), _READ)


def in_two(name: str, size: int) -> bool:
    """Whether a file of this name and size is validated in two processes (the link
    helper, services/link_helper.py, then starts after it, not beside it)."""
    return _wanted(name, size)


def _wanted(name: str, size: int) -> bool:
    if os.environ.get(ENV) == "0" or size < SPLIT_MIN or not name.lower().endswith(".jsonl"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return False


def _cut(fd: int, size: int) -> tuple[int, int, int]:
    """(lines, cut, lines before cut): the file's newlines, counted in 1 MiB reads, and
    the offset just past the first newline at or after its middle (0: none there)."""
    middle, lines, cut, before, at = size // 2, 0, 0, 0, 0
    while chunk := os.pread(fd, _READ, at):
        if not cut and at + len(chunk) > middle:
            found = chunk.find(b"\n", max(middle - at, 0))
            if found >= 0:
                cut, before = at + found + 1, lines + chunk.count(b"\n", 0, found + 1)
        lines += chunk.count(b"\n")
        at += len(chunk)
    return lines, cut, before


@dataclass
class _Helper:
    proc: subprocess.Popen[bytes]
    rows: IO[bytes]
    marks: IO[bytes]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.rows.close()
        self.marks.close()


def _start(fd: int) -> _Helper | None:
    rows = tempfile.TemporaryFile(prefix="appeals-rows-")  # noqa: SIM115 - closed by _Helper.close
    marks = tempfile.TemporaryFile(prefix="appeals-marks-")  # noqa: SIM115 - closed by _Helper.close
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(fd, rows.fileno(), marks.fileno()),
        )
    except OSError:
        rows.close()
        marks.close()
        return None
    return _Helper(proc, rows, marks)


def scan_in_two(
    fh: IO[bytes],
    scan: ReportScan,
    media_check: MediaCheck | None,
    progress: Progress | None,
) -> ReportScan | None:
    """Validate the open file `fh` into `scan` in two processes, or None when it is not
    worth it (then nothing was read into `scan`). `scan.rows` must be a TempRows."""
    from .report_files import TempRows

    fd = fh.fileno()
    size = os.fstat(fd).st_size
    if not _wanted(scan.name, size) or not isinstance(scan.rows, TempRows):
        return None
    helper = _start(fd)
    if helper is None:
        return None
    try:
        lines, cut, before = _cut(fd, size)
        # the reports limit counts rows, which may be one more than the newlines: a file
        # near it is left to the one-process scan, which says so exactly as always
        if not cut or lines + 1 > scan.limits.max_lines:
            return None
        total = lines + (os.pread(fd, 1, size - 1) != b"\n")
        latest = latest_reported(scan.limits)
        _send(helper, fd, cut, size, before, scan, latest, media_check is not None)
        checks = RowChecks(scan, media_check, latest, progress, total if progress else None)
        if progress:
            progress(0, total, "validating")
        checks.check(json_part(_window(fd, 0, cut), scan.limits, 0))
        resume = _adopt(helper, checks, scan.rows)
        if resume is not None:  # the helper stopped (a line with media) or failed
            line, offset = resume if resume else (before, cut)
            checks.check(json_part(_window(fd, offset, size), scan.limits, line))
        return checks.finish()
    finally:
        helper.close()


def _send(
    helper: _Helper,
    fd: int,
    cut: int,
    size: int,
    before: int,
    scan: ReportScan,
    latest: datetime,
    media: bool,
) -> None:
    limits = scan.limits
    job = {
        "file": fd,
        "rows": helper.rows.fileno(),
        "marks": helper.marks.fileno(),
        "start": cut,
        "end": size,
        "line": before,
        "name": scan.name,
        "max_line_bytes": limits.max_line_bytes,
        "max_lines": limits.max_lines,
        "max_problems": limits.max_problems,
        "latest": latest.isoformat(),
        "media": media,
        "piece": PIECE,
    }
    assert helper.proc.stdin is not None
    try:  # left open: `communicate` closes it
        helper.proc.stdin.write(orjson.dumps(job) + b"\n")
        helper.proc.stdin.flush()
    except OSError:
        pass  # gone already: its answer never comes and this process validates its half


def _adopt(helper: _Helper, checks: RowChecks, rows: Any) -> tuple[int, int] | tuple[()] | None:
    """Take the helper's half: None when it validated all of it, (line, offset) where
    this process goes on when it stopped there, () when it failed (nothing taken)."""
    try:
        out, _ = helper.proc.communicate(timeout=WAIT)
        if helper.proc.returncode != 0:
            return ()
        done = orjson.loads(out.splitlines()[-1])
        size, count, at = int(done["rows"]), int(done["count"]), done["stop"]
        problems = [str(p) for p in done["problems"]]
        stop = None if at is None else (int(at[0]), int(at[1]))
        for _ in _pieces(helper.marks):  # all checked before any is taken
            pass
        offset = rows.append_file(helper.rows.fileno(), size)
    except (subprocess.TimeoutExpired, OSError, ValueError, LookupError, TypeError):
        return ()
    for piece in _pieces(helper.marks):  # read again: a piece at a time in memory
        checks.adopt(piece, offset)
    checks.adopt(CheckedPart(problems=problems, problem_count=count), offset)
    return stop


def _pieces(marks: IO[bytes]) -> Iterator[CheckedPart]:
    """The helper's marks, a piece at a time, each checked for shape (ValueError)."""
    marks.seek(0)
    for line in marks:
        lines, starts, ends, subjects, times, id_lines, ids = orjson.loads(line)
        if not (len(lines) == len(starts) == len(ends) == len(subjects) == len(times)):
            raise ValueError("marks of different lengths")
        if len(id_lines) != len(ids) or not all(type(t) is str for t in (*subjects, *ids)):
            raise ValueError("marks of the wrong kind")
        numbers = (*lines, *starts, *ends, *id_lines)
        if not all(type(n) is int and n >= 0 for n in numbers):
            raise ValueError("marks of the wrong kind")
        if not all(type(t) is int for t in times):
            raise ValueError("marks of the wrong kind")
        yield CheckedPart((), 0, id_lines, ids, lines, starts, ends, subjects, times)


# -- the helper process ---------------------------------------------------------------


class _Handover(Exception):
    """A line lists media: the importing process validates from there on."""


def _no_media_here(entry: str) -> str | None:
    raise _Handover


class _PartChecks(RowChecks):
    """RowChecks that write what the importing process needs (its hashes are its own):
    subjects and report ids as text, a piece of marks every PIECE rows."""

    def __init__(self, *args: Any, marks: IO[bytes], piece: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marks, self.piece = marks, piece
        self._clear()

    def _clear(self) -> None:
        self.lines: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.subjects: list[str] = []
        self.times: list[int] = []
        self.id_lines: list[int] = []
        self.ids: list[str] = []

    def keep(self, number: int, clean: dict[str, Any]) -> None:
        data = orjson.dumps(clean)
        start = self.scan.rows.keep(data)
        self.lines.append(number)
        self.starts.append(start)
        self.ends.append(start + len(data))
        self.subjects.append(subject_text(clean))
        self.times.append(reported_micros(clean["reported_at"]))
        if len(self.lines) >= self.piece:
            self.flush()

    def note_id(self, number: int, rid: str) -> None:
        self.id_lines.append(number)
        self.ids.append(rid)

    def flush(self) -> None:
        if self.lines or self.ids:
            piece = [self.lines, self.starts, self.ends, self.subjects, self.times]
            self.marks.write(orjson.dumps([*piece, self.id_lines, self.ids]) + b"\n")
            self._clear()


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    from .report_files import TempRows

    job = orjson.loads(stdin.readline())
    limits = ImportLimits(
        max_line_bytes=int(job["max_line_bytes"]),
        max_lines=int(job["max_lines"]),
        max_problems=int(job["max_problems"]),
    )
    rows = TempRows(os.fdopen(int(job["rows"]), "w+b"))
    marks = os.fdopen(int(job["marks"]), "wb", buffering=_READ)
    scan = ReportScan(str(job["name"]), limits, rows)
    latest = datetime.fromisoformat(job["latest"])
    media = _no_media_here if job["media"] else None
    checks = _PartChecks(scan, media, latest, marks=marks, piece=int(job["piece"]))
    fh = _window(int(job["file"]), int(job["start"]), int(job["end"]))
    mark = [int(job["line"]), int(job["start"])]

    def marked(part: Iterator[Row]) -> Iterator[Row]:
        for row in part:
            yield row
            mark[:] = [row[0], fh.tell()]  # validated: the next line starts here

    try:
        checks.check(marked(json_part(fh, limits, int(job["line"]))))
        stop = None
    except _Handover:
        stop = mark
    checks.flush()
    marks.flush()
    rows.flush()
    done = {
        "problems": checks.problems.shown,
        "count": checks.problems.total,
        "rows": rows.size,
        "stop": stop,
    }
    stdout.write(orjson.dumps(done) + b"\n")
    stdout.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
