"""`appeals --database URL bench` at N=120 on the session's throwaway server: every row of
the PostgreSQL table is measured, beside the TinyDB workspace (no timing assertions)."""

from __future__ import annotations

import json
import re

import psycopg
from click.testing import CliRunner

from appeals_tui.cli import cli


def test_pg_bench_measures_every_row_beside_the_embedded_store(pg_cluster, tmp_path):
    url = pg_cluster.url()
    args = [
        "--database",
        url,
        "bench",
        "--decisions",
        "120",
        "--samples",
        "5",
        "--imports",
        "60",
        "--json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    main = data["main"]
    pg = main["postgresql"]
    for op in ("decide", "history", "precedents", "stats", "list_cases_page"):
        assert 0 < pg[op]["median_ms"] <= pg[op]["p95_ms"], op
    assert pg["import"]["imported"] == pg["import"]["reports"] > 0
    for label in ("cases show --json", "history --json | head -1", "claim", "decide"):
        assert main["cli"][label]["median_ms"] > 0, label
    for where in ("tui", "embedded_tui"):  # the TUI on PostgreSQL, and on the workspace
        assert main[where]["first_paint_ms"] > 0 and main[where]["first_case_ms"] > 0, where
    for op in ("decide", "stats"):
        assert main["embedded"][op]["p95_ms"] > 0
    from benchmarks.pg import format_pg_table

    rows = [r for r in format_pg_table(data).splitlines() if r.startswith("|")]
    for row in rows:  # four cells each: a pipe in a label (`| head -1`) is escaped
        assert len(re.split(r"(?<!\\)\|", row)) == 6, row


def test_the_import_bench_reports_client_and_server_cpu(pg_cluster, tmp_path):
    """`benchmarks.pg_import` on a bench database (built as `appeals bench` builds it): the
    import runs through the services, and the client's and the server's CPU per report
    are both measured."""
    from benchmarks.build import build_workspace
    from benchmarks.pg import _fresh_database
    from benchmarks.pg_build import copy_scaled
    from benchmarks.pg_import import measure_import

    build_workspace(tmp_path / "ws", 60, 10)
    url = _fresh_database(pg_cluster.url(), "appeals_import_bench")
    copy_scaled(tmp_path / "ws", url, 1)
    got = measure_import(url, 40, str(pg_cluster.root / "data"))
    assert got["imported"] == 40 and got["cases_created"] == 20
    assert got["client_cpu_us_per_report"] > 0
    # measured (the cluster's /proc is readable); 40 reports may take under one clock tick
    assert got["server_cpu_us_per_report"] >= 0
    assert got["wal_bytes_per_report"] > 0  # each report's row at least


def test_a_reused_bench_database_is_brought_up_to_date_before_measuring(pg_cluster, tmp_path):
    """A database an older build made lacks this build's indexes; the bench reuses it, so
    it must open it as the owner first (the measuring roles cannot add them)."""
    from benchmarks.build import build_workspace
    from benchmarks.pg import _fresh_database, bring_up_to_date
    from benchmarks.pg_build import copy_scaled

    build_workspace(tmp_path / "ws", 30, 5)
    url = _fresh_database(pg_cluster.url(), "appeals_reuse_bench")
    copy_scaled(tmp_path / "ws", url, 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP INDEX case_links_text_first")
    bring_up_to_date(url)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass('case_links_text_first')").fetchone()
    assert row is not None and row[0] is not None
