"""Progress bars on a terminal, nothing extra when piped, and Ctrl-C that leaves the
workspace unchanged — in real processes, with stderr on a pseudo-terminal where needed."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import report

ROOT = Path(__file__).parents[2]
USER = "root"


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    out.pop("APPEALS_DATA_DIR", None)
    out["COLUMNS"] = "120"
    return out


def appeals(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "appeals_tui", "--data-dir", str(ws), "--user", USER, *args]


def piped(ws: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(appeals(ws, *args), capture_output=True, env=env(), timeout=300)


class OnTerminal:
    """The command with stderr on a pseudo-terminal (stdout piped), read as it runs."""

    def __init__(
        self,
        ws: Path,
        *args: str,
        stdout: int | None = subprocess.PIPE,
        gate: tuple[str, ...] = (),
    ) -> None:
        """`gate`: run through tests/gated_command.py (TARGET AT HERE GO) to hold it once."""
        self.master, slave = pty.openpty()
        argv = appeals(ws, *args)
        if gate:
            argv = [sys.executable, str(ROOT / "tests" / "gated_command.py"), *gate, *argv[3:]]
        self.proc = subprocess.Popen(
            argv, stdout=stdout, stderr=slave, stdin=subprocess.DEVNULL, env=env()
        )
        os.close(slave)
        self.seen = b""

    def read(self, timeout: float = 0.2) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.seen += os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                pass
        return self.seen

    def wait_for(self, text: bytes, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while text not in self.read():
            if self.proc.poll() is not None or time.monotonic() > end:
                self.finish()
                raise AssertionError(f"never saw {text!r}: {self.seen[-2000:]!r}")

    def finish(self, timeout: float = 120) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read()
        code = self.proc.wait(timeout=5)
        while len(self.read(0.05)) != len(self.seen) or self.read(0.05) != self.seen:
            pass
        os.close(self.master)
        return code

    @property
    def text(self) -> str:
        return self.seen.decode("utf-8", "replace")


def snapshot(ws: Path) -> dict[str, bytes]:
    """Every data file's bytes: what "unchanged" means. Left out: the lock, and `index/`,
    the sidecar index cache any reader may write (rebuilt from the snapshot when missing)."""
    return {
        str(p.relative_to(ws)): p.read_bytes()
        for p in sorted(ws.rglob("*"))
        if p.is_file() and "lock" not in p.name and p.relative_to(ws).parts[0] != "index"
    }


def write_reports(path: Path, n: int, prefix: str = "R") -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = report(f"{prefix}-{i:06d}", f"{prefix}S{i // 2}",
                         reported_at=f"2026-{1 + i % 11:02d}-{1 + i % 27:02d}T09:00:00+09:00")  # fmt: skip
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert piped(path, "init", "--admin", USER).returncode == 0
    return path


def test_piped_output_is_byte_for_byte_what_it_was(ws, tmp_path):
    reports = write_reports(tmp_path / "r.jsonl", 600)
    r = piped(ws, "import", "reports", str(reports))
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == (
        b"imported 600 report(s), skipped 0 already present; 300 new case(s), 0 updated\n"
    )
    out = tmp_path / "d.csv"
    r = piped(ws, "export", "decisions", "--format", "csv", "--out", str(out))
    assert (r.returncode, r.stdout) == (0, b"")
    # 14, 14b; 304 since 15d: 900 records (no case_links) fit one `records.imported` event
    head = rb"chain head 304:[0-9a-f]{64} \(`appeals verify --expect` it later\)\n"
    summary = re.escape(f"exported 0 record(s) to {out}\n".encode())
    assert re.fullmatch(head + summary, r.stderr)
    r = piped(ws, "verify")
    assert re.fullmatch(
        rb"ok: 304 events, \d+ records, 0 media files verified; head 304:[0-9a-f]{64}\n", r.stdout
    )
    assert r.stderr == b""
    r = piped(ws, "compact")
    assert r.stdout.startswith(b"compacted: ") and r.stdout.count(b"\n") == 1 and r.stderr == b""


def test_import_on_a_terminal_shows_both_passes_with_counts_and_rate(ws, tmp_path):
    reports = write_reports(tmp_path / "r.jsonl", 3000)
    term = OnTerminal(ws, "import", "reports", str(reports))
    assert term.finish() == 0
    text = term.text
    for step in ("validating", "importing", "saving"):
        assert step in text, text
    assert "3,000/3,000" in text and "/s" in text and "left" in text
    assert term.proc.stdout.read().startswith(b"imported 3000 report(s)")


def test_json_on_a_terminal_draws_nothing(ws, tmp_path):
    reports = write_reports(tmp_path / "r.jsonl", 1200)
    term = OnTerminal(ws, "import", "reports", str(reports), "--json")
    assert term.finish() == 0
    assert term.seen == b""
    assert json.loads(term.proc.stdout.read())["imported"] == 1200


def test_verify_and_compact_on_a_terminal_count_bytes(ws, tmp_path):
    assert (
        piped(ws, "import", "reports", str(write_reports(tmp_path / "r.jsonl", 1000))).returncode
        == 0
    )
    for command, phase in (("verify", b"checking the chain"), ("compact", b"compacting")):
        term = OnTerminal(ws, command)
        assert term.finish() == 0, term.text
        assert phase in term.seen, term.text
        assert re.search(rb"[\d.]+/[\d.]+ [kMG]?B", term.seen), term.text  # sizes, not items


@pytest.mark.slow
def test_ctrl_c_during_import_imports_nothing(ws, tmp_path):
    reports = write_reports(tmp_path / "r.jsonl", 20000)
    before = snapshot(ws)
    term = OnTerminal(ws, "import", "reports", str(reports))
    term.wait_for(b"importing")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    assert term.text.rstrip().endswith("stopped; nothing was imported")
    assert "Traceback" not in term.text
    assert snapshot(ws) == before
    assert piped(ws, "verify").returncode == 0


@pytest.mark.slow
def test_ctrl_c_during_validation_imports_nothing(ws, tmp_path):
    reports = write_reports(tmp_path / "r.jsonl", 20000)
    before = snapshot(ws)
    term = OnTerminal(ws, "import", "reports", str(reports))
    term.wait_for(b"validating")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    assert term.text.rstrip().endswith("stopped; nothing was imported")
    assert snapshot(ws) == before


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> Path:
    """A workspace of 2,000 decisions built the way `appeals bench` builds them."""
    from benchmarks.build import build_workspace

    path = tmp_path_factory.mktemp("decided") / "ws"
    build_workspace(path, 2000, 0)
    return path


@pytest.mark.slow
def test_ctrl_c_during_export_removes_the_partial_file(decided, tmp_path):
    """The export is held at its second progress step (500 of 2,000 scanned) while
    Ctrl-C comes: sent on seeing "exporting", it raced the ~0.1-0.3 s export, which a
    quick machine or a descheduled test could lose (exit 0, not 130)."""
    out = tmp_path / "out" / "sor.jsonl"
    out.parent.mkdir()
    here, go = tmp_path / "held", tmp_path / "go"
    before = snapshot(decided)
    gate = ("appeals_tui.commands.progress:ProgressBar.update", "2", str(here), str(go))
    term = OnTerminal(decided, "--user", "lead01", "export", "decisions", "--format", "sor",
                      "--out", str(out), gate=gate)  # fmt: skip
    term.wait_for(b"exporting")
    deadline = time.monotonic() + 120
    while not here.exists() and term.proc.poll() is None and time.monotonic() < deadline:
        term.read(0.05)
    assert here.exists(), term.text
    term.proc.send_signal(signal.SIGINT)
    go.touch()
    assert term.finish() == 130, term.text
    assert term.text.rstrip().endswith("stopped; the partial export was removed")
    assert list(out.parent.iterdir()) == []
    assert snapshot(decided) == before


@pytest.mark.slow
def test_ctrl_c_while_stdout_is_full_stops_at_the_next_safe_point(decided):
    """stdout is a pipe nobody reads: the export blocks mid-run, deterministically."""
    term = OnTerminal(decided, "--user", "lead01", "export", "decisions", "--format", "jsonl")
    term.wait_for(b"exporting")
    time.sleep(0.5)
    assert term.proc.poll() is None  # blocked on the full pipe
    term.proc.send_signal(signal.SIGINT)
    chunks: list[bytes] = []  # drain stdout beside reading the terminal: both must flow
    drain = threading.Thread(target=lambda: chunks.append(term.proc.stdout.read()))
    drain.start()
    assert term.finish() == 130
    drain.join(timeout=30)
    drained = b"".join(chunks)
    assert term.text.rstrip().endswith("stopped; the output above is incomplete")
    lines = drained.splitlines()
    assert 0 < len(lines) < 2000 + 400  # stopped before the end (superseded ones add some)


@pytest.mark.slow
def test_export_on_a_terminal_keeps_every_record_on_stdout(decided):
    term = OnTerminal(decided, "--user", "lead01", "export", "decisions", "--format", "jsonl")
    chunks: list[bytes] = []
    drain = threading.Thread(target=lambda: chunks.append(term.proc.stdout.read()))
    drain.start()
    assert term.finish() == 0, term.text
    drain.join(timeout=30)
    records = [json.loads(line) for line in b"".join(chunks).splitlines()]
    assert len(records) >= 2000 and all("decision_id" in r for r in records)
    assert "exporting" in term.text and '"decision_id"' not in term.text
