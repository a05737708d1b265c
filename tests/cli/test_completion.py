"""Shell completion through click's own machinery: commands, options, enum values, clause
ids, and case/decision/appeal ids read from the workspace's files without opening it."""

from __future__ import annotations

import pytest
from click.shell_completion import ShellComplete

from appeals_tui.cli import cli
from appeals_tui.services import appeals, decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.store.peek import id_counters
from tests.conftest import GLAMOUR, case_for


def complete(args: list[str], incomplete: str) -> list[str]:
    comp = ShellComplete(cli, {}, "appeals", "_APPEALS_COMPLETE")
    return [item.value for item in comp.get_completions(args, incomplete)]


@pytest.fixture
def ws(sessions, ws_path):
    """Six cases, two decisions, one appeal; the journal not yet compacted."""
    minji, daniel = sessions("minji"), sessions("daniel")
    why = "Glamorizing comic about a salon; no contact details, no price."
    first = decisions.decide(
        minji,
        case_for(minji, "S1"),
        DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), why),
    )
    decisions.decide(
        minji, case_for(minji, "S2"), DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), why)
    )
    appeals.file_appeal(daniel, first.decision_id, "It is fiction.")
    return ws_path


def test_commands_and_options():
    assert {"import", "export", "decide", "verify", "demo"} <= set(complete([], ""))
    assert complete([], "exp") == ["export"]
    assert "--skip-invalid" in complete(["export", "decisions"], "--")
    assert {"--action", "--clause", "--factor", "--reasoning"} <= set(
        complete(["decide", "C-1"], "--")
    )


@pytest.mark.parametrize(
    ("args", "incomplete", "expected"),
    [
        (["export", "decisions", "--format"], "", ["csv", "jsonl", "sor", "sor-api"]),
        (["decide", "C-1", "--action"], "re", ["restrict_reach", "remove_content"]),
        (["history", "--action"], "geo", ["geo_block"]),
        (["appeal", "resolve", "A-1", "--outcome"], "", ["upheld", "overturned", "modified"]),
        (["cases", "list", "--status"], "in", ["in_review"]),
        (["decide", "C-1", "--factor"], "minors", ["minors_indicated=yes", "minors_indicated=no"]),
    ],
)
def test_enum_values(args, incomplete, expected):
    assert complete(args, incomplete) == expected


def test_clause_ids_from_the_policy_library():
    from appeals_tui.store.shipped import load_default

    lib = load_default()
    ids = complete(["decide", "C-1", "--clause"], "")
    assert ids == [c.id for c in lib.all_latest()]
    assert complete(["decide", "C-1", "--clause"], "kr") == ["KR-1"]
    assert complete(["decide", "C-1", "--clause"], "CSS-3,K") == ["CSS-3,KR-1"]


def test_case_decision_and_appeal_ids_from_the_workspace(ws, monkeypatch):
    from appeals_tui.store import workspace

    def refuse(*a, **k):
        raise AssertionError("completion must not open the workspace")

    monkeypatch.setattr(workspace.Workspace, "open", refuse)
    at = ["--data-dir", str(ws)]
    assert complete([*at, "claim"], "") == [f"C-{n:06d}" for n in range(6, 0, -1)]
    assert complete([*at, "claim"], "C-00000") == [f"C-{n:06d}" for n in range(6, 0, -1)]
    assert complete([*at, "claim"], "3") == ["C-000003"]
    assert complete([*at, "appeal", "file"], "") == ["D-000002", "D-000001"]
    assert complete([*at, "appeal", "resolve"], "") == ["A-000001"]
    monkeypatch.setenv("APPEALS_DATA_DIR", str(ws))
    assert complete(["precedents"], "C-000006") == ["C-000006"]


def test_counters_match_the_store_before_and_after_compaction(ws):
    from appeals_tui.store import Workspace

    def stored() -> dict[str, int]:
        w = Workspace.open(ws)
        try:
            return {p: w.meta(f"next_id:{p}") for p in ("C", "D", "A")}
        finally:
            w.close()

    before = stored()
    assert {k: id_counters(ws)[k] for k in before} == before == {"C": 6, "D": 2, "A": 1}
    w = Workspace.open(ws)
    w.compact()
    w.close()
    assert {k: id_counters(ws)[k] for k in before} == before


def test_no_workspace_means_no_ids(tmp_path):
    assert complete(["--data-dir", str(tmp_path / "none"), "claim"], "") == []


def test_ids_are_capped_newest_first(tmp_path):
    from appeals_tui.commands.completion import LIMIT
    from appeals_tui.store import Workspace

    w = Workspace.create(tmp_path / "ws")
    with w.transaction("t") as txn:
        txn.set_meta("next_id:C", 100_000)
    w.close()
    got = complete(["--data-dir", str(tmp_path / "ws"), "claim"], "C-0")
    assert len(got) == LIMIT and got[0] == "C-099999" and got[-1] == f"C-{100_000 - LIMIT:06d}"


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef"),
                                               ("fish", "complete --no-files")])  # fmt: skip
def test_scripts_for_each_shell(shell, marker):
    from click.testing import CliRunner

    r = CliRunner(env={"_APPEALS_COMPLETE": f"{shell}_source"}).invoke(cli, prog_name="appeals")
    assert r.exit_code == 0 and marker in r.output and "_APPEALS_COMPLETE" in r.output
