"""Store benchmark (not collected by pytest): build a large workspace, time open and writes.

Usage: PYTHONPATH=. python tests/store/bench_store.py [DIR] [--decisions N]
Targets from the design: open < 1.5 s at 100k decisions + cases + reports + ~400k
events; one write transaction p95 < 20 ms including fsync.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tinydb import Query

from appeals_tui.store import Workspace


def build(path: Path, n: int, journal_tail: int) -> None:
    ws = Workspace.create(path, auto_compact=False)
    batch = 1000
    for start in range(0, n, batch):
        with ws.transaction("bench") as txn:
            for i in range(start, min(start + batch, n)):
                rid, cid, did = f"R-{i:06d}", f"C-{i:06d}", f"D-{i:06d}"
                txn.insert(
                    "reports",
                    rid,
                    {"reporter": f"user{i % 977}", "reason": "spam", "text": "report text " * 5},
                )
                txn.insert(
                    "cases",
                    cid,
                    {
                        "status": "open" if i % 3 else "closed",
                        "report": rid,
                        "assignee": f"mod{i % 40}",
                    },
                )
                txn.insert(
                    "decisions",
                    did,
                    {
                        "case": cid,
                        "clause": f"P-{i % 30}",
                        "outcome": "remove",
                        "rationale": "because " * 8,
                    },
                )
                for kind in ("report.filed", "case.opened", "case.claimed", "decision.made"):
                    txn.event(kind, cid, {"n": i})
    ws.compact()
    for i in range(journal_tail):  # some uncompacted journal too
        with ws.transaction("bench") as txn:
            txn.update("cases", f"C-{i:06d}", {"status": "closed"})
            txn.event("case.closed", f"C-{i:06d}", {})
    ws.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--decisions", type=int, default=100_000)
    ap.add_argument("--journal", type=int, default=2000)
    args = ap.parse_args()
    path = Path(args.dir or tempfile.mkdtemp()) / "ws"
    if not Workspace.exists(path):
        t = time.perf_counter()
        build(path, args.decisions, args.journal)
        print(f"built in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    ws = Workspace.open(path)
    print(
        f"open: {time.perf_counter() - t:.3f}s  disk: {ws.disk_usage() / 1e6:.1f} MB  "
        f"decisions={ws.count('decisions')} events={ws.meta('x', 0) or len(ws.events())}"
    )
    t = time.perf_counter()
    hits = ws.db.table("cases").search(Query().assignee == "mod7")
    print(f"query: {len(hits)} hits in {time.perf_counter() - t:.3f}s")
    times = []
    for i in range(300):
        t = time.perf_counter()
        with ws.transaction("bench") as txn:
            key = f"C-{i:06d}"
            cur = txn.get("cases", key)
            assert cur is not None
            txn.update("cases", key, {"assignee": "mod1"}, expected_version=cur["version"])
            txn.event("case.claimed", key, {"by": "mod1"})
        times.append(time.perf_counter() - t)
    q = statistics.quantiles(times, n=100)
    print(
        f"write txn: p50 {q[49] * 1e3:.2f} ms  p95 {q[94] * 1e3:.2f} ms  max {max(times) * 1e3:.2f} ms"
    )
    t = time.perf_counter()
    result = ws.verify()
    print(
        f"verify: ok={result.ok} {result.events_checked} events in {time.perf_counter() - t:.2f}s"
    )
    ws.close()


if __name__ == "__main__":
    main()
