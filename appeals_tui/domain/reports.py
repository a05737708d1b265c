"""Parsing and validating report files (`.jsonl` / `.csv`) before anything is stored.

The whole file is checked first and every problem is reported as
`FILE:LINE: field: problem`, so a moderator can fix the file in one pass.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .models import Report, SubjectType
from .progress import EVERY, Progress
from .timeutil import parse_ts

__all__ = ["REQUIRED_FIELDS", "OPTIONAL_FIELDS", "ParsedReport", "parse_report_file"]

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


@dataclass(frozen=True)
class ParsedReport:
    line: int
    report: Report


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield (line number, row or None, problem) for each data line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"-: invalid JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(row, dict):
                yield number, None, "-: expected a JSON object"
                continue
            yield number, row, None
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
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
    else:
        raise ValidationError(f"{path}: unsupported file type '{suffix}'; expected .jsonl or .csv")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise ValueError
    if number < 0:
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


def _check_row(
    row: dict[str, Any], media_check: MediaCheck | None = None
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for name in REQUIRED_FIELDS:
        value = row.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{name}: required")
        elif not isinstance(value, str):
            problems.append(f"{name}: expected text")
        else:
            clean[name] = value.strip()
    if "reported_at" in clean:
        try:
            parse_ts(clean["reported_at"])
        except ValueError as exc:
            problems.append(
                f"reported_at: {exc}"
                if "offset" in str(exc)
                else "reported_at: not an ISO 8601 timestamp"
            )
    if "subject_type" in clean and clean["subject_type"] not in {t.value for t in SubjectType}:
        allowed = ", ".join(t.value for t in SubjectType)
        problems.append(f"subject_type: '{clean['subject_type']}' is not one of {allowed}")
    for name in ("content_text", "media_description", "url"):
        value = row.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{name}: expected text")
        elif len(value) > MAX_TEXT:
            problems.append(f"{name}: longer than {MAX_TEXT} characters")
        else:
            clean[name] = value
    jurisdiction = row.get("jurisdiction")
    if jurisdiction is not None:
        if not isinstance(jurisdiction, str) or not _COUNTRY.match(jurisdiction.strip().upper()):
            problems.append(f"jurisdiction: '{jurisdiction}' is not an ISO 3166-1 alpha-2 code")
        else:
            clean["jurisdiction"] = jurisdiction.strip().upper()
    for name in ("followers", "views"):
        if row.get(name) is None:
            continue
        try:
            clean[name] = _to_int(row[name])
        except ValueError:
            problems.append(f"{name}: '{row[name]}' is not a whole number >= 0")
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
            f"{unknown[0]}: unknown field"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    return clean, problems


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
    path: Path, media_check: MediaCheck | None = None, progress: Progress | None = None
) -> list[ParsedReport]:
    """Validate every line; raise one ValidationError listing all problems, or return all reports.

    `media_check` validates each `media` entry (the caller does the file I/O);
    without it a line that lists media is refused. `progress(line, lines, "validating")`
    is called every few hundred lines.
    """
    problems: list[str] = []
    parsed: list[ParsedReport] = []
    seen: dict[str, int] = {}
    total = _line_count(path) if progress else None
    if progress:
        progress(0, total, "validating")
    for number, row, problem in _rows(path):
        if progress and number % EVERY == 0:
            progress(number, total, "validating")
        if problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        assert row is not None
        clean, row_problems = _check_row(row, media_check)
        problems.extend(f"{path}:{number}: {p}" for p in row_problems)
        rid = clean.get("report_id")
        if rid is not None:
            if rid in seen:
                problems.append(f"{path}:{number}: report_id: '{rid}' repeats line {seen[rid]}")
            else:
                seen[rid] = number
        if not row_problems:
            parsed.append(ParsedReport(number, Report.from_dict(clean)))
    if progress:
        progress(total or 0, total, "validating")
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise ValidationError(f"{path}: {len(problems)} {noun}; nothing imported", problems)
    if not parsed:
        raise ValidationError(f"{path}: no reports found; nothing imported")
    return parsed
