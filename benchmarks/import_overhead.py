"""What extracting and storing contacts and text keys (`cases.contacts`, `cases.text_key`)
adds to an import.

The same report file is imported with `intake.import_reports` (what `appeals import
reports` runs: the staged import) with and without `_Importer._warm_links` (a batch's
texts extracted before its cases are staged) and `_Importer._stage_links`, each
run in its own fresh process, the two alternating (which goes first alternates per
round) so machine load hits both alike. Two corpora:

- ``bench``: the bench corpus (the demo's 35 texts, one case per report): the
  per-text cache answers nearly every report; also run with the cache off;
- ``distinct``: `benchmarks.texts.DistinctCorpus`, ~93% distinct texts (templated
  stories with changing names, numbers, handles, links; reposts), deterministic by
  seed: extraction runs on new text as in production.

Into new workspaces, or into a copy of a built workspace (`into`; the copy is made
before the clock starts and removed after). The figure is the median of the pair
ratios (with / without of the same round), in wall time and in the process's CPU
time (less sensitive to a busy machine); best-of and medians are reported too, with
the load average before and after.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.build import BENCH_NOW, Corpus
from benchmarks.texts import DistinctCorpus

__all__ = ["import_overhead", "write_corpus"]

#: how the child process runs the import: without contacts and text keys, with, with the
#: cache off
MODES = ("without", "with", "uncached")


def write_corpus(path: Path, n: int, corpus: str, seed: int = 8, per_case: bool = False) -> int:
    """Write `n` reports of `corpus` to `path`, one case each or, with `per_case`, 1-3
    reports on each post as the bench workspace has them (benchmarks/build.py: mean
    1.4; they repeat the post's text); returns how many distinct (content, media
    description) texts they hold."""
    source: Corpus | DistinctCorpus = (
        DistinctCorpus(seed) if corpus == "distinct" else Corpus.load(seed)
    )
    group = random.Random(seed + 1)
    texts: set[tuple[str | None, str | None]] = set()
    case_no, left = -1, 0
    with path.open("wb") as out:
        for i in range(n):
            same = left > 0
            if not same:
                case_no += 1
                left = 1 + (group.random() < 0.3) + (group.random() < 0.1) if per_case else 1
            left -= 1
            account = f"acct{case_no % 997:04d}"
            if isinstance(source, DistinctCorpus):
                report = source.report(i, case_no, account, BENCH_NOW, same_post=same)
            else:
                report = source.report(i, case_no, account, BENCH_NOW)
            row = report.to_dict()
            for stored_only in ("case_id", "imported_at", "source", "media"):
                row.pop(stored_only, None)
            texts.add((row.get("content_text"), row.get("media_description")))
            out.write(orjson.dumps(row) + b"\n")
    return len(texts)


def _child(args: dict[str, Any]) -> tuple[float, float, int]:
    """In a fresh process: seconds (wall, CPU) `intake.import_reports` takes in `mode`."""
    from appeals_tui.domain import contacts
    from appeals_tui.services import intake, link_helper, roster, staged_import
    from appeals_tui.services.session import Session
    from appeals_tui.store import Workspace
    from benchmarks.build import Clock

    path, mode = Path(args["path"]), args["mode"]
    if args.get("fresh"):
        ws = roster.init_workspace(path, "admin")
        user = "admin"
    else:
        ws = Workspace.open(path)
        user = args["user"]
    session = Session.open(ws, user, clock=Clock(BENCH_NOW))
    off = lambda *_a, **_k: None  # noqa: E731
    importer = staged_import._Importer
    if mode in ("without", "uncached"):  # no helper process, also none started early
        os.environ[link_helper.ENV] = "0"
    if mode == "without":  # no extraction (helper process or inline), no records
        importer._start_helper = off  # type: ignore[method-assign]  # switched off to measure
        importer._warm_links = off  # type: ignore[method-assign]  # switched off to measure
        importer._stage_links = off  # type: ignore[method-assign]  # switched off to measure
    elif mode == "uncached":  # inline, no per-text cache: nothing to warm, all extracted
        importer._start_helper = off  # type: ignore[method-assign]  # switched off to measure
        importer._warm_links = off  # type: ignore[method-assign]  # switched off to measure
        raw = contacts._extract_one.__wrapped__
        contacts._extract_one = lambda text, region: raw(text, region)  # type: ignore[assignment]  # cache off to measure
    try:
        started: list[bool] = []
        start = link_helper.LinkHelper.start.__func__  # type: ignore[attr-defined]

        def noted(cls: Any, reports: int, min_length: int, on_host: bool) -> Any:
            helper = start(cls, reports, min_length, on_host)
            started.append(helper is not None)
            return helper

        link_helper.LinkHelper.start = classmethod(noted)  # type: ignore[method-assign,assignment]  # to tell whether it ran
        t, cpu, helpers = time.perf_counter(), time.process_time(), _children_cpu()
        intake.import_reports(session, Path(args["source"]))
        # the CPU of the extraction helper process (services/link_helper.py; waited
        # for by the import) counts: the figure is all the CPU the import cost
        wall = time.perf_counter() - t
        return wall, time.process_time() - cpu + _children_cpu() - helpers, int(any(started))
    finally:
        ws.close()


def _children_cpu() -> float:
    """CPU seconds of this process's finished, waited-for children."""
    times = os.times()
    return times.children_user + times.children_system


def _run(source: Path, mode: str, into: Path | None, user: str) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="appeals-imp-") as root:
        path = Path(root) / "ws"
        if into is not None:
            shutil.copytree(into, path)
        args = {
            "path": str(path),
            "source": str(source),
            "mode": mode,
            "fresh": into is None,
            "user": user,
        }
        argv = [sys.executable, "-m", "benchmarks.import_overhead", json.dumps(args)]
        proc = subprocess.run(argv, capture_output=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"import run failed:\n{proc.stderr.decode()[-2000:]}")
        wall, cpu, helper = proc.stdout.decode().strip().splitlines()[-1].split()
        return float(wall), float(cpu), int(helper)


def _pct(ratio: float) -> float:
    return round((ratio - 1) * 100, 1)


def import_overhead(
    n: int,
    seed: int = 8,
    rounds: int = 3,
    corpus: str = "bench",
    into: Path | None = None,
    user: str = "mod01",
    uncached: bool | None = None,
    per_case: bool = False,
) -> dict[str, Any]:
    """Import `n` reports of `corpus` `rounds` times with and without contacts and keys,
    alternating, each in a fresh process (see the module docstring)."""
    if uncached is None:
        uncached = corpus == "bench"
    modes = ["without", "with", *(["uncached"] if uncached else [])]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="appeals-imp-src-") as tmp:
        source = Path(tmp) / "reports.jsonl"
        distinct = write_corpus(source, n, corpus, seed, per_case)
        runs: dict[str, list[float]] = {m: [] for m in modes}
        cpus: dict[str, list[float]] = {m: [] for m in modes}
        helped = dict.fromkeys(modes, 0)  # runs whose import had a helper process
        for r in range(rounds):
            for mode in modes if r % 2 == 0 else modes[::-1]:
                wall, cpu, helper = _run(source, mode, into, user)
                helped[mode] += helper
                runs[mode].append(wall)
                cpus[mode].append(cpu)
    out: dict[str, Any] = {
        "reports": n,
        "corpus": corpus,
        "distinct_texts": distinct,
        "reports_per_case": "1-3 (mean 1.4)" if per_case else "1",
        "into": str(into) if into else "new workspace",
        "path": "intake.import_reports (staged), fresh process per run",
        "rounds": rounds,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "runs_s": {m: [round(x, 3) for x in v] for m, v in runs.items()},
        "cpu_s": {m: [round(x, 3) for x in v] for m, v in cpus.items()},
        # the "with" runs whose import extracted in a helper process (services/
        # link_helper.py: 4,000+ reports and a free core); the others extracted inline
        "helper_runs": helped["with"],
    }
    for mode in modes:
        out[f"{mode}_s"] = round(statistics.median(runs[mode]), 3)
        if mode == "without":
            continue
        ratios = [w / wo for w, wo in zip(runs[mode], runs["without"], strict=True)]
        out[f"added_{mode}_pct"] = _pct(statistics.median(ratios))
        out[f"added_{mode}_best_pct"] = _pct(min(runs[mode]) / min(runs["without"]))
        out[f"pair_{mode}_pct"] = [_pct(x) for x in ratios]
        cpu = [w / wo for w, wo in zip(cpus[mode], cpus["without"], strict=True)]
        out[f"added_{mode}_cpu_pct"] = _pct(statistics.median(cpu))
    return out


if __name__ == "__main__":
    wall, cpu, helper = _child(json.loads(sys.argv[1]))
    sys.stdout.write(f"{wall:.6f} {cpu:.6f} {helper}\n")
