"""`appeals bench` at N=200: every figure is present (no timing assertions)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appeals_tui.cli import cli

OPS = ("open", "decide", "history", "precedents", "stats", "list_cases_page")


def test_bench_json_has_every_figure(tmp_path):
    result = CliRunner().invoke(
        cli, ["bench", "--decisions", "200", "--json", "--workdir", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["decisions"] == 200
    for op in OPS:
        row = data["ops"][op]
        assert row["samples"] > 0
        assert 0 <= row["median_ms"] <= row["p95_ms"]
    assert data["records"]["decisions"] >= 200
    assert data["records"]["appeals"] > 0
    assert data["peak_rss_mb"] > 0 and data["disk_mb"] > 0
    assert data["decide_at_baseline"]["p95_ms"] > 0 and data["decide_scaling"] > 0
    for key in ("cpu", "cores", "python", "platform"):
        assert data["machine"][key]
    compare = data["compare"]
    for key in ("tinydb_jsonstorage_1000", "tinydb_jsonstorage_10000", "sqlite_wal_full"):
        assert compare[key]["p95_ms"] > 0
    assert set(compare["ratios"]) == {
        "decide_p95_vs_sqlite_p95",
        "tinydb_1k_p95_vs_decide_p95",
        "tinydb_10k_p95_vs_decide_p95",
    }
    net = data["networks"]
    assert net["links"]["samples"] > 0 and net["networks"]["samples"] == 3
    fresh = net["networks_fresh"]  # `appeals networks --json` in fresh processes
    assert fresh["first_ms"] > 0 and fresh["samples"] == 5
    assert 0 < fresh["median_ms"] <= fresh["p95_ms"] and fresh["peak_rss_mb"] > 0
    assert net["import"]["without_s"] > 0 and net["import"]["with_s"] > 0
    assert net["import"]["uncached_s"] > 0
    distinct = net["import_distinct"]
    assert distinct["with_s"] > 0 and distinct["distinct_texts"] > 0.9 * distinct["reports"]
    tui = data["tui"]
    assert tui["first_paint_ms"] > 0 and tui["first_case_cpu_ms"] > 0
    for key in ("resort", "open_case", "back_to_queue"):
        assert tui[key]["n"] > 0 and 0 < tui[key]["median_ms"] <= tui[key]["p95_ms"]
    assert not (tmp_path / "b" / "ws-200").exists()


def test_bench_table_output(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "--decisions",
            "100",
            "--no-compare",
            "--no-tui",
            "--workdir",
            str(tmp_path / "b"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "decide" in result.output and "peak RSS" in result.output
    assert "all networks, fresh process" in result.output
