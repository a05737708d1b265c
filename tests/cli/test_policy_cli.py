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


@pytest.fixture
def fresh(tmp_path):
    path = tmp_path / "ws"
    demo.build_demo(path)
    runner = CliRunner()

    def invoke(*args: str, user: str = "seoyeon"):
        return runner.invoke(cli, ["--data-dir", str(path), "--user", user, *args])

    return invoke


WHY = ["--reason", "From December, glamorizing narratives are removed, not only demoted."]


def test_publish_refused_for_moderators_and_invalid_drafts_naming_every_problem(fresh, tmp_path):
    head = fresh("verify", "--head").output
    result = fresh("policy", "publish", DRAFT, *WHY, user="minji")
    assert result.exit_code == 3 and "only leads may publish" in result.output
    draft = json.loads(open(DRAFT, encoding="utf-8").read())
    draft["clauses"][0]["actions_allowed"] = ["label"]
    draft["rules"][0]["action"] = "dance"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    result = fresh("policy", "publish", str(bad), *WHY)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "makes an invalid library (3 problems)" in result.output
    assert "bad.json -> clauses.json: clauses[11] (CSS-4 v3)" in result.output
    assert "bad.json -> rubric.json: rules[0] (R1): unknown action 'dance'" in result.output
    assert "rules[5] (R6): action 'remove_content' is not allowed by clause CSS-4" in result.output
    assert fresh("verify", "--head").output == head
    assert "2026.06-1 (shipped; nothing published yet)" in fresh("policy", "versions").output


def test_publish_then_work_the_rereview_queue(fresh):
    result = fresh("policy", "publish", DRAFT, *WHY)
    assert result.exit_code == 0, result.output
    assert "published policy library 2026.12-draft (was 2026.06-1" in result.output
    assert "2 standing decision(s) to re-review" in result.output
    listed = fresh("rereview", "list")
    assert "re-review for policy library 2026.12-draft: 0 of 2 done" in listed.output
    queue = json.loads(fresh("rereview", "list", "--json").output)
    label = next(i for i in queue["items"] if i["action"] == "label")["decision_id"]
    restrict = next(i for i in queue["items"] if i["action"] == "restrict_reach")["decision_id"]
    assert fresh("rereview", "list", user="minji").exit_code == 3
    confirmed = fresh(
        "rereview", "confirm", label, "--reason", "It shows leaving the work; the label stays."
    )
    assert confirmed.exit_code == 0 and "confirmed under policy 2026.12-draft" in confirmed.output
    bad = fresh(
        "rereview", "supersede", restrict, "--action", "remove_content", "--clause", "CSS-99",
        "--reasoning", "Removed under the new version of the clause.",
    )  # fmt: skip
    assert bad.exit_code == 1 and "CSS-99" in bad.output and "Traceback" not in bad.output
    done = fresh(
        "rereview", "supersede", restrict, "--action", "remove_content", "--clause", "CSS-4",
        "--reasoning", "Removed under CSS-4 v3: the story glamorizes the money.",
        "--divergence-reason", "Its labelled twin was confirmed for showing an exit instead.",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "1 of 2 done" not in fresh("rereview", "list").output
    assert "2 of 2 done" in fresh("rereview", "list").output
    assert (
        fresh("rereview", "confirm", restrict, "--reason", "Too late for that now.").exit_code == 1
    )
    assert fresh("verify").exit_code == 0
    shown = fresh("policy", "versions").output
    assert "* 2026.12-draft" in shown and "shipped" in shown
