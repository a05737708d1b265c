"""Finding 8: errors are one line per problem, JSON with --json, quiet on a closed
pipe, and who you are is checked before what you typed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from appeals_tui.cli import cli
from tests.cli.conftest import factor_args
from tests.conftest import case_for, removal

ROOT = Path(__file__).resolve().parents[2]


def invoke(ws_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(ws_path), *args])


def test_one_line_per_problem_without_a_doubled_prefix(ws_path: Path, sessions) -> None:
    case = case_for(sessions("minji"), "S1")
    sessions("minji").ws.close()
    result = invoke(
        ws_path, "--user", "minji", "decide", case, "--action", "label",
        "--clause", "CSS-3", *factor_args(), "--reasoning", "x",
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    fields = [line.split(": ")[1] for line in lines]
    assert fields == ["action", "reasoning", "divergence_reason"], lines
    assert all(line.startswith("error: ") for line in lines)
    assert not any("action: action:" in line for line in lines)


def test_json_errors_are_one_object_on_stderr(ws_path: Path) -> None:
    result = invoke(ws_path, "--user", "minji", "--json", "cases", "show", "C-999999")
    assert result.exit_code == 1
    body = json.loads(result.stderr)
    assert body["exit"] == 1 and "C-999999" in body["error"] and body["problems"]
    denied = invoke(ws_path, "--user", "minji", "users", "add", "x", "--role", "admin", "--json")
    assert denied.exit_code == 3 and json.loads(denied.stderr)["exit"] == 3


def test_json_usage_errors_are_one_object_too(ws_path: Path) -> None:
    """A wrong option value (exit 2) printed click's plain-text usage under --json, so a
    script reading stderr as JSON failed on exactly the mistakes it most needs to see."""
    for args in (
        ["--json", "cases", "list", "--sort", "bogus"],
        ["cases", "list", "--sort", "bogus", "--json"],
        ["--json", "appeal", "resolve", "A-000001", "--outcome", "bogus", "--reasoning", "x"],
        ["--json", "no-such-command"],
    ):
        result = invoke(ws_path, "--user", "minji", *args)
        assert result.exit_code == 2, (args, result.output)
        body = json.loads(result.stderr)
        assert body["exit"] == 2 and body["problems"] == [body["error"]], body
        assert "bogus" in body["error"] or "no-such-command" in body["error"]
    plain = invoke(ws_path, "--user", "minji", "cases", "list", "--sort", "bogus")
    assert plain.exit_code == 2 and plain.stderr.startswith("Usage: ")  # click's own text


def test_permission_is_checked_before_the_input(ws_path: Path) -> None:
    result = invoke(
        ws_path, "--user", "root", "decide", "C-000001", "--action", "label",
        "--factor", "nonsense=maybe", "--reasoning", "x",
    )  # fmt: skip
    assert result.exit_code == 3, result.output


def test_a_closed_pipe_ends_quietly_with_exit_0(ws_path: Path, sessions) -> None:
    for subject in ("S1", "S2", "S3"):
        removal(sessions("minji"), subject)
    sessions("minji").ws.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "appeals_tui", "--data-dir", str(ws_path), "--user",
             "seoyeon", "export", "decisions", "--format", "jsonl"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        proc.stdout.close()  # the reader is gone before the first line
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert b"internal error" not in err and b"Traceback" not in err
