"""Imports at the issue-14 scale: 1M-line files, /dev/zero, 20k into a kept workspace.

Why: an import is staged in bounded memory (services/staged_import.py); this shows
it with fresh `appeals import reports` processes, each timed from spawn to exit
with its own peak RSS (`wait4`), on the embedded store and on PostgreSQL (a
throwaway cluster). Not a test: the figures go into the closing note.

    python -m benchmarks.import_scale --lines 1000000 --scratch /tmp/x [--pg]
        [--into /work/bench100k/ws-100000 --into-user root]

`--into` copies that workspace first (it is never changed) and imports 20k reports
into the copy, as `appeals bench --cli` does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

__all__ = ["Run", "main"]


@dataclass
class Run:
    name: str
    exit: int
    seconds: float
    peak_rss_mb: float
    lines: int
    last_line: str

    @property
    def per_s(self) -> float:
        return self.lines / self.seconds if self.exit == 0 and self.seconds else 0.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env.pop("APPEALS_USER", None)
    return env


def _spawn(name: str, argv: list[str], lines: int) -> Run:
    """Spawn to exit, with the child's own peak RSS (`wait4`); output through a temp
    file, so nothing here reaps the child before wait4 does."""
    import tempfile

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace").strip().splitlines()
    last = text[-1][:160] if text else ""
    return Run(name, code, round(seconds, 1), round(usage.ru_maxrss / 1024, 1), lines, last)


class _Probe:
    """Another user's writes while the import runs: one `appeals note` after another,
    each timed (spawn to exit), to show how long a writer waits at most."""

    def __init__(self, argv: list[str]) -> None:
        import threading

        self.argv, self.took, self.failed = argv, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            r = subprocess.run(self.argv, env=_env(), capture_output=True)
            self.took.append(time.perf_counter() - start)
            self.failed += r.returncode != 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        took = sorted(self.took)
        return {
            "probe_notes": len(took),
            "probe_failed": self.failed,
            "probe_median_s": round(took[len(took) // 2], 2) if took else 0.0,
            "probe_max_s": round(took[-1], 2) if took else 0.0,
        }


def _appeals(*args: str) -> list[str]:
    return [sys.executable, "-m", "appeals_tui", *args]


def _valid(dest: Path, lines: int) -> Path:
    """`lines` short valid reports (~200 bytes: a 1M-line file stays under the 256 MB
    limit), over lines * 4/5 subjects, so a fifth of the cases get two reports."""
    if not dest.exists():
        subjects = max(1, lines * 4 // 5)
        with dest.open("wb") as fh:
            for i in range(lines):
                s = i % subjects
                row = {
                    "report_id": f"V-{i:07d}",
                    "reported_at": f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+09:00",
                    "reporter": f"u{i % 997}",
                    "reason": "sexual_services",
                    "platform": "instagram",
                    "subject_type": "post",
                    "subject_id": f"P{s:07d}",
                    "account": f"a{s % 50000}",
                    "content_text": f"웹툰 {s}",
                    "views": i,
                }
                fh.write(orjson.dumps(row) + b"\n")
    return dest


def _invalid(dest: Path, lines: int) -> Path:
    if not dest.exists():
        row = {
            "report_id": "X",
            "reported_at": "2026-11-19T09:00:00+09:00",
            "reporter": "u",
            "reason": "spam",
            "platform": "instagram",
            "subject_type": "post",
            "subject_id": "S",
            "account": "a",
            "views": "many",
        }
        with dest.open("wb") as fh:
            for i in range(lines):
                row["report_id"] = f"BAD-{i}"
                fh.write(orjson.dumps(row) + b"\n")
    return dest


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--into", type=Path)
    ap.add_argument("--into-user", default="root")
    ap.add_argument("--only", default="")
    ap.add_argument("--probe-case", default="", help="note this case again and again meanwhile")
    args = ap.parse_args()
    scratch: Path = args.scratch
    scratch.mkdir(parents=True, exist_ok=True)
    n = args.lines
    valid = _valid(scratch / f"valid-{n}.jsonl", n)
    invalid = _invalid(scratch / f"invalid-{n}.jsonl", n)
    zero = scratch / "zero.jsonl"
    if not zero.is_symlink():
        zero.symlink_to("/dev/zero")
    runs: list[Run] = []
    want = set(filter(None, args.only.split(",")))

    def go(name: str, argv: list[str], lines: int) -> None:
        if want and name.split(":")[0] not in want:
            return
        run = _spawn(name, argv, lines)
        runs.append(run)
        print(orjson.dumps(asdict(run) | {"per_s": round(run.per_s)}).decode(), flush=True)

    ws = scratch / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run(
        _appeals("--data-dir", str(ws), "init", "--admin", "root"), env=_env(), check=True
    )
    user = ["--data-dir", str(ws), "--user", "root"]
    go("zero", _appeals(*user, "import", "reports", str(zero)), 0)
    go("invalid", _appeals(*user, "import", "reports", str(invalid)), n)
    go("valid", _appeals(*user, "import", "reports", str(valid)), n)
    go("verify", _appeals(*user, "verify"), 0)
    if args.into:
        copy = scratch / "into"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(args.into, copy)
        twenty = scratch / "twenty.jsonl"
        if not twenty.exists():
            from benchmarks.cli import _import_file

            _import_file(twenty, 8, 20_000)
        into = ["--data-dir", str(copy), "--user", args.into_user]
        probe = _Probe(_appeals(*into, "note", args.probe_case, "probe: written during an import"))
        if args.probe_case:
            probe.start()
        go("into", _appeals(*into, "import", "reports", str(twenty)), 20_000)
        if args.probe_case:
            print(orjson.dumps(probe.stop()).decode(), flush=True)
        shutil.rmtree(copy, ignore_errors=True)
    if args.pg:
        from appeals_tui.store.postgres.throwaway import ThrowawayCluster

        cluster = ThrowawayCluster()
        cluster.start()
        try:
            import psycopg

            with psycopg.connect(cluster.url(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE scale")
            url = cluster.url("scale")
            subprocess.run(
                _appeals("--database", url, "init", "--admin", "root"), env=_env(), check=True
            )
            pg = ["--database", cluster.url("scale", user="root")]
            go("pg-invalid", _appeals(*pg, "import", "reports", str(invalid)), n)
            go("pg-valid", _appeals(*pg, "import", "reports", str(valid)), n)
        finally:
            cluster.stop()
    with open(scratch / "runs.json", "wb") as fh:
        fh.write(orjson.dumps([asdict(r) for r in runs], option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
