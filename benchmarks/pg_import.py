"""One `appeals import reports` of N new reports into a PostgreSQL database, measured.

Why a narrow entry: the import budget (≥ 10,000 reports/s at 1M decisions) is paid
by the client process and the server on the same machine, so a wall time alone says
little on a shared, busy box. This runs the real import (services.intake) in a fresh
process and reports wall time, the client's CPU, and the server's CPU (all processes
of the cluster, read from /proc when the postmaster's pid file is readable) and the
WAL written per report. `python -m benchmarks.pg_import '{"url": URL, "reports": 100000}'`; with
`"profile": PATH` the client runs under cProfile and the stats are saved there.
Each run adds N reports (new ids and subjects) to the database.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from appeals_tui.services import intake
from appeals_tui.services.session import Session
from appeals_tui.store.factory import open_store
from benchmarks.build import BENCH_NOW, MODERATORS, Clock, Corpus
from benchmarks.pg_measure import as_role

__all__ = ["import_file", "measure_import", "server_cpu", "wal_position"]


def import_file(path: Path, corpus: Corpus, base: int, n: int) -> None:
    """n new reports (two per subject, as the bench's import), ids from `base`."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            r = corpus.report(base + i, base + i // 2, f"imp{base}x{i // 7:06d}", BENCH_NOW)
            doc = {k: v for k, v in r.to_dict().items() if v not in (None, "")}
            fh.write(json.dumps(doc) + "\n")


def _ticks(pid: str) -> tuple[int, int]:
    """(own, reaped children's) CPU ticks of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def server_cpu(data_dir: str | None) -> float | None:
    """CPU seconds used so far by the cluster at `data_dir`: the postmaster, its live
    children, and the children it has reaped (ended backends)."""
    if not data_dir:
        return None
    try:
        master = Path(data_dir, "postmaster.pid").read_text().split()[0]
        own, reaped = _ticks(master)
        total = own + reaped
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for pid in children:
            try:
                total += sum(_ticks(pid))
            except OSError:
                pass  # ended meanwhile: counted in the postmaster's reaped ticks next time
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def _client_cpu() -> float:
    """CPU seconds of this process and its ended children: the import's link helper
    process (services/link_helper.py) works for the import, so its CPU is the client's.
    `time.process_time` reads the kernel's exact clock for this process: `os.times` counts
    whole clock ticks (10 ms), so a small import could measure 0."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def wal_position(url: str) -> int:
    """Bytes of WAL the server has written so far (any role may ask): the import's WAL is
    the difference, what a team's replicas and backups receive for it."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
    assert row is not None
    return int(row[0])


def measure_import(
    url: str, reports: int, data_dir: str | None = None, profile: str | None = None
) -> dict[str, Any]:
    store = open_store(as_role(url, MODERATORS[0]))
    session = Session.open(store, None, clock=Clock(BENCH_NOW))
    base = 9_000_000 + store.count("reports")
    try:
        with tempfile.TemporaryDirectory(prefix="appeals-import-") as folder:
            path = Path(folder) / "reports.jsonl"
            import_file(path, Corpus.load(8), base, reports)
            server0, wal0 = server_cpu(data_dir), wal_position(as_role(url, MODERATORS[0]))
            cpu0, t0 = _client_cpu(), time.perf_counter()
            if profile:
                import cProfile

                prof = cProfile.Profile()
                result = prof.runcall(intake.import_reports, session, path)
                prof.dump_stats(profile)
            else:
                result = intake.import_reports(session, path)
            wall, cpu = time.perf_counter() - t0, _client_cpu() - cpu0
            server1, wal1 = server_cpu(data_dir), wal_position(as_role(url, MODERATORS[0]))
    finally:
        store.close()
    out: dict[str, Any] = {
        "reports": reports,
        "imported": result.imported,
        "cases_created": len(result.cases_created),
        "seconds": round(wall, 2),
        "reports_per_s": round(reports / wall),
        "client_cpu_us_per_report": round(cpu / reports * 1e6, 1),
        "wal_bytes_per_report": round((wal1 - wal0) / reports),
    }
    if server0 is not None and server1 is not None:
        out["server_cpu_us_per_report"] = round((server1 - server0) / reports * 1e6, 1)
    return out


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    result = measure_import(
        args["url"], args.get("reports", 100_000), args.get("data_dir"), args.get("profile")
    )
    sys.stdout.write(json.dumps(result) + "\n")
