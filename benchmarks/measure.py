"""Timed operations on a built workspace, run in a fresh process (`python -m benchmarks.measure`).

Why a fresh process: "open a workspace" and peak memory mean what a moderator's
process pays, not what the builder left behind. Every measured call goes through
the real services.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appeals_tui.services import cases, decisions, history, precedents
from appeals_tui.services.session import Session
from appeals_tui.services.stats import consistency_stats
from appeals_tui.store import Workspace
from benchmarks.build import BENCH_NOW, LEADS, MODERATORS, Clock, Corpus

__all__ = ["summarize", "measure", "peak_rss_mb"]


def summarize(samples: list[float]) -> dict[str, float]:
    """Median and p95 in milliseconds (nearest-rank p95)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "samples": len(ordered),
    }


def peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM: unlike ru_maxrss, not inherited from a parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak() -> bool:
    """Start a new RSS high-water mark for this process (Linux: clear_refs 5), so each
    operation's own peak can be read; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _picks(ws: Workspace, samples: int) -> tuple[list[str], list[str]]:
    """Open cases to decide and decided cases to ask about, read as a stream (not
    kept: the harness must not hold the cases table the services would not)."""
    open_ids: list[str] = []
    decided: list[str] = []
    for c in ws.iterate("cases"):
        if c.get("decision_id"):
            decided.append(c["case_id"])
        elif c["status"] == "open" and len(open_ids) < samples:
            open_ids.append(c["case_id"])
    return open_ids, decided


def _mark(row: dict[str, Any], peaks: dict[str, float], per_op: bool) -> None:
    """The operation's own peak RSS (from just before it started), then a new mark."""
    if per_op:
        row["peak_rss_mb"] = peaks[str(len(peaks))] = peak_rss_mb()
        reset_peak()


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _open(path: Path, clock: Clock) -> tuple[Workspace, Session, float]:
    t = time.perf_counter()
    ws = Workspace.open(path)
    session = Session.open(ws, "mod01", clock=clock)
    page = cases.list_cases(session, limit=50)
    elapsed = time.perf_counter() - t
    assert page.items
    return ws, session, elapsed


def _stats(session: Session) -> Any:
    """The lead dashboard's numbers: services.stats over every decision and appeal."""
    lead = Session.open(session.ws, LEADS[0], clock=session.clock, library=session.library)
    return consistency_stats(lead)


def stats_source() -> str:
    return "services.stats.consistency_stats"


def measure(path: Path, samples: int, ops: list[str], seed: int = 8) -> dict[str, Any]:
    rng = random.Random(seed)
    clock = Clock(BENCH_NOW)
    out: dict[str, Any] = {}
    if "open" in ops:
        times = []
        for _ in range(3):
            ws, _session, elapsed = _open(path, clock)
            times.append(elapsed)
            ws.close()
            del ws, _session
            gc.collect()
        out["open"] = summarize(times)
    ws, session, _ = _open(path, clock)
    sessions = {m: Session.open(ws, m, clock=clock, library=session.library) for m in MODERATORS}
    open_ids, decided = _picks(ws, samples)
    peaks: dict[str, float] = {}
    per_op = reset_peak()
    if "decide" in ops:
        corpus = Corpus.load(seed)

        def decide_one(case_id: str) -> float:
            case = ws.get("cases", case_id)
            draft, _ = corpus.draft(session, case.get("jurisdiction") or "")
            draft.divergence_reason = "Benchmark: departs on purpose to test the reason path."
            mod = sessions[rng.choice(MODERATORS)]
            t = time.perf_counter()
            decisions.decide(mod, case_id, draft)
            return time.perf_counter() - t

        out["decide"] = summarize([decide_one(c) for c in open_ids])
        _mark(out["decide"], peaks, per_op)
    if "history" in ops:
        clauses = ["CSS-1", "CSS-2", "KR-1", "CSS-4", "CSS-0"]

        def hist() -> None:
            flt = history.HistoryFilter(
                moderator=rng.choice(MODERATORS), clause=rng.choice(clauses)
            )
            history.history(session, flt, limit=50)

        out["history"] = summarize(_timed(hist, samples))
        _mark(out["history"], peaks, per_op)
    if "precedents" in ops:
        out["precedents"] = summarize(
            _timed(lambda: precedents.precedents_for_case(session, rng.choice(decided)), samples)
        )
        _mark(out["precedents"], peaks, per_op)
    if "stats" in ops:
        out["stats"] = summarize(_timed(lambda: _stats(session), max(3, min(samples // 20, 10))))
        out["stats"]["source"] = stats_source()
        _mark(out["stats"], peaks, per_op)
    if "list_cases" in ops:
        out["list_cases_page"] = summarize(
            _timed(lambda: cases.list_cases(session, offset=rng.randrange(0, 500), limit=50), 20)
        )
        _mark(out["list_cases_page"], peaks, per_op)
    ws.close()
    # the process's peak: the largest operation's (each measured from its own start)
    out["peak_rss_mb"] = max([peak_rss_mb(), *peaks.values()])
    return out


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    result = measure(Path(args["path"]), args["samples"], args["ops"], args.get("seed", 8))
    sys.stdout.write(json.dumps(result))
