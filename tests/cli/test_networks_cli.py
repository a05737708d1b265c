"""`appeals networks [--case C] [--json]` and linked precedents, through the real CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.services import intake
from appeals_tui.services.decisions import DecisionDraft, decide
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from tests.conftest import PROMO, case_for, factors, report, write_jsonl


@pytest.fixture
def run(ws_path, clock):
    ws = Workspace.open(ws_path)
    minji = Session.open(ws, "minji", clock=clock)
    rows = [
        report("N-1", "P1", account="yeoksam_toon", content_text="실화 웹툰 문의 010-4827-1936"),
        report("N-2", "P2", account="moonlight_kr", content_text="상담 ０１０．４８２７．１９３６"),
        report("N-3", "P3", account="room_toon", content_text="문의 +82 10 4827 1936"),
    ]
    intake.import_reports(minji, write_jsonl(ws_path.parent / "n.jsonl", rows))
    decide(minji, case_for(minji, "P1"), DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Webtoon carrying a phone number for booking."))  # fmt: skip
    label = factors(depicts_commercial_sex=True, narrative_framing=True)
    decide(minji, case_for(minji, "P2"), DecisionDraft("label", ["CSS-8"], label, "A narrative reel about a salon, labelled."))  # fmt: skip
    ids = {s: case_for(minji, s) for s in ("P1", "P2", "P3")}
    ws.close()
    runner = CliRunner()

    def invoke(*args: str, user: str = "seoyeon"):
        return runner.invoke(cli, ["--data-dir", str(ws_path), "--user", user, *args])

    invoke.ids = ids
    return invoke


def test_networks_json_flags_the_inconsistent_network(run):
    result = run("networks", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    (net,) = [n for n in found if "room_toon" in n["accounts"]]
    assert net["accounts"] == ["moonlight_kr", "room_toon", "yeoksam_toon"]
    assert net["inconsistent"] is True
    assert net["inconsistencies"] == [
        {
            "via": "phone +82 10-4827-1936",
            "actions": {"remove_content": [run.ids["P1"]], "label": [run.ids["P2"]]},
            "counts": {"remove_content": 1, "label": 1},
        }
    ]
    assert (net["account_count"], net["case_count"], net["open_case_count"]) == (3, 3, 1)
    assert net["members"] == {"per_list": 100, "page": 1}
    assert net["open_cases"] == [run.ids["P3"]]
    assert net["decisions_by_action"] == {"label": 1, "remove_content": 1}


def test_networks_json_lists_members_by_page_with_whole_counts(run):
    """A network can hold most of a workspace: --members N lists N of each list, the
    counts stay whole, --members-page walks the lists, --all-members lists everything."""
    first = json.loads(run("networks", "--json", "--members", "2").output)
    (net,) = [n for n in first if n["account_count"] == 3]
    assert net["accounts"] == ["moonlight_kr", "room_toon"] and net["case_count"] == 3
    assert len(net["cases"]) == 2 and net["members"] == {"per_list": 2, "page": 1}
    second = json.loads(run("networks", "--json", "--members", "2", "--members-page", "2").output)
    (net2,) = [n for n in second if n["account_count"] == 3]
    assert net2["accounts"] == ["yeoksam_toon"] and net2["open_cases"] == []
    every = json.loads(run("networks", "--json", "--all-members").output)
    (whole,) = [n for n in every if n["account_count"] == 3]
    assert whole["members"] is None and len(whole["accounts"]) == 3
    human = run("networks", "--members", "1").output
    assert "moonlight_kr … (+2 more)" in human
    bad = run("networks", "--members", "-1")
    assert bad.exit_code == 2 and "--members" in bad.output


def test_networks_human_output(run):
    result = run("networks")
    assert result.exit_code == 0, result.output
    assert "INCONSISTENT" in result.output
    assert f"remove_content: {run.ids['P1']}; label: {run.ids['P2']}" in result.output


def test_networks_refused_to_moderators_and_unknown_case(run):
    denied = run("networks", user="minji")
    assert denied.exit_code == 3 and "only leads may see account networks" in denied.output
    missing = run("networks", "--case", "C-999999", user="minji")
    assert missing.exit_code == 1 and "not found" in missing.output


def test_case_links_and_linked_precedents(run):
    result = run("networks", "--case", run.ids["P3"], "--json", user="minji")
    assert result.exit_code == 0, result.output
    links = json.loads(result.output)
    assert links["contacts"] == ["phone:+821048271936"]
    assert {x["account"]: x["action"] for x in links["linked"]} == {
        "yeoksam_toon": "remove_content",
        "moonlight_kr": "label",
    }
    args = [f"--factor={f}={'yes' if v else 'no'}" for f, v in PROMO.items()]
    ranked = json.loads(run("precedents", run.ids["P3"], *args, "--json", user="minji").output)
    assert {r["decision"]["case_id"] for r in ranked if r["linked"]} == {
        run.ids["P1"],
        run.ids["P2"],
    }
    human = run("precedents", run.ids["P3"], *args, user="minji").output
    assert "linked remove_content" in human


def test_demo_networks_include_matching_images(tmp_path):
    """#15: `appeals networks` lists the accounts the demo's matching images link."""
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "demo")]
    assert runner.invoke(cli, [*base, "demo", "--no-open"]).exit_code == 0
    result = runner.invoke(cli, [*base, "--user", "seoyeon", "networks", "--json"])
    assert result.exit_code == 0, result.output
    found = [
        n
        for n in json.loads(result.output)
        if any(v.startswith("matching image") for v in n["links"])
    ]
    assert len(found) == 1 and len(found[0]["accounts"]) >= 3
    human = runner.invoke(cli, [*base, "--user", "seoyeon", "networks"])
    assert "matching image: " in human.output
    # one of those cases' own links name the matching image too
    case = found[0]["cases"][0]
    one = runner.invoke(cli, [*base, "--user", "minji", "networks", "--case", case, "--json"])
    assert one.exit_code == 0, one.output
    linked = json.loads(one.output)["linked"]
    assert any(v.startswith("matching image (PDQ distance ") for x in linked for v in x["via"])
    text = runner.invoke(cli, [*base, "--user", "minji", "networks", "--case", case]).output
    assert "matching image (PDQ distance " in text
