"""Finding 4: imports are bounded; bad input is a `FILE:LINE: field: problem`, never
an internal error, a hang or unbounded memory; nothing is stored unless all is good."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.reports import ImportLimits
from appeals_tui.services.report_files import parse_report_file
from tests.conftest import report, write_jsonl


def run_import(ws_path: Path, file: Path, *extra: str):
    args = ["--data-dir", str(ws_path), "--user", "minji", "import", "reports", str(file)]
    return CliRunner().invoke(cli, [*args, *extra])


def counts(ws_path: Path) -> tuple[int, int]:
    from appeals_tui.store import Workspace

    with Workspace.open(ws_path) as ws:
        return ws.count("reports"), len(ws.events())


def test_dev_zero_and_fifo_are_refused_without_reading(ws_path: Path, tmp_path: Path) -> None:
    result = run_import(ws_path, Path("/dev/zero.jsonl"))
    assert result.exit_code == 1
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    result = run_import(ws_path, zero)
    assert result.exit_code == 1 and "not a regular file" in result.output
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(run_import(ws_path, fifo)))
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the open() a regression would be stuck in
        with open(fifo, "w"):
            pass
        worker.join()
        pytest.fail("importing a FIFO hung")
    assert done[0].exit_code == 1 and "not a regular file" in done[0].output


def test_file_over_the_size_limit_is_refused(ws_path: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as fh:
        fh.truncate(3 << 20)  # sparse: 3 MB of nothing
    result = run_import(ws_path, big, "--max-mb", "2")
    assert result.exit_code == 1
    assert "over the import limit of 2 MB" in result.output


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"views": 10**30}, "views: "),
        ({"followers": -1}, "followers: "),
        ({"views": {"a": [1, 2]}}, "views: a nested value is not a whole number"),
        ({"account": "x" * 1_000_000}, "account: 1000000 characters; at most 256"),
        ({"reporter": ["a"]}, "reporter: expected text, not a nested value"),
        ({"reported_at": "2999-01-01T00:00:00+00:00"}, "reported_at: '2999-01-01"),
        ({"reported_at": "0001-01-01T00:00:00+00:00"}, "reported_at: '0001-01-01"),
    ],
)
def test_out_of_range_values_name_line_and_field(
    ws_path: Path, tmp_path: Path, row: dict, expected: str
) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", [report("R-ok", "S9"), report("R-bad", "S9", **row)])
    before = counts(ws_path)
    result = run_import(ws_path, path)
    assert result.exit_code == 1, result.output
    assert f"{path}:2: {expected}" in result.output
    assert "internal error" not in result.output
    assert counts(ws_path) == before


def test_unparseable_lines_are_problems_not_crashes(ws_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    good = json.dumps(report("R-ok", "S9"), ensure_ascii=False).encode()
    path.write_bytes(
        b"\n".join(
            [
                good,
                b"[" * 100_000 + b"]" * 100_000,  # deeply nested
                b'{"report_id": "\\ud800"}',  # lone surrogate
                b'{"report_id": "\xff\xfe"}',  # not UTF-8
            ]
        )
        + b"\n"
    )
    result = run_import(ws_path, path)
    assert result.exit_code == 1
    for line in (2, 3, 4):
        assert f"{path}:{line}: -: " in result.output
    assert "internal error" not in result.output


def test_csv_field_over_the_limit_is_a_problem(ws_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    header = "report_id,reported_at,reporter,reason,platform,subject_type,subject_id,account,content_text"
    row = f'R-1,2026-11-19T09:00:00+09:00,u,r,instagram,post,S1,a,"{"x" * 2_000_000}"'
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    result = run_import(ws_path, path)
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert f"{path}:2: -: a field is longer than 1048576 characters" in result.output


def test_a_million_bad_lines_list_fifty_and_the_total(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    line = (json.dumps(report("R-x", "S1", views="many")) + "\n").encode()
    with open(path, "wb") as fh:
        for i in range(20_000):
            fh.write(line.replace(b'"R-x"', b'"R-%d"' % i))
    with pytest.raises(ValidationError) as caught:
        parse_report_file(path, limits=ImportLimits(max_lines=10**6))
    assert "20000 problems" in str(caught.value)
    assert len(caught.value.problems) == 51
    assert caught.value.problems[-1].endswith("… and 19950 more (the first 50 are listed)")


def test_duplicate_report_id_with_different_content_is_an_error(
    ws_path: Path, tmp_path: Path, sessions
) -> None:
    # R-1 was imported by the fixture from reports.jsonl line 1
    again = write_jsonl(tmp_path / "again.jsonl", [report("R-1", "S1", reason="spam")])
    before = counts(ws_path)
    result = run_import(ws_path, again)
    assert result.exit_code == 1
    assert f"{again}:1: report_id: 'R-1'" in result.output
    assert "reports.jsonl:1" in result.output and "reason" in result.output
    assert counts(ws_path) == before
    same = write_jsonl(tmp_path / "same.jsonl", [report("R-1", "S1")])
    result = run_import(ws_path, same)
    assert result.exit_code == 0 and "skipped 1" in result.output


def test_more_lines_than_the_max_lines_guard_is_refused(tmp_path: Path) -> None:
    rows = [report(f"R-{i}", f"S{i}") for i in range(30)]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    with pytest.raises(ValidationError) as caught:
        parse_report_file(path, limits=ImportLimits(max_lines=20))
    assert caught.value.problems == [
        f"{path}:1: -: 30 lines; at most 20 reports in one file (--max-lines)"
    ]
