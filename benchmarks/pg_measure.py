"""Timed operations on a PostgreSQL database, in a fresh process (`python -m benchmarks.pg_measure`).

Why a separate module from `measure`: on PostgreSQL each roster user is a database
role, so the moderator and the lead measure through their own connections (as
they would), and every figure is what a client process pays: the server's work
is on the other side of the socket. Every measured call goes through the real
services on `PostgresStore`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from appeals_tui.domain.models import FACTORS
from appeals_tui.services import cases, decisions, history, intake, precedents
from appeals_tui.services.session import Session
from appeals_tui.services.stats import consistency_stats
from appeals_tui.store.factory import open_store
from appeals_tui.store.protocol import Filter, Op, Page
from benchmarks.build import BENCH_NOW, LEADS, MODERATORS, Clock, Corpus
from benchmarks.cli import _spawn
from benchmarks.measure import peak_rss_mb, summarize

__all__ = ["as_role", "measure_pg", "cli_timings"]

_ROOT = Path(__file__).resolve().parent.parent


def as_role(url: str, role: str) -> str:
    """The same database URL, logging in as `role`."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "user"] + [("user", role)]
    netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
    return f"{parts.scheme}://{netloc}{parts.path}?{urlencode(query, safe='/')}"


def _timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def measure_pg(url: str, samples: int, seed: int = 8, import_reports: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    clock = Clock(BENCH_NOW)
    out: dict[str, Any] = {}
    me = MODERATORS[0]
    t = time.perf_counter()
    store = open_store(as_role(url, me))
    session = Session.open(store, None, clock=clock)
    page = cases.list_cases(session, limit=50)
    out["open"] = {"first_page_ms": round((time.perf_counter() - t) * 1000, 1)}
    assert page.items
    open_ids = [
        c["case_id"]
        for c in store.query(
            "cases", [Filter("status", Op.EQ, "open")], page=Page(limit=samples)
        ).rows
    ]
    decided = [d["case_id"] for d in store.query("decisions", page=Page(limit=2000)).rows]
    corpus = Corpus.load(seed)

    def decide_one(case_id: str) -> float:
        case = store.get("cases", case_id)
        draft, _ = corpus.draft(session, (case or {}).get("jurisdiction") or "")
        draft.divergence_reason = "Benchmark: departs on purpose to test the reason path."
        t = time.perf_counter()
        decisions.decide(session, case_id, draft)
        return time.perf_counter() - t

    out["decide"] = summarize([decide_one(c) for c in open_ids])
    clauses = ["CSS-1", "CSS-2", "KR-1", "CSS-4", "CSS-0"]

    def hist() -> None:
        flt = history.HistoryFilter(moderator=rng.choice(MODERATORS), clause=rng.choice(clauses))
        history.history(session, flt, limit=50)

    out["history"] = summarize(_timed(hist, samples))
    out["precedents"] = summarize(
        _timed(lambda: precedents.precedents_for_case(session, rng.choice(decided)), samples)
    )
    out["list_cases_page"] = summarize(
        _timed(lambda: cases.list_cases(session, offset=rng.randrange(0, 500), limit=50), 20)
    )
    lead_store = open_store(as_role(url, LEADS[0]))
    lead = Session.open(lead_store, None, clock=clock, library=session.library)
    # grouped on the server (services/stats.py): three runs, like the embedded store's
    out["stats"] = summarize(_timed(lambda: consistency_stats(lead), 3))
    lead_store.close()
    if import_reports:
        out["import"] = _import_rate(session, corpus, import_reports)
    store.close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _import_rate(session: Session, corpus: Corpus, n: int) -> dict[str, Any]:
    """`appeals import reports` of n new reports (all-or-nothing, one transaction)."""
    import tempfile

    from benchmarks.build import BENCH_NOW as now

    # new report ids and subjects on every run (a reused database keeps the last run's)
    base = 9_000_000 + session.ws.count("reports")
    rows = []
    for i in range(n):
        r = corpus.report(base + i, base + i // 2, f"imp{base}x{i // 7:06d}", now)
        rows.append(json.dumps({k: v for k, v in r.to_dict().items() if v not in (None, "")}))
    with tempfile.TemporaryDirectory(prefix="appeals-import-") as folder:
        path = Path(folder) / "reports.jsonl"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        t = time.perf_counter()
        result = intake.import_reports(session, path)
        elapsed = time.perf_counter() - t
    return {
        "reports": n,
        "imported": result.imported,
        "seconds": round(elapsed, 2),
        "reports_per_s": round(n / elapsed),
    }


def cli_timings(url: str, case_id: str, runs: int = 3) -> dict[str, Any]:
    """Wall time of whole CLI processes (interpreter start to exit) and their peak RSS."""
    main = "from appeals_tui.cli import main; main()"
    base = [sys.executable, "-c", main, "--database", as_role(url, MODERATORS[1])]
    commands = {
        "cases show --json": ["cases", "show", case_id, "--json"],
        "history --json | head -1": ["history", "--json"],
        "claim": ["claim", case_id],
        "decide": [
            "decide",
            case_id,
            "--action",
            "label",
            "--clause",
            "CSS-4",
            *(f"--factor={f}=no" for f in FACTORS),
            "--reasoning",
            "Benchmark decision: labelled while the profile is reviewed by a lead.",
            "--divergence-reason",
            "Benchmark: departs on purpose to test the reason path.",
        ],
    }
    out: dict[str, Any] = {}
    peak = 0.0
    for label, args in commands.items():
        times = []
        for _ in range(runs if label not in ("claim", "decide") else 1):
            sample, _ = _spawn([*base, *args], head=label.startswith("history"))
            times.append(sample.seconds)
            peak = max(peak, sample.peak_rss_mb)
        out[label] = summarize(times)
    out["peak_rss_mb"] = peak  # each command's own (benchmarks.rss), the largest
    return out


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    if args.get("cli_case"):
        result = cli_timings(args["url"], args["cli_case"])
    else:
        result = measure_pg(args["url"], args["samples"], import_reports=args.get("import", 0))
    sys.stdout.write(json.dumps(result))
