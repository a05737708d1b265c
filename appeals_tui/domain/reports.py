"""Parsing and validating report files (`.jsonl` / `.csv`) before anything is stored.

The whole file is checked first and every problem is reported as
`FILE:LINE: field: problem`, so a moderator can fix the file in one pass (the
first 50, and how many there are in all). Input is untrusted: only regular files
up to a size limit are read, line by line (a FIFO, /dev/zero or a 10 GB file is
refused before it is read), and every field has a documented bound
(FIELD_LIMITS, MAX_COUNT, the date range) so nothing in it can exhaust memory or
reach the store unchecked. Opening the file (and refusing what is not a regular
file within the size limit) is services/report_files.py's job: this module only
reads the bytes it is handed.
"""

from __future__ import annotations

import csv
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Protocol

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
    "ReportScan",
    "RowStore",
    "MemoryRows",
    "CleanRow",
    "CheckedPart",
    "RowChecks",
    "json_part",
    "latest_reported",
    "is_csv",
    "scan_reports",
    "subject_text",
    "reported_micros",
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
    #: a guard against a wrong file, not a memory bound: an import is staged and keeps
    #: ~60 bytes a report in memory (ReportScan), so 256 MB of shortest lines fits
    max_lines: int = 2_000_000
    max_problems: int = 50
    now: Callable[[], datetime] = field(default=utcnow)


@dataclass(frozen=True)
class ParsedReport:
    line: int
    report: Report


#: (line number, row or None, problem or None)
Row = tuple[int, Any, str | None]


def _json_lines(fh: IO[bytes], limits: ImportLimits) -> Iterator[Row]:
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    fh.seek(0)
    if lines > limits.max_lines:  # counted in 1 MiB reads, before any parsing
        yield (
            1,
            None,
            f"-: {lines} lines; at most {limits.max_lines} reports in one file (--max-lines)",
        )
        return
    yield from json_part(fh, limits, 0)


def json_part(fh: IO[bytes], limits: ImportLimits, number: int) -> Iterator[Row]:
    """The rows of a JSONL file from where `fh` stands (just after a newline, or at the
    start), whose line before is `number` (0 at the start): a file validated in parts
    (services/scan_split.py) reads each part with this, as the whole file is read."""
    while line := fh.readline(limits.max_line_bytes + 1):
        number += 1
        if len(line) > limits.max_line_bytes and not line.endswith(b"\n"):
            while (more := fh.readline(1 << 20)) and not more.endswith(b"\n"):
                pass  # skip the rest of the overlong line without holding it
            yield number, None, f"-: line longer than {limits.max_line_bytes} bytes"
            continue
        problem = _json_problem(line, number)
        if isinstance(problem, str):
            yield number, None, problem
        elif problem is not None:
            yield number, problem, None


def _json_problem(line: bytes, number: int) -> str | dict[str, Any] | None:
    """One JSONL line: its row (a dict), a problem, or None for a blank line."""
    if number == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    if not line.strip():
        return None
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"-: not UTF-8 text (byte {exc.start + 1} of the line)"
    try:
        row = orjson.loads(line)
    except (orjson.JSONDecodeError, RecursionError) as exc:
        return f"-: invalid JSON ({str(exc).split(':')[0]})"
    if not isinstance(row, dict):
        return "-: expected a JSON object"
    return row


class _Overlong(Exception):
    """A CSV line longer than the limit (read no further)."""


def _csv_rows(fh: IO[bytes], limits: ImportLimits, header_out: list[str]) -> Iterator[Row]:
    """CSV records (a quoted cell may hold newlines); the reader is fed one physical
    line at a time, so an overlong line is refused before it is held whole."""
    csv.field_size_limit(limits.max_line_bytes)
    longest = 4 * limits.max_line_bytes  # several cells, each up to the field limit

    def physical() -> Iterator[str]:
        first = True
        while line := fh.readline(longest + 1):
            if len(line) > longest and not line.endswith(b"\n"):
                raise _Overlong
            if first and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            first = False
            yield line.decode("utf-8")

    reader = csv.reader(physical())
    try:
        header = next(reader, [])
        header_out[:] = header
        missing = [f for f in REQUIRED_FIELDS if f not in header]
        # a column named twice: which cell is the value? (the last one was taken, silently)
        repeated = sorted(name for name, n in Counter(header).items() if n > 1)
        if repeated:
            yield 1, None, f"header: column(s) {', '.join(repeated)} repeated"
        if missing:
            yield 1, None, f"header: missing column(s) {', '.join(missing)}"
        if missing or repeated:
            return
        for values in reader:
            if not values:
                continue
            if len(values) > len(header):
                yield reader.line_num, None, "-: more values than header columns"
                continue
            row = {k: v for k, v in zip(header, values, strict=False) if v != ""}
            yield reader.line_num, row, None
    except UnicodeDecodeError:
        yield reader.line_num + 1, None, "-: not UTF-8 text; stopped reading here"
    except _Overlong:
        yield (
            reader.line_num + 1,
            None,
            f"-: line longer than {4 * limits.max_line_bytes} bytes; stopped reading here",
        )
    except csv.Error as exc:
        problem = str(exc)
        if "field limit" in problem:
            problem = f"a field is longer than {limits.max_line_bytes} characters"
        yield max(reader.line_num, 1), None, f"-: {problem}; stopped reading here"


def is_csv(name: str) -> bool:
    """`.csv` (else `.jsonl`); ValidationError for any other kind of file."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if suffix not in (".jsonl", ".csv"):
        raise ValidationError(f"{name}: unsupported file type '{suffix}'; expected .jsonl or .csv")
    return suffix == ".csv"


def _rows(fh: IO[bytes], csv_file: bool, limits: ImportLimits, header: list[str]) -> Iterator[Row]:
    """Yield (line number, row or None, problem) for each data line, streamed."""
    if csv_file:
        yield from _csv_rows(fh, limits, header)
    else:
        yield from _json_lines(fh, limits)


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


def _latest(limits: ImportLimits) -> datetime:
    """The latest `reported_at` a file may hold (a day past now: clocks differ)."""
    return limits.now() + timedelta(days=1)


def _date_problem(value: str, latest: datetime) -> str | None:
    try:
        moment = parse_ts(value)
    except ValueError as exc:
        if "offset" in str(exc):
            return f"reported_at: {exc}"
        return "reported_at: not an ISO 8601 timestamp"
    if not EARLIEST <= moment <= latest:
        return (
            f"reported_at: {_show(value)} is outside {EARLIEST.date()} … {latest.date()} "
            "(a typo in the year?)"
        )
    return None


#: checked for every row of every import (built once, not per row)
_SUBJECT_TYPES = frozenset(t.value for t in SubjectType)
_KNOWN_FIELDS = frozenset(REQUIRED_FIELDS) | frozenset(OPTIONAL_FIELDS)


def _check_row(
    row: dict[str, Any],
    media_check: MediaCheck | None = None,
    limits: ImportLimits | None = None,
    latest: datetime | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The row's clean values and its problems (the definition; `_usual_row` is the
    fast way for the usual row). `latest`: `_latest(limits)` if the caller has it."""
    latest = latest or _latest(limits or ImportLimits())
    problems: list[str] = []
    clean: dict[str, Any] = {}
    limit_of = FIELD_LIMITS.get
    for name in REQUIRED_FIELDS:
        value = row.get(name)
        if type(value) is str:  # the usual case first, stripped once
            stripped = value.strip()
            limit = limit_of(name)
            if not stripped:
                problems.append(f"{name}: required")
            elif limit is not None and len(value) > limit:
                problems.append(f"{name}: {len(value)} characters; at most {limit}")
            else:
                clean[name] = stripped
        elif value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{name}: required")
        elif (problem := _text_problem(name, value)) is not None:
            problems.append(problem)
        else:
            clean[name] = value.strip()
    if "reported_at" in clean:
        if (problem := _date_problem(clean["reported_at"], latest)) is not None:
            problems.append(problem)
    if "subject_type" in clean and clean["subject_type"] not in _SUBJECT_TYPES:
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
    if row.keys() - _KNOWN_FIELDS:
        unknown = sorted(row.keys() - _KNOWN_FIELDS)
        problems.append(
            f"{_show(unknown[0])[1:-1]}: unknown field"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    return clean, problems


#: (field, longest value) of each required field, and of the optional text ones
_REQUIRED_LIMITS = tuple((name, FIELD_LIMITS[name]) for name in REQUIRED_FIELDS)
_TEXT_LIMITS = tuple(
    (name, FIELD_LIMITS[name]) for name in ("content_text", "media_description", "url")
)


def _usual_row(
    row: dict[str, Any], media_check: MediaCheck | None, latest: datetime
) -> dict[str, Any] | None:
    """The clean values of a row with no problem and no value to convert (JSON types as
    the format says, no media but an empty list), exactly as `_check_row` gives them;
    None for any other row, which `_check_row` then looks at. Why: validating was a
    sixth of an import's time; most rows are this one kind (tests/domain/test_report_rows.py
    checks both agree)."""
    if not row.keys() <= _KNOWN_FIELDS:
        return None
    clean: dict[str, Any] = {}
    for name, limit in _REQUIRED_LIMITS:
        value = row.get(name)
        if type(value) is not str or len(value) > limit:
            return None
        stripped = value.strip()
        if not stripped:
            return None
        clean[name] = stripped
    if _date_problem(clean["reported_at"], latest) is not None:
        return None
    if clean["subject_type"] not in _SUBJECT_TYPES:
        return None
    for name, limit in _TEXT_LIMITS:
        value = row.get(name)
        if value is not None:
            if type(value) is not str or len(value) > limit:
                return None
            clean[name] = value
    jurisdiction = row.get("jurisdiction")
    if jurisdiction is not None:
        if type(jurisdiction) is not str:
            return None
        code = jurisdiction.strip().upper()
        if not _COUNTRY.match(code):
            return None
        clean["jurisdiction"] = code
    for name in ("followers", "views"):
        value = row.get(name)
        if value is not None:
            if type(value) is not int or not 0 <= value <= MAX_COUNT:
                return None
            clean[name] = value
    media = row.get("media")
    if media is not None:
        if media_check is None or type(media) is not list or media:
            return None
        clean["media"] = []
    return clean


class _Problems:
    """The first `keep` problems, and how many there were in all."""

    def __init__(self, keep: int) -> None:
        self.keep, self.total = keep, 0
        self.shown: list[str] = []

    def add(self, problem: str) -> None:
        self.total += 1
        if len(self.shown) < self.keep:
            self.shown.append(problem)


_LOW64 = (1 << 64) - 1


def _id_hash(text: str) -> int:
    """A 64-bit hash of `text` for this process's scan (ids to find repeats, subjects to
    group reports): Python's own string hash (keyed per process, so a file cannot be
    made to collide on purpose), a fifth of a blake2b's cost. Only ever compared within
    one process."""
    return hash(text) & _LOW64


def _repeats(hashes: array[int], lines: array[int]) -> Iterator[tuple[int, int]]:
    """(line, earlier line) for each repeated report_id, from 8-byte id hashes (a
    million ids cost 12 MB instead of a dict of strings)."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    for prev, cur in zip(order, order[1:], strict=False):
        if hashes[prev] == hashes[cur]:
            first, again = sorted((lines[prev], lines[cur]))
            yield again, first


class RowStore(Protocol):
    """Where a scan keeps the validated rows of a file (services/report_files.py: a temp
    file; `MemoryRows`: a bytearray, for small files and tests)."""

    def keep(self, data: bytes) -> int:
        """Append `data`; its start offset."""
        ...

    def fetch(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of what was kept."""
        ...

    def close(self) -> None: ...


class MemoryRows:
    """A RowStore in memory."""

    def __init__(self) -> None:
        self._data = bytearray()

    def keep(self, data: bytes) -> int:
        start = len(self._data)
        self._data += data
        return start

    def fetch(self, start: int, end: int) -> bytes:
        return bytes(self._data[start:end])

    def close(self) -> None:
        self._data = bytearray()


@dataclass(frozen=True)
class CheckedPart:
    """What another process validated of a part of a file (or of a piece of that part),
    in this process's terms: its problems (the first ones, `problem_count` in all), each
    report_id with its line, and each kept row's line, place in its own rows (`starts`,
    `ends`), subject (`subject_text`) and instant (microseconds, as `ReportScan.times`)."""

    problems: Sequence[str] = ()
    problem_count: int = 0
    id_lines: Sequence[int] = ()
    ids: Sequence[str] = ()
    lines: Sequence[int] = ()
    starts: Sequence[int] = ()
    ends: Sequence[int] = ()
    subjects: Sequence[str] = ()
    times: Sequence[int] = ()


#: a validated report: its line number in the file and its clean values (`_check_row`)
CleanRow = tuple[int, dict[str, Any]]
#: kept rows read at once are joined into one read when at most this far apart ...
_GAP = 64 << 10
#: ... and the read stays this small
_SPAN = 4 << 20


@dataclass
class ReportScan:
    """A validated file, as little as an import needs to keep of it in memory (~50 bytes
    a report, whatever the file's size): each report's line number, where its clean
    values are kept (`rows`, as JSON), and 8-byte hashes of its subject and its instant,
    to group and order reports into cases without holding them.

    Why the clean values are kept, not read again from the file: reading the file again
    meant parsing and validating each report twice (and checking that the file had not
    changed meanwhile); a kept row is exactly what was validated."""

    #: the file's name in messages
    name: str
    limits: ImportLimits
    rows: RowStore = field(default_factory=MemoryRows)
    csv: bool = False
    lines: array[int] = field(default_factory=lambda: array("L"))
    starts: array[int] = field(default_factory=lambda: array("Q"))
    ends: array[int] = field(default_factory=lambda: array("Q"))
    subjects: array[int] = field(default_factory=lambda: array("Q"))
    #: reported_at in microseconds since 1970 (UTC)
    times: array[int] = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.lines)

    def append(self, number: int, clean: dict[str, Any]) -> None:
        data = orjson.dumps(clean)
        start = self.rows.keep(data)
        self.lines.append(number)
        self.starts.append(start)
        self.ends.append(start + len(data))
        self.subjects.append(_id_hash(subject_text(clean)))
        self.times.append(reported_micros(clean["reported_at"]))

    def adopt(self, part: CheckedPart, offset: int) -> None:
        """Take the rows of a part validated in another process (its rows kept from
        `offset` on in `rows`); subjects are hashed here: hashes are this process's."""
        self.lines.extend(part.lines)
        self.starts.extend([start + offset for start in part.starts])
        self.ends.extend([end + offset for end in part.ends])
        self.subjects.extend([_id_hash(text) for text in part.subjects])
        self.times.extend(part.times)

    def read(self, indices: Sequence[int]) -> list[CleanRow]:
        """The clean rows of reports `indices`, in that order. Rows kept near each other
        are fetched at once (a read per report cost more than parsing it)."""
        starts, ends, loads = self.starts, self.ends, orjson.loads
        out: list[CleanRow] = [(0, {})] * len(indices)
        order = sorted(range(len(indices)), key=lambda j: starts[indices[j]])
        at = 0
        while at < len(order):
            first, last = starts[indices[order[at]]], ends[indices[order[at]]]
            stop = at + 1
            while stop < len(order):
                i = indices[order[stop]]
                if starts[i] - last > _GAP or ends[i] - first > _SPAN:
                    break
                last = max(last, ends[i])
                stop += 1
            data = memoryview(self.rows.fetch(first, last))
            for j in order[at:stop]:
                i = indices[j]
                out[j] = (self.lines[i], loads(data[starts[i] - first : ends[i] - first]))
            at = stop
        return out

    def close(self) -> None:
        """Drop the kept rows (a temp file is closed)."""
        self.rows.close()


def subject_text(clean: dict[str, Any]) -> str:
    """What makes reports one case's: platform, subject type and id."""
    return f"{clean['platform']}\0{clean['subject_type']}\0{clean['subject_id']}"


def reported_micros(reported_at: str) -> int:
    """`reported_at` in microseconds since 1970 (UTC), as `ReportScan.times` keeps it."""
    return (parse_ts(reported_at) - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def scan_reports(
    fh: IO[bytes],
    name: str,
    media_check: MediaCheck | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
    total: int | None = None,
    rows: RowStore | None = None,
) -> ReportScan:
    """Validate every line of the open file `fh` (`name` in messages), streamed; raise
    one ValidationError listing the problems (the first `limits.max_problems`, and the
    total), or return the ReportScan, its clean rows kept in `rows` (in memory if None;
    closed when the file is refused).

    `media_check` validates each `media` entry (the caller does the file I/O);
    without it a line that lists media is refused. `progress(line, total, "validating")`
    is called every few hundred lines.
    """
    limits = limits or ImportLimits()
    scan = ReportScan(name, limits, rows or MemoryRows(), csv=is_csv(name))
    try:
        return _scan(fh, scan, media_check, progress, total)
    except BaseException:
        scan.close()
        raise


def _scan(
    fh: IO[bytes],
    scan: ReportScan,
    media_check: MediaCheck | None,
    progress: Progress | None,
    total: int | None,
) -> ReportScan:
    checks = RowChecks(scan, media_check, latest_reported(scan.limits), progress, total)
    if progress:
        progress(0, total, "validating")
    checks.check(_rows(fh, scan.csv, scan.limits, []))
    return checks.finish()


def latest_reported(limits: ImportLimits) -> datetime:
    """The latest `reported_at` a file may hold (a day past now: clocks differ); a file
    validated in parts uses one such instant for all of them."""
    return _latest(limits)


class RowChecks:
    """The rows of one file validated in line order, in one go (`scan_reports`) or part
    by part (services/scan_split.py: another process validates a later part, which is
    `adopt`ed here in its turn): each row checked, its problems kept in order, a valid
    row kept in the scan (`keep`) while no problem was found, each report_id noted to
    find repeats (`note_id`). `keep` and `note_id` are what a part validated in another
    process does differently: this process's string hashes are not that one's."""

    def __init__(
        self,
        scan: ReportScan,
        media_check: MediaCheck | None,
        latest: datetime,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> None:
        self.scan, self.media_check, self.latest = scan, media_check, latest
        self.progress, self.total = progress, total
        self.problems = _Problems(scan.limits.max_problems)
        self.count = 0
        self._id_hashes, self._id_lines = array("Q"), array("L")

    def check(self, rows: Iterable[Row]) -> bool:
        """Check `rows` (False: stopped at the file's limit of reports, which is a problem)."""
        name, limits, media_check, latest = (
            self.scan.name,
            self.scan.limits,
            self.media_check,
            self.latest,
        )
        problems, progress, total = self.problems, self.progress, self.total
        for number, row, problem in rows:
            if progress and number % EVERY == 0:
                progress(number, total, "validating")
            self.count += 1
            if self.count > limits.max_lines:
                problems.add(
                    f"{name}:{number}: -: more than {limits.max_lines} reports in one file "
                    "(--max-lines)"
                )
                return False
            if problem:
                problems.add(f"{name}:{number}: {problem}")
                continue
            assert row is not None
            usual = _usual_row(row, media_check, latest)
            row_problems: list[str] = []
            if usual is not None:
                clean = usual
            else:
                clean, row_problems = _check_row(row, media_check, limits, latest)
            for p in row_problems:
                problems.add(f"{name}:{number}: {p}")
            rid = clean.get("report_id")
            if rid is not None:
                self.note_id(number, rid)
            if not row_problems and not problems.total:
                self.keep(number, clean)
        return True

    def keep(self, number: int, clean: dict[str, Any]) -> None:
        self.scan.append(number, clean)

    def note_id(self, number: int, rid: str) -> None:
        self._id_hashes.append(_id_hash(rid))
        self._id_lines.append(number)

    def adopt(self, part: CheckedPart, offset: int) -> None:
        """A later part of the file, validated in another process: its problems follow
        this one's, its rows (kept at `offset` onwards of this scan's rows) this one's."""
        for problem in part.problems:
            self.problems.add(problem)
        self.problems.total += part.problem_count - len(part.problems)
        for number, rid in zip(part.id_lines, part.ids, strict=True):
            self.note_id(number, rid)
        if not self.problems.total:
            self.scan.adopt(part, offset)

    def finish(self) -> ReportScan:
        """The scan, or the ValidationError listing the file's problems."""
        name, problems, scan = self.scan.name, self.problems, self.scan
        if self.progress:
            self.progress(self.total or 0, self.total, "validating")
        for again, first in sorted(_repeats(self._id_hashes, self._id_lines)):
            problems.add(f"{name}:{again}: report_id: repeats line {first}")
        if problems.total:
            noun = "problem" if problems.total == 1 else "problems"
            shown = list(problems.shown)
            if problems.total > len(shown):
                shown.append(
                    f"{name}: … and {problems.total - len(shown)} more "
                    f"(the first {len(problems.shown)} are listed)"
                )
            raise ValidationError(f"{name}: {problems.total} {noun}; nothing imported", shown)
        if not len(scan):
            raise ValidationError(f"{name}: no reports found; nothing imported")
        return scan
