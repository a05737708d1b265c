"""`appeals stats` and `appeals qa …`: JSON output and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.store import Workspace
from tests.leads_data import seed_known


@pytest.fixture
def run(ws_path):
    ws = Workspace.open(ws_path)
    seed_known(ws)
    ws.close()
    runner = CliRunner()

    def invoke(*args: str, user: str = "seoyeon"):
        return runner.invoke(cli, ["--data-dir", str(ws_path), "--user", user, *args])

    return invoke


def test_stats_json(run):
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["decisions"] == 5 and stats["overturn_rate"] == 0.6667
    assert stats["appeal_decisions"] == 2
    minji = next(r for r in stats["per_moderator"] if r["key"] == "minji")
    assert minji["overturn_rate"] == 0.5 and minji["appeals_resolved"] == 2
    assert len(stats["inconsistent_profiles"]) == 1
    assert [w["week"] for w in stats["per_week"]] == ["2026-W45", "2026-W46", "2026-W47"]


def test_stats_human_and_since(run):
    result = run("stats", "--since", "2026-11-10")
    assert result.exit_code == 0, result.output
    assert "decisions 3 (+2 by appeal outcomes" in result.output
    assert "per moderator" in result.output
    assert "D3" in result.output  # listed in the inconsistent profile


def test_stats_denied_to_moderators(run):
    result = run("stats", "--json", user="minji")
    assert result.exit_code == 3 and "only lead" in result.output


def test_qa_draw_review_report(run):
    drawn = run("qa", "draw", "--size", "3", "--seed", "4", "--reviewer", "daniel", "--json")
    assert drawn.exit_code == 0, drawn.output
    batch = json.loads(drawn.output)
    bid = batch["batch_id"]
    items = json.loads(run("qa", "items", bid, "--json", user="daniel").output)
    assert len(items) == 3 and all("action" not in row for row in items)
    for item in batch["items"]:
        result = run(
            "qa", "review", bid, item["decision_id"], "--action", "restrict_reach",
            "--clause", "CSS-4", "--reasoning", "Glamorizing narrative, no contact shown.",
            user="daniel",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    again = run(
        "qa", "review", bid, batch["items"][0]["decision_id"], "--action", "label",
        "--clause", "CSS-4", "--reasoning", "Second try at the same item.", user="daniel",
    )  # fmt: skip
    assert again.exit_code == 4
    report = json.loads(run("qa", "report", bid, "--json").output)
    assert report["reviewed"] == 3 and report["overall"]["n"] == 3
    # D2 and D7 are restrict_reach, D5 no_action: 2 of 3 agree
    assert report["overall"]["observed"] == 0.6667
    human = run("qa", "report")
    assert human.exit_code == 0 and "kappa" in human.output
    assert run("qa", "list").exit_code == 0


def test_qa_usage_and_permission_errors(run):
    assert run("qa", "draw", "--size", "2", "--reviewer", "daniel", user="minji").exit_code == 3
    assert run("qa", "draw", "--size", "2").exit_code == 2  # --reviewer missing
    assert run("qa", "report", "QA-999999").exit_code == 1
