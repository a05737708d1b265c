"""`appeals policy impact DRAFT [--json]` on the demo workspace."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.paths import data_dir
from appeals_tui.services import demo

DRAFT = str(data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "ws"
    demo.build_demo(path)
    runner = CliRunner()

    def invoke(*args: str, user: str = "seoyeon"):
        return runner.invoke(cli, ["--data-dir", str(path), "--user", user, *args])

    return invoke


def test_impact_json_and_human(run):
    result = run("policy", "impact", DRAFT, "--json")
    assert result.exit_code == 0, result.output
    impact = json.loads(result.output)
    assert impact["affected"] == 2 and impact["standing"] == 24
    assert {(g["old_action"], g["new_action"]) for g in impact["groups"]} == {
        ("label", "remove_content"),
        ("restrict_reach", "remove_content"),
    }
    human = run("policy", "impact", DRAFT)
    assert "2 of 24 standing decisions would get different guidance" in human.output
    assert "restrict_reach -> remove_content (CSS-4): 1" in human.output


def test_impact_refused_and_bad_draft(run, tmp_path):
    assert run("policy", "impact", DRAFT, user="minji").exit_code == 3
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("policy", "impact", str(bad))
    assert result.exit_code == 1 and "bad.json: cannot read" in result.output
