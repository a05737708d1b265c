"""Opening report files for an import: only regular files within the size limit.

Why here and not in domain/reports.py: the domain parses and validates bytes and
does no I/O (an import-linter contract). This is where the file is opened, once
per pass, and checked on the open descriptor, so a FIFO, /dev/zero or a file
swapped after a stat() is refused before anything is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..domain.errors import ValidationError
from ..domain.progress import Progress
from ..domain.reports import (
    Fetch,
    ImportLimits,
    MediaCheck,
    ParsedReport,
    ReportScan,
    is_csv,
    scan_reports,
)

__all__ = ["open_report_file", "scan_report_file", "parse_report_file", "reader", "read_reports"]


def open_report_file(path: Path, limits: ImportLimits) -> IO[bytes]:
    """The file, if it is a regular file within the size limit (checked on the open
    descriptor, so a swap after a stat() cannot slip a FIFO or device in)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read file: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise ValidationError(
            f"{path}: not a regular file (a pipe, device or folder); save the reports to a file"
        )
    if st.st_size > limits.max_bytes:
        os.close(fd)
        raise ValidationError(
            f"{path}: {st.st_size / (1 << 20):.0f} MB is over the import limit of "
            f"{limits.max_bytes / (1 << 20):.0f} MB; split the file (or raise --max-mb)"
        )
    return os.fdopen(fd, "rb")


def _line_count(fh: IO[bytes]) -> int:
    """Lines in the file (the progress total; a CSV cell may span lines, so an upper bound)."""
    count, last = 0, b"\n"
    while chunk := fh.read(1 << 20):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    fh.seek(0)
    return count + (last != b"\n")


def scan_report_file(
    path: Path,
    media_check: MediaCheck | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
) -> ReportScan:
    """Validate every line of the file at `path` (domain.reports.scan_reports)."""
    limits = limits or ImportLimits()
    is_csv(str(path))  # an unsupported kind of file is refused before it is opened
    with open_report_file(path, limits) as fh:
        total = _line_count(fh) if progress else None
        return scan_reports(fh, str(path), media_check, progress, limits, total)


@contextmanager
def reader(path: Path, limits: ImportLimits) -> Iterator[Fetch]:
    """`fetch(start, end)` on the file, open for the block (checked again on opening)."""
    with open_report_file(path, limits) as fh:
        fd = fh.fileno()
        yield lambda start, end: os.pread(fd, end - start, start)


def read_reports(scan: ReportScan, path: Path, indices: Iterable[int]) -> list[ParsedReport]:
    with reader(path, scan.limits) as fetch:
        return scan.read(indices, fetch)


def parse_report_file(
    path: Path,
    media_check: MediaCheck | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
) -> list[ParsedReport]:
    """Validate every line and return all reports (small files: the demo, tests)."""
    scan = scan_report_file(path, media_check, progress, limits)
    return read_reports(scan, path, range(len(scan)))
