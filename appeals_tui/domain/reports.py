"""Parsing and validating report files (`.jsonl` / `.csv`) before anything is stored.

The whole file is checked first and every problem is reported as
`FILE:LINE: field: problem`, so a moderator can fix the file in one pass (the
first 50, and how many there are in all). Input is untrusted: only regular files
up to a size limit are read, line by line (a FIFO, /dev/zero or a 10 GB file is
refused before it is read), and every field has a documented bound
(FIELD_LIMITS, MAX_COUNT, the date range) so nothing in it can exhaust memory or
reach the store unchecked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from .errors import ValidationError
from .models import Report, SubjectType
from .progress import EVERY, Progress
from .timeutil import parse_ts, utcnow

__all__ = [
    "REQUIRED_FIELDS",
    "OPTIONAL_FIELDS",
    "FIELD_LIMITS",
    "MAX_COUNT",
    "ImportLimits",
    "ParsedReport",
    "parse_report_file",
]

REQUIRED_FIELDS = (
    "report_id",
    "reported_at",
    "reporter",
    "reason",
    "platform",
    "subject_type",
    "subject_id",
    "account",
)
OPTIONAL_FIELDS = (
    "content_text",
    "media_description",
    "jurisdiction",
    "followers",
    "views",
    "url",
    "media",
)
#: at most this many media files per report line
MAX_MEDIA = 20
#: checks one `media` entry (a path relative to the import file); returns a problem or None
MediaCheck = Callable[[str], str | None]
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 100_000
#: the longest value (in characters) each text field may hold
FIELD_LIMITS: dict[str, int] = {
    "report_id": 128,
    "reported_at": 64,
    "reporter": 256,
    "reason": 128,
    "platform": 64,
    "subject_type": 32,
    "subject_id": 256,
    "account": 256,
    "content_text": MAX_TEXT,
    "media_description": 10_000,
    "url": 2048,
}
#: followers and views: whole numbers from 0 to this
MAX_COUNT = 10**12
#: reports older than this are refused (no platform in scope predates it)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one import file (the CLI's --max-mb sets `max_bytes`)."""

    max_bytes: int = 256 << 20
    max_line_bytes: int = 1 << 20
    #: one import is one all-or-nothing transaction held in memory (~13 KB a report):
    #: 20,000 keeps the process under ~300 MB RSS
    max_lines: int = 20_000
    max_problems: int = 50
    now: Callable[[], datetime] = field(default=utcnow)


@dataclass(frozen=True)
class ParsedReport:
    line: int
    report: Report


def _open_regular(path: Path, limits: ImportLimits) -> IO[bytes]:
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


def _json_lines(fh: IO[bytes], limits: ImportLimits) -> Iterator[tuple[int, Any, str | None]]:
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    fh.seek(0)
    if lines > limits.max_lines:  # counted in 1 MiB reads, before any parsing
        yield (
            1,
            None,
            (
                f"-: {lines} lines; at most {limits.max_lines} reports in one file; split it "
                "(every import is one all-or-nothing transaction)"
            ),
        )
        return
    number = 0
    while line := fh.readline(limits.max_line_bytes + 1):
        number += 1
        if len(line) > limits.max_line_bytes and not line.endswith(b"\n"):
            while (more := fh.readline(1 << 20)) and not more.endswith(b"\n"):
                pass  # skip the rest of the overlong line without holding it
            yield number, None, f"-: line longer than {limits.max_line_bytes} bytes"
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, f"-: not UTF-8 text (byte {exc.start + 1} of the line)"
            continue
        try:
            row = orjson.loads(line)
        except (orjson.JSONDecodeError, RecursionError) as exc:
            yield number, None, f"-: invalid JSON ({str(exc).split(':')[0]})"
            continue
        if not isinstance(row, dict):
            yield number, None, "-: expected a JSON object"
            continue
        yield number, row, None


def _csv_rows(
    path: Path, fh: IO[bytes], limits: ImportLimits
) -> Iterator[tuple[int, Any, str | None]]:
    csv.field_size_limit(limits.max_line_bytes)
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
        missing = [f for f in REQUIRED_FIELDS if f not in header]
        if missing:
            yield 1, None, f"header: missing column(s) {', '.join(missing)}"
            return
        for row in reader:
            if None in row:
                yield reader.line_num, None, "-: more values than header columns"
                continue
            yield reader.line_num, {k: v for k, v in row.items() if v not in ("", None)}, None
    except UnicodeDecodeError:
        yield reader.line_num + 1, None, "-: not UTF-8 text; stopped reading here"
    except csv.Error as exc:
        problem = str(exc)
        if "field limit" in problem:
            problem = f"a field is longer than {limits.max_line_bytes} characters"
        yield reader.line_num + 1, None, f"-: {problem}; stopped reading here"


def _rows(path: Path, limits: ImportLimits) -> Iterator[tuple[int, Any, str | None]]:
    """Yield (line number, row or None, problem) for each data line, streamed."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ValidationError(f"{path}: unsupported file type '{suffix}'; expected .jsonl or .csv")
    with _open_regular(path, limits) as fh:
        if suffix == ".jsonl":
            yield from _json_lines(fh, limits)
        else:
            yield from _csv_rows(path, fh, limits)


def _show(value: Any) -> str:
    """A value quoted in a problem, cut short (it may be a megabyte or a nest)."""
    if isinstance(value, dict | list):
        return "a nested value"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise ValueError
    if not 0 <= number <= MAX_COUNT:
        raise ValueError
    return number


def _media_entries(value: Any) -> tuple[list[str], str | None]:
    """`media`: a JSON list of paths, or (CSV) one `;`-separated string."""
    if isinstance(value, str):
        entries = [part.strip() for part in value.split(";")]
        entries = [e for e in entries if e]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        entries = [v.strip() for v in value]
        if any(not e for e in entries):
            return [], "empty path in the list"
    else:
        return [], "expected a list of file paths (CSV: separated by ';')"
    if len(entries) > MAX_MEDIA:
        return [], f"{len(entries)} files; at most {MAX_MEDIA} per report"
    if len(set(entries)) != len(entries):
        return [], "the same file is listed twice"
    return entries, None


def _text_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        kind = "a nested value" if isinstance(value, dict | list) else type(value).__name__
        return f"{name}: expected text, not {kind}"
    limit = FIELD_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        return f"{name}: {len(value)} characters; at most {limit}"
    return None


def _date_problem(value: str, limits: ImportLimits) -> str | None:
    try:
        moment = parse_ts(value)
    except ValueError as exc:
        if "offset" in str(exc):
            return f"reported_at: {exc}"
        return "reported_at: not an ISO 8601 timestamp"
    latest = limits.now() + timedelta(days=1)
    if not EARLIEST <= moment <= latest:
        return (
            f"reported_at: {_show(value)} is outside {EARLIEST.date()} … {latest.date()} "
            "(a typo in the year?)"
        )
    return None


def _check_row(
    row: dict[str, Any],
    media_check: MediaCheck | None = None,
    limits: ImportLimits | None = None,
) -> tuple[dict[str, Any], list[str]]:
    limits = limits or ImportLimits()
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for name in REQUIRED_FIELDS:
        value = row.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{name}: required")
        elif (problem := _text_problem(name, value)) is not None:
            problems.append(problem)
        else:
            clean[name] = value.strip()
    if "reported_at" in clean:
        if (problem := _date_problem(clean["reported_at"], limits)) is not None:
            problems.append(problem)
    if "subject_type" in clean and clean["subject_type"] not in {t.value for t in SubjectType}:
        allowed = ", ".join(t.value for t in SubjectType)
        problems.append(f"subject_type: {_show(clean['subject_type'])} is not one of {allowed}")
    for name in ("content_text", "media_description", "url"):
        value = row.get(name)
        if value is None:
            continue
        if (problem := _text_problem(name, value)) is not None:
            problems.append(problem)
        else:
            clean[name] = value
    jurisdiction = row.get("jurisdiction")
    if jurisdiction is not None:
        if not isinstance(jurisdiction, str) or not _COUNTRY.match(jurisdiction.strip().upper()):
            problems.append(
                f"jurisdiction: {_show(jurisdiction)} is not an ISO 3166-1 alpha-2 code"
            )
        else:
            clean["jurisdiction"] = jurisdiction.strip().upper()
    for name in ("followers", "views"):
        if row.get(name) is None:
            continue
        try:
            clean[name] = _to_int(row[name])
        except ValueError:
            problems.append(f"{name}: {_show(row[name])} is not a whole number from 0 to 10^12")
    if row.get("media") is not None:
        entries, problem = _media_entries(row["media"])
        if problem:
            problems.append(f"media: {problem}")
        elif media_check is None:
            problems.append("media: media files are not accepted here")
        else:
            bad = [(e, media_check(e)) for e in entries]
            problems.extend(f"media: {e}: {why}" for e, why in bad if why)
            clean["media"] = entries
    unknown = sorted(set(row) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        problems.append(
            f"{_show(unknown[0])[1:-1]}: unknown field"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    return clean, problems


class _Problems:
    """The first `keep` problems, and how many there were in all."""

    def __init__(self, keep: int) -> None:
        self.keep, self.total = keep, 0
        self.shown: list[str] = []

    def add(self, problem: str) -> None:
        self.total += 1
        if len(self.shown) < self.keep:
            self.shown.append(problem)


def _id_hash(report_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(report_id.encode(), digest_size=8).digest(), "big")


def _repeats(hashes: array[int], lines: array[int]) -> Iterator[tuple[int, int]]:
    """(line, earlier line) for each repeated report_id, from 8-byte id hashes (a
    million ids cost 12 MB instead of a dict of strings)."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    for prev, cur in zip(order, order[1:], strict=False):
        if hashes[prev] == hashes[cur]:
            first, again = sorted((lines[prev], lines[cur]))
            yield again, first


def _line_count(path: Path) -> int | None:
    """Lines in the file (the progress total; a CSV cell may span lines, so an upper bound)."""
    try:
        with path.open("rb") as fh:
            count, last = 0, b"\n"
            while chunk := fh.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
            return count + (last != b"\n")
    except OSError:
        return None


def parse_report_file(
    path: Path,
    media_check: MediaCheck | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
) -> list[ParsedReport]:
    """Validate every line; raise one ValidationError listing the problems (the first
    `limits.max_problems`, and the total), or return all reports.

    `media_check` validates each `media` entry (the caller does the file I/O);
    without it a line that lists media is refused. `progress(line, lines, "validating")`
    is called every few hundred lines.
    """
    limits = limits or ImportLimits()
    problems = _Problems(limits.max_problems)
    parsed: list[ParsedReport] = []
    hashes, lines = array("Q"), array("L")
    total = None
    if progress:
        _open_regular(path, limits).close()  # never count the lines of a FIFO or /dev/zero
        total = _line_count(path)
        progress(0, total, "validating")
    count = 0
    for number, row, problem in _rows(path, limits):
        if progress and number % EVERY == 0:
            progress(number, total, "validating")
        count += 1
        if count > limits.max_lines:
            problems.add(
                f"{path}:{number}: -: more than {limits.max_lines} reports in one file; "
                "split it (every import is one all-or-nothing transaction)"
            )
            break
        if problem:
            problems.add(f"{path}:{number}: {problem}")
            continue
        assert row is not None
        clean, row_problems = _check_row(row, media_check, limits)
        for p in row_problems:
            problems.add(f"{path}:{number}: {p}")
        rid = clean.get("report_id")
        if rid is not None:
            hashes.append(_id_hash(rid))
            lines.append(number)
        if not row_problems and not problems.total:
            parsed.append(ParsedReport(number, Report.from_dict(clean)))
        elif parsed:
            parsed = []  # the file is refused: stop holding reports
    if progress:
        progress(total or 0, total, "validating")
    for again, first in sorted(_repeats(hashes, lines)):
        problems.add(f"{path}:{again}: report_id: repeats line {first}")
    if problems.total:
        noun = "problem" if problems.total == 1 else "problems"
        shown = list(problems.shown)
        if problems.total > len(shown):
            shown.append(
                f"{path}: … and {problems.total - len(shown)} more "
                f"(the first {len(problems.shown)} are listed)"
            )
        raise ValidationError(f"{path}: {problems.total} {noun}; nothing imported", shown)
    if not parsed:
        raise ValidationError(f"{path}: no reports found; nothing imported")
    return parsed
