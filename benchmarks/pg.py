"""`appeals bench --database URL`: the team budgets on PostgreSQL, beside the embedded store.

Why this shape: the records are built once with the embedded builder (the services'
own record writers) and moved into PostgreSQL with `appeals migrate` (COPY), so
both backends hold the very same workspace; then each is measured in a fresh
process through the real services. The server named by URL must let the URL's
role create databases and roles (a throwaway cluster's superuser does).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from appeals_tui.store.postgres.store import PostgresStore
from benchmarks.bench import _child, _measure_in_child, machine
from benchmarks.build import MODERATORS, build_workspace
from benchmarks.cli import save_index_files
from benchmarks.pg_build import copy_scaled
from benchmarks.pg_measure import as_role

__all__ = ["run_pg", "PG_BUDGETS", "format_pg_table"]

#: the issue's budgets at 1M decisions on PostgreSQL (ms unless noted)
PG_BUDGETS: dict[str, float] = {
    "decide_p95_ms": 20.0,
    "decide_scaling": 1.5,
    "cli_s": 0.5,
    "history_ms": 100.0,
    "precedents_ms": 50.0,
    "stats_s": 2.0,
    "peak_rss_mb": 200.0,
    "import_per_s": 10_000,
}


def _database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else "")


def _fresh_database(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _database_url(url, name)


def _decisions_in(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM decisions").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def bring_up_to_date(url: str) -> float:
    """Open a reused database as its owner, once, before measuring (seconds taken).

    Why: an owner's open adds what this build declares and an older build's database
    lacks (indexes, rollups), as a team's first command after an upgrade does; the
    measuring processes log in as moderators, who cannot, so without this the bench
    measured new code on the old indexes."""
    t = time.perf_counter()
    PostgresStore.open(url).close()
    return round(time.perf_counter() - t, 1)


def _one(
    url: str,
    decisions: int,
    samples: int,
    root: Path,
    imports: int,
    embedded: bool,
    source: Path | None = None,
) -> dict[str, Any]:
    """Build (or reuse) the database of `decisions` and measure it.

    With `source` (a kept workspace of M decisions), the database holds N/M renumbered
    copies of it, loaded with COPY (`benchmarks.pg_build`), and an existing
    `appeals_bench_N` database with that many decisions is reused; the TinyDB figures are
    then those of a copy of `source` itself. Without it, N decisions are built with the
    embedded builder and copied over once."""
    out: dict[str, Any] = {"decisions": decisions}
    name = f"appeals_bench_{decisions}"
    target = _database_url(url, name)
    if source is not None:
        per = _count_decisions(source)
        copies = max(1, round(decisions / per))
        out["built_from"] = {"workspace": str(source), "decisions": per, "copies": copies}
        path = root / "embedded"
        shutil.copytree(source, path)
        save_index_files(path)
        if _decisions_in(target) < per * copies:  # reused: earlier runs' decides add a few
            target = _fresh_database(url, name)
            t = time.perf_counter()
            counts = copy_scaled(source, target, copies)
            seconds = time.perf_counter() - t
            rows = sum(counts.values())
            out["copy_in"] = {
                "seconds": round(seconds, 1),
                "rows": rows,
                "rows_per_s": round(rows / seconds),
                "counts": counts,
            }
        else:
            out["copy_in"] = {"reused": True, "owner_open_s": bring_up_to_date(target)}
        out["decisions"] = _decisions_in(target)
    else:
        path = root / f"ws-{decisions}"
        shutil.rmtree(path, ignore_errors=True)
        t = time.perf_counter()
        build_workspace(path, decisions, max(samples + 50, decisions // 50))
        out["build_embedded_s"] = round(time.perf_counter() - t, 1)
        target = _fresh_database(url, name)
        t = time.perf_counter()
        counts = copy_scaled(path, target, 1)  # COPY; each bench user logs in as itself
        seconds = time.perf_counter() - t
        rows = sum(counts.values())
        out["copy_in"] = {
            "seconds": round(seconds, 1),
            "rows": rows,
            "rows_per_s": round(rows / seconds),
            "counts": counts,
        }
    out["postgresql"] = _child(
        "benchmarks.pg_measure", {"url": target, "samples": samples, "import": imports}
    )
    with psycopg.connect(target) as conn:
        row = conn.execute(
            "SELECT case_id FROM cases WHERE status = 'open' ORDER BY ins DESC LIMIT 1"
        ).fetchone()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        out["database_mb"] = round(size[0] / 2**20, 1) if size else 0.0
    out["cli"] = _child("benchmarks.pg_measure", {"url": target, "cli_case": row[0] if row else ""})
    # the TUI as a moderator logging in as their role (benchmarks/tui.py), a fresh process
    out["tui"] = _child(
        "benchmarks.tui", {"database": as_role(target, MODERATORS[0]), "samples": min(10, samples)}
    )
    if embedded:
        ops = ["open", "decide", "history", "precedents", "stats", "list_cases"]
        out["embedded"] = _measure_in_child(path, samples, ops)
        out["embedded_tui"] = _child(
            "benchmarks.tui",
            {"path": str(path), "user": MODERATORS[0], "samples": min(10, samples)},
        )
        out["embedded_decisions"] = _count_decisions(path)
    shutil.rmtree(path, ignore_errors=True)
    return out


def _count_decisions(path: Path) -> int:
    from appeals_tui.store.workspace import Workspace

    with Workspace.open(path) as ws:
        return ws.count("decisions")


def run_pg(
    url: str,
    decisions: int,
    *,
    samples: int | None = None,
    baseline_at: int = 10_000,
    imports: int = 100_000,
    source: Path | None = None,
) -> dict[str, Any]:
    samples = samples or max(10, min(200, decisions // 10))
    root = Path(tempfile.mkdtemp(prefix="appeals-pgbench-"))
    result: dict[str, Any] = {"machine": machine(), "budgets": PG_BUDGETS}
    result["load_avg"] = {"before": os.getloadavg()}
    started = time.perf_counter()
    try:
        result["main"] = _one(url, decisions, samples, root, imports, True, source)
        if decisions > baseline_at:
            result["baseline"] = _one(url, baseline_at, samples, root, 0, embedded=False)
            a = result["main"]["postgresql"]["decide"]["p95_ms"]
            b = result["baseline"]["postgresql"]["decide"]["p95_ms"]
            result["decide_scaling"] = round(a / b, 2) if b else None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["load_avg"]["after"] = os.getloadavg()
    return result


def format_pg_table(result: dict[str, Any]) -> str:
    main = result["main"]
    pg, emb, cli = main["postgresql"], main.get("embedded", {}), main["cli"]
    n = main["decisions"]

    def ms(d: dict[str, Any] | None, key: str = "p95_ms") -> str:
        return "—" if not d else f"{d[key]:.1f}"

    lines = [
        f"| at {n:,} decisions | PostgreSQL | TinyDB workspace "
        f"({main.get('embedded_decisions', n):,}) | budget (PostgreSQL) |",
        "|---|---|---|---|",
        f"| one decide, p95 (ms) | {ms(pg['decide'])} | {ms(emb.get('decide'))} | < 20 |",
        f"| decide p95 ÷ p95 at {result.get('baseline', {}).get('decisions', '—')} | "
        f"{result.get('decide_scaling', '—')} | | ≤ 1.5 |",
        f"| open → first queue page, services (ms) | {pg['open']['first_page_ms']} | "
        f"{ms(emb.get('open'), 'median_ms')} | |",
        f"| TUI first paint / first case (ms) | {_tui(main.get('tui'))} | "
        f"{_tui(main.get('embedded_tui'))} | ≤ 1500 / ≤ 500 |",
        f"| history, two filters, first page, p95 (ms) | {ms(pg['history'])} | "
        f"{ms(emb.get('history'))} | < 100 |",
        f"| precedents for one case, p95 (ms) | {ms(pg['precedents'])} | "
        f"{ms(emb.get('precedents'))} | < 50 |",
        f"| stats over all decisions, p95 (ms) | {ms(pg['stats'])} | {ms(emb.get('stats'))} | < 2000 |",
        f"| peak RSS of the measuring process (MB) | {pg['peak_rss_mb']} | "
        f"{emb.get('peak_rss_mb', '—')} | < 200 |",
    ]
    for label, d in cli.items():
        if isinstance(d, dict):
            cell = label.replace("|", "\\|")  # a pipe inside a Markdown cell ends it
            lines.append(
                f"| CLI `{cell}` as a fresh process, median (ms) | {d['median_ms']:.0f} | | ≤ 500 |"
            )
    lines.append(f"| CLI peak RSS (MB) | {cli['peak_rss_mb']} | | < 200 |")
    if "import" in pg:
        imp = pg["import"]
        lines.append(
            f"| import {imp['reports']:,} reports (reports/s) | {imp['reports_per_s']:,} | | ≥ 10,000 |"
        )
    copy = main["copy_in"]
    if "rows_per_s" in copy:
        lines.append(
            f"| load with COPY, rows/s | {copy['rows_per_s']:,} "
            f"({copy['rows']:,} rows in {copy['seconds']} s) | | |"
        )
    lines.append(f"| database size (MB) | {main['database_mb']} | | |")
    m = result["machine"]
    loads = result.get("load_avg", {})
    lines.append(
        f"\n{m['cpu']}, {m['cores']} cores, Python {m['python']}; load average (1/5/15 min) "
        f"before {_loads(loads.get('before', ()))}, after {_loads(loads.get('after', ()))}"
    )
    return "\n".join(lines)


def _tui(t: dict[str, Any] | None) -> str:
    return "—" if not t else f"{t['first_paint_ms']:.0f} / {t['first_case_ms']:.0f}"


def _loads(values: Any) -> str:
    return "/".join(f"{x:.1f}" for x in values) or "—"
