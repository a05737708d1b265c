"""Opening report files for an import: only regular files within the size limit.

Why here and not in domain/reports.py: the domain parses and validates bytes and
does no I/O (an import-linter contract). This is where the file is opened, once
per pass, and checked on the open descriptor, so a FIFO, /dev/zero or a file
swapped after a stat() is refused before anything is read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ..domain.errors import ValidationError
from ..domain.models import Report
from ..domain.progress import Progress
from ..domain.reports import (
    ImportLimits,
    MediaCheck,
    ParsedReport,
    ReportScan,
    is_csv,
    scan_reports,
)
from .scan_split import scan_in_two
from .text_files import open_regular_file

__all__ = ["open_report_file", "scan_report_file", "parse_report_file", "read_reports", "TempRows"]


def open_report_file(path: Path, limits: ImportLimits) -> IO[bytes]:
    """The file, if it is a regular file within the size limit (checked on the open
    descriptor, so a swap after a stat() cannot slip a FIFO or device in)."""
    fh, size = open_regular_file(path, "file", "save the reports to a file")
    if size > limits.max_bytes:
        fh.close()
        raise ValidationError(
            f"{path}: {size / (1 << 20):.0f} MB is over the import limit of "
            f"{limits.max_bytes / (1 << 20):.0f} MB; split the file (or raise --max-mb)"
        )
    return fh


def _line_count(fh: IO[bytes]) -> int:
    """Lines in the file (the progress total; a CSV cell may span lines, so an upper bound)."""
    count, last = 0, b"\n"
    while chunk := fh.read(1 << 20):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    fh.seek(0)
    return count + (last != b"\n")


_WRITE = 1 << 20


class TempRows:
    """The validated rows of a file being imported (domain.reports.RowStore), in an
    anonymous temp file: an import of any size keeps them on disk, not in memory, and
    no other process can open or change them."""

    def __init__(self, fh: IO[bytes] | None = None) -> None:
        #: `fh`: an anonymous temp file made elsewhere (a part validated in another
        #: process writes its rows into one this process made: services/scan_split.py)
        self._fh = fh or tempfile.TemporaryFile(prefix="appeals-rows-")  # noqa: SIM115 - closed by close()
        self._size = 0
        #: rows not written yet (written in ~1 MB pieces: a write per row cost more)
        self._pending: list[bytes] = []
        self._pending_size = 0

    def keep(self, data: bytes) -> int:
        start = self._size
        self._size += len(data)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= _WRITE:
            self._write()
        return start

    def _write(self) -> None:
        self._fh.write(b"".join(self._pending))
        self._fh.flush()
        self._pending, self._pending_size = [], 0

    def flush(self) -> None:
        """Write the rows kept so far (another process reads them from the file)."""
        if self._pending:
            self._write()

    @property
    def size(self) -> int:
        """Bytes kept so far (the offset the next row is kept at)."""
        return self._size

    def append_file(self, fd: int, size: int) -> int:
        """Keep the first `size` bytes of the file `fd` (rows another process kept) after
        these, copied by the kernel; their start offset here."""
        if self._pending:
            self._write()
        start = self._size
        out = self._fh.fileno()
        done = 0
        while done < size:
            try:
                n = os.copy_file_range(fd, out, size - done, done, start + done)
            except OSError:  # a file system or kernel without it: read and write
                n = len(chunk := os.pread(fd, min(size - done, _WRITE), done))
                os.pwrite(out, chunk, start + done)
            if n <= 0:
                raise OSError(f"the validated rows ended at {done} of {size} bytes")
            done += n
        self._size += size
        self._fh.seek(self._size)
        return start

    def fetch(self, start: int, end: int) -> bytes:
        if self._pending:
            self._write()
        return os.pread(self._fh.fileno(), end - start, start)

    def close(self) -> None:
        self._fh.close()


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
        scan = ReportScan(str(path), limits, TempRows())
        try:
            split = scan_in_two(fh, scan, media_check, progress)
        except BaseException:
            scan.close()
            raise
        if split is not None:
            return split
        total = _line_count(fh) if progress else None
        return scan_reports(fh, str(path), media_check, progress, limits, total, scan.rows)


def read_reports(scan: ReportScan, indices: Sequence[int]) -> list[ParsedReport]:
    """Reports `indices` of a scan, as `Report`s."""
    return [ParsedReport(line, Report.from_dict(clean)) for line, clean in scan.read(indices)]


def parse_report_file(
    path: Path,
    media_check: MediaCheck | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
) -> list[ParsedReport]:
    """Validate every line and return all reports (small files: the demo, tests)."""
    scan = scan_report_file(path, media_check, progress, limits)
    try:
        return read_reports(scan, range(len(scan)))
    finally:
        scan.close()
