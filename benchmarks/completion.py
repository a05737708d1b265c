"""Shell completion speed in fresh processes, as the shell runs it.

Measured side by side: completing a command name (the floor: Python, click and the CLI
loading) and completing a case id at this workspace's size. Wall and CPU times per run;
the CPU time shows the cost on a busy machine where wall time mostly waits for a core.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["measure_completion"]

_ROOT = Path(__file__).resolve().parent.parent


def _one(words: str, cword: int, path: Path) -> tuple[float, float, int]:
    env = dict(os.environ)
    env.update(
        COMP_WORDS=words,
        COMP_CWORD=str(cword),
        _APPEALS_COMPLETE="bash_complete",
        APPEALS_DATA_DIR=str(path),
        PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")])),
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "appeals_tui"], env=env, capture_output=True, check=True
    ).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000, out.count(b"\n")


def _summary(runs: list[tuple[float, float, int]]) -> dict[str, Any]:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return {
        "n": len(runs),
        "wall_median_ms": round(statistics.median(walls), 1),
        "wall_min_ms": round(min(walls), 1),
        "cpu_median_ms": round(statistics.median(cpus), 1),
        "candidates": runs[-1][2],
    }


def measure_completion(path: Path, samples: int = 10) -> dict[str, Any]:
    """Alternating runs of `appeals ex<TAB>` and `appeals claim C-0<TAB>` against `path`."""
    commands, ids = [], []
    for _ in range(samples):
        commands.append(_one("appeals ex", 1, path))
        ids.append(_one("appeals claim C-0", 2, path))
    out = {"commands": _summary(commands), "case_ids": _summary(ids)}
    base = out["commands"]["wall_median_ms"]
    out["case_ids_vs_commands"] = (
        round(out["case_ids"]["wall_median_ms"] / base, 2) if base else None
    )
    return out
