"""Account-network timings on a built workspace, in their own fresh process
(`python -m benchmarks.networks`), so the main measuring process's peak RSS stays
what it was.

- links for one case (`services.networks.links_for_case`): the first call and a few
  more from the store's indexes, the time to read the link graph (services/link_graph.py,
  `warm_links`, what the TUI does in the background) and then per call from the graph;
- all networks in a fresh process, as a lead runs it (`appeals networks --json`):
  the first one on the workspace (reads every case's contacts, text key, status, and
  each standing decision's action,
  and keeps the graph beside the index files: services/link_state.py), then the next
  ones (restore the kept graph, catch up from the chain); wall time, CPU and peak RSS
  of each process (benchmarks.cli's spawner);
- all networks (`services.networks.list_networks`) in this process, first and repeated;
- what extracting and storing contacts and text keys adds to an import
  (benchmarks/import_overhead.py): the bench corpus and a corpus of distinct texts
  (benchmarks/texts.py), with and without it, alternating, a fresh process per run.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from appeals_tui.services import networks
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from benchmarks.build import BENCH_NOW, LEADS, Clock
from benchmarks.cli import _appeals, _spawn
from benchmarks.import_overhead import import_overhead
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


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    result = measure_networks(Path(args["path"]), args["samples"])
    n, rounds = args.get("import_reports", 3000), args.get("import_rounds", 2)
    result["import"] = import_overhead(n, rounds=rounds, corpus="bench")
    result["import_distinct"] = import_overhead(n, rounds=rounds, corpus="distinct")
    sys.stdout.write(json.dumps(result))
