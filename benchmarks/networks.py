"""Account-network timings on a built workspace, in their own fresh process
(`python -m benchmarks.networks`), so the main measuring process's peak RSS stays
what it was.

- links for one case (`services.networks.links_for_case`): the first call and a few
  more from the store's indexes, the time to read the link graph (services/link_graph.py,
  `warm_links`, what the TUI does in the background) and then per call from the graph;
- all networks in a fresh process, as a lead runs it (`appeals networks --json`):
  the first one on the workspace (reads `case_links`, every case's status and action,
  and keeps the graph beside the index files: services/link_state.py), then the next
  ones (restore the kept graph, catch up from the chain); wall time, CPU and peak RSS
  of each process (benchmarks.cli's spawner);
- all networks (`services.networks.list_networks`) in this process, first and repeated;
- what writing contacts and text keys (`case_links`) adds to an import: the same
  corpus reports imported with `intake.import_reports` (the CLI's staged import) into
  scratch workspaces side by side, with and without it; once with the per-text cache
  (reports of one post repeat its text) and once with the cache off (every text new).
  Scratch workspaces live in temporary directories removed after each run.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from appeals_tui.domain import contacts
from appeals_tui.services import intake, networks, roster, staged_import
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from benchmarks.build import BENCH_NOW, LEADS, Clock, Corpus
from benchmarks.cli import _appeals, _spawn
from benchmarks.measure import peak_rss_mb, summarize

__all__ = ["measure_networks", "fresh_networks", "import_overhead"]


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fresh_networks(path: Path, runs: int = 5) -> dict[str, Any]:
    """`appeals networks --json` by a lead in fresh processes: the first (no kept graph
    yet on a newly built workspace) and `runs` more; seconds, CPU, peak RSS."""
    argv = _appeals(path, LEADS[0], "networks", "--json")
    first, _ = _spawn(argv)
    rest = [_spawn(argv)[0] for _ in range(runs)]
    return {
        "first_ms": round(first.seconds * 1000, 1),
        "first_peak_rss_mb": first.peak_rss_mb,
        **summarize([r.seconds for r in rest]),
        "cpu_median_ms": round(statistics.median(r.cpu_s for r in rest) * 1000, 1),
        "peak_rss_mb": max(r.peak_rss_mb for r in rest),
    }


def measure_networks(path: Path, samples: int, seed: int = 8) -> dict[str, Any]:
    rng = random.Random(seed)
    out: dict[str, Any] = {"networks_fresh": fresh_networks(path)}
    with Workspace.open(path) as ws:
        lead = Session.open(ws, LEADS[0], clock=Clock(BENCH_NOW))
        ids = [f"C-{i:06d}" for i in range(1, ws.count("cases") + 1)]
        t = time.perf_counter()
        networks.links_for_case(lead, rng.choice(ids))
        out["links_first_ms"] = round((time.perf_counter() - t) * 1000, 1)
        # before the link graph is read: from the store's indexes
        out["links_store"] = summarize(
            _timed(lambda: networks.links_for_case(lead, rng.choice(ids)), max(samples // 5, 3))
        )
        t = time.perf_counter()
        networks.warm_links(lead)  # what the TUI does once a case is on screen
        out["link_graph_read_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["links"] = summarize(
            _timed(lambda: networks.links_for_case(lead, rng.choice(ids)), samples)
        )
        t = time.perf_counter()
        found = networks.list_networks(lead)
        out["networks_first_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["networks"] = summarize(_timed(lambda: networks.list_networks(lead), 3))
        out["networks_found"] = len(found)
        out["largest_network_accounts"] = max((len(n.accounts) for n in found), default=0)
        out["inconsistent_networks"] = sum(n.inconsistent for n in found)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _import_once(source: Path, extract: bool, cached: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="appeals-net-") as root:
        return _import_into(Path(root) / "ws", source, extract, cached)


def _import_into(path: Path, source: Path, extract: bool, cached: bool) -> float:
    """Seconds `intake.import_reports` (what `appeals import reports` runs: the staged
    import) takes for `source` into a new workspace, with or without the case_links
    records (contacts and text keys) it writes."""
    ws = roster.init_workspace(path, "admin")
    admin = Session.open(ws, "admin", clock=Clock(BENCH_NOW))
    saved_links, saved_extract = staged_import._Importer._stage_links, contacts._extract_one
    if not extract:
        staged_import._Importer._stage_links = lambda *_a, **_k: None  # type: ignore[method-assign]  # switched off to measure
    elif not cached:
        raw = contacts._extract_one.__wrapped__
        contacts._extract_one = lambda text, region: raw(text, region)  # type: ignore[assignment]  # cache off to measure
    try:
        t = time.perf_counter()
        intake.import_reports(admin, source)
        return time.perf_counter() - t
    finally:
        staged_import._Importer._stage_links = saved_links  # type: ignore[method-assign]  # restored
        contacts._extract_one = saved_extract
        ws.close()


def import_overhead(n: int, seed: int = 8, rounds: int = 3) -> dict[str, Any]:
    """Seconds to import `n` corpus reports (one file, the CLI's path) with and without
    extraction, alternating runs in one process; best of `rounds` each."""
    corpus = Corpus.load(seed)
    with tempfile.TemporaryDirectory(prefix="appeals-net-src-") as tmp:
        source = Path(tmp) / "reports.jsonl"
        with source.open("wb") as out:
            for i in range(n):
                row = corpus.report(i, i, f"acct{i % 997:04d}", BENCH_NOW).to_dict()
                for stored_only in ("case_id", "imported_at", "source", "media"):
                    row.pop(stored_only, None)
                out.write(orjson.dumps(row) + b"\n")
        runs: dict[str, list[float]] = {"without": [], "cached": [], "uncached": []}
        for _ in range(rounds):
            contacts._extract_one.cache_clear()
            runs["without"].append(_import_once(source, extract=False, cached=True))
            contacts._extract_one.cache_clear()
            runs["cached"].append(_import_once(source, extract=True, cached=True))
            runs["uncached"].append(_import_once(source, extract=True, cached=False))
    best = {k: min(v) for k, v in runs.items()}
    return {
        "reports": n,
        "path": "intake.import_reports (staged)",
        "without_s": round(best["without"], 3),
        "with_cached_s": round(best["cached"], 3),
        "with_uncached_s": round(best["uncached"], 3),
        "added_cached_pct": round((best["cached"] / best["without"] - 1) * 100, 1),
        "added_uncached_pct": round((best["uncached"] / best["without"] - 1) * 100, 1),
    }


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    result = measure_networks(Path(args["path"]), args["samples"])
    result["import"] = import_overhead(args.get("import_reports", 3000))
    sys.stdout.write(json.dumps(result))
