"""`appeals bench --media`: every media figure is present (no timing assertions)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appeals_tui.cli import cli


def test_bench_media_json_has_every_figure():
    result = CliRunner().invoke(cli, ["bench", "--media", "--samples", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("hash_480px", "hash_2000px", "lookup", "preview_2000px", "render_2000px"):
        assert 0 < data[key]["median_ms"] <= data[key]["p95_ms"], key
    assert data["hash_480px"]["images_per_s"] > 0
    assert data["lookup"]["hashes"] == 100_000 and data["lookup"]["hits"] == 1
    assert data["preview_2000px"]["bytes"] < data["preview_2000px"]["original_bytes"]
