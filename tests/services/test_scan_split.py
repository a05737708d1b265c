"""A JSONL file validated in two processes is validated exactly as in one.

services/scan_split.py validates the second half of a big file in a helper process
while this one validates the first, then takes the helper's rows, report ids and
problems in line order. Whatever the file holds (problems in either half or across
the cut, a report_id repeated across it, blank and overlong lines, a BOM, a last
line without a newline, media that only this process may check), the scan and the
refusal must be the ones of validating it in one go; a helper that fails loses
nothing; and a bad line late in the file still refuses the whole import.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.reports import ImportLimits, ReportScan
from appeals_tui.services import intake, scan_split
from appeals_tui.services.media import MediaCollector
from appeals_tui.services.report_files import scan_report_file
from tests.conftest import report

LIMITS = ImportLimits(max_line_bytes=4096, max_problems=8)  # a list cut short


class _Runs:
    def __init__(self) -> None:
        self.helped = 0  # imports whose second half the helper validated (in part)


@pytest.fixture
def split(monkeypatch) -> _Runs:
    """Split files of any size, in pieces of a few rows; count the helper's halves."""
    runs = _Runs()
    monkeypatch.setattr(scan_split, "SPLIT_MIN", 1)
    monkeypatch.setattr(scan_split, "PIECE", 7)
    monkeypatch.delenv(scan_split.ENV, raising=False)
    adopt = scan_split._adopt

    def counted(*args):
        resume = adopt(*args)
        runs.helped += resume != ()
        return resume

    monkeypatch.setattr(scan_split, "_adopt", counted)
    return runs


def _write(path: Path, lines: list[str | dict], end: str = "\n") -> Path:
    text = "\n".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x for x in lines)
    path.write_text(text + end, encoding="utf-8")
    return path


def _with(row: str | dict, **fields: object) -> dict:
    assert isinstance(row, dict)
    return {**row, **fields}


def _rows(n: int, prefix: str = "T") -> list[str | dict]:
    return [
        report(
            f"{prefix}-{i}",
            f"S{i % 13}",
            content_text=f"본문 {i} 카톡 abc{i}" if i % 3 else None,
            reported_at=f"2026-11-{1 + i % 17:02d}T0{i % 10}:00:00+09:00",
            followers=i if i % 4 else None,
            jurisdiction="us" if i % 5 == 0 else None,
        )
        for i in range(n)
    ]


def _scan(path: Path, media: bool = False) -> tuple[dict, list[str] | None]:
    """What a scan keeps (rows, lines, instants, subject hashes, in order), or the
    problems of its refusal."""
    check = MediaCollector(path.parent).check if media else None
    try:
        scan = scan_report_file(path, check, limits=LIMITS)
    except ValidationError as exc:
        return {}, [str(exc), *exc.problems]
    try:
        return _kept(scan), None
    finally:
        scan.close()


def _kept(scan: ReportScan) -> dict:
    return {
        "rows": scan.read(range(len(scan))),
        "lines": list(scan.lines),
        "times": list(scan.times),
        "subjects": list(scan.subjects),
    }


def _both(path: Path, split: _Runs, monkeypatch, media: bool = False):
    """(split scan, one-process scan); the split one must have used the helper."""
    helped = split.helped
    two = _scan(path, media)
    assert split.helped == helped + 1  # not vacuous: the helper validated a part
    monkeypatch.setenv(scan_split.ENV, "0")
    one = _scan(path, media)
    monkeypatch.delenv(scan_split.ENV)
    return two, one


def test_a_valid_file_gives_the_same_scan(tmp_path, split, monkeypatch):
    path = _write(tmp_path / "r.jsonl", ["\ufeff" + json.dumps(_rows(1)[0]), "", *_rows(90)[1:]])
    two, one = _both(path, split, monkeypatch)
    assert two[1] is None and two == one
    assert len(two[0]["rows"]) == 90
    assert two[0]["lines"][-1] == 91  # the blank line counted


def test_a_last_line_without_a_newline(tmp_path, split, monkeypatch):
    path = _write(tmp_path / "r.jsonl", _rows(40), end="")
    two, one = _both(path, split, monkeypatch)
    assert two == one and len(two[0]["rows"]) == 40


def test_problems_in_both_halves_are_listed_in_line_order(tmp_path, split, monkeypatch):
    lines = _rows(200)
    lines[3] = "{not json"
    lines[120] = _with(lines[120], reported_at="yesterday")
    lines[150] = "x" * 5000  # longer than the line limit
    lines[170] = json.dumps(report("T-5", "S1"))  # repeats line 6's report_id
    lines[190] = "[1, 2]"
    for n in range(101, 160, 4):  # more problems than are listed
        lines[n] = _with(lines[n], views=-1)
    two, one = _both(_write(tmp_path / "r.jsonl", lines), split, monkeypatch)
    assert two == one
    problems = two[1]
    assert problems is not None
    assert "20 problems" in problems[0]
    assert problems[1].endswith(":4: -: invalid JSON (unexpected character, expected a string key)")
    assert problems[2].endswith(":102: views: '-1' is not a whole number from 0 to 10^12")
    assert problems[-1].endswith("… and 12 more (the first 8 are listed)")


def test_one_problem_only_in_the_second_half(tmp_path, split, monkeypatch):
    lines = _rows(80)
    lines[-1] = _with(lines[-1], subject_type="planet")
    two, one = _both(_write(tmp_path / "r.jsonl", lines), split, monkeypatch)
    assert two == one and two[1] is not None and "1 problem;" in two[1][0]


def _png(path: Path, colour: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "PNG")
    path.write_bytes(buf.getvalue())


def test_lines_with_media_are_handed_back(tmp_path, split, monkeypatch):
    _png(tmp_path / "a.png", "teal")
    _png(tmp_path / "b.png", "red")
    lines = _rows(120)
    lines[10] = _with(lines[10], media=["a.png"])
    lines[90] = _with(lines[90], media=["b.png"])
    lines[100] = _with(lines[100], media=[])
    two, one = _both(_write(tmp_path / "r.jsonl", lines), split, monkeypatch, media=True)
    assert two == one and two[1] is None
    assert two[0]["rows"][90][1]["media"] == ["b.png"]
    lines[95] = _with(lines[95], media=["missing.png"])
    two, one = _both(_write(tmp_path / "r.jsonl", lines), split, monkeypatch, media=True)
    assert two == one and two[1] is not None and "missing.png" in two[1][1]


def test_without_a_media_check_media_are_refused_in_both_halves(tmp_path, split, monkeypatch):
    lines = _rows(60)
    lines[50] = _with(lines[50], media=["a.png"])
    two, one = _both(_write(tmp_path / "r.jsonl", lines), split, monkeypatch)
    assert two == one and "media files are not accepted here" in two[1][1]


@pytest.mark.parametrize(
    "script",
    [
        "import sys; sys.exit(3)",
        "print('nonsense')",
        "import sys; sys.stdin.readline(); print('{\"rows\": 5}')",
        "import time; time.sleep(30)",  # silent past WAIT
    ],
)
def test_a_failing_helper_loses_nothing(tmp_path, monkeypatch, script):
    monkeypatch.setattr(scan_split, "SPLIT_MIN", 1)
    monkeypatch.setattr(scan_split, "WAIT", 1.0)
    real = scan_split.subprocess.Popen

    def popen(argv, **kw):
        return real([sys.executable, "-c", script], **kw)

    monkeypatch.setattr(scan_split.subprocess, "Popen", popen)
    lines = _rows(70)
    path = _write(tmp_path / "r.jsonl", lines)
    two = _scan(path)
    monkeypatch.setenv(scan_split.ENV, "0")
    assert two == _scan(path) and len(two[0]["rows"]) == 70
    monkeypatch.delenv(scan_split.ENV)
    lines[60] = "{"
    path = _write(tmp_path / "r.jsonl", lines)
    two = _scan(path)
    monkeypatch.setenv(scan_split.ENV, "0")
    assert two == _scan(path) and two[1] is not None


def test_csv_small_files_and_the_switch_are_validated_in_one_process(tmp_path, monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(scan_split, "_start", lambda fd: started.append(fd))
    path = _write(tmp_path / "r.jsonl", _rows(30))
    _scan(path)  # under SPLIT_MIN
    monkeypatch.setattr(scan_split, "SPLIT_MIN", 1)
    monkeypatch.setenv(scan_split.ENV, "0")
    _scan(path)
    monkeypatch.delenv(scan_split.ENV)
    (tmp_path / "r.csv").write_text("report_id,reported_at\nA,2026-11-01T00:00:00+00:00\n")
    _scan(tmp_path / "r.csv")
    assert started == []
    _scan(path)
    assert len(started) == 1


def test_a_bad_line_late_in_the_file_refuses_the_import(sessions, tmp_path, split):
    """All or nothing: the helper's half is validated before anything is staged."""
    s = sessions("minji")
    before = {t: s.ws.count(t) for t in ("cases", "reports")}
    head = s.ws.head()
    lines = _rows(300, "LATE")
    lines[-2] = _with(lines[-2], followers="many")
    with pytest.raises(ValidationError) as err:
        intake.import_reports(s, _write(tmp_path / "late.jsonl", lines))
    assert split.helped == 1
    assert err.value.problems == [
        f"{tmp_path / 'late.jsonl'}:299: followers: 'many' is not a whole number from 0 to 10^12"
    ]
    assert {t: s.ws.count(t) for t in ("cases", "reports")} == before
    assert s.ws.head() == head
    lines[-2] = json.dumps(report("LATE-298", "S1"))
    result = intake.import_reports(s, _write(tmp_path / "late.jsonl", lines))
    assert split.helped == 2 and result.imported == 300
