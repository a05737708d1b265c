"""The CLI contract: commands, JSON output, exit codes, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.services.session import os_login
from tests.cli.conftest import factor_args
from tests.conftest import report, write_jsonl

FACTORS_GLAM = factor_args("depicts_commercial_sex", "narrative_framing", "glamorization")


@pytest.fixture
def seeded(run, tmp_path):
    assert run("init", "--admin", "root", user=None).exit_code == 0
    for name, role in (("minji", "moderator"), ("daniel", "moderator"), ("seoyeon", "lead")):
        added = run("users", "add", name, "--role", role, "--login", os_login(), user="root")
        assert added.exit_code == 0, added.output
    path = write_jsonl(
        tmp_path / "r.jsonl", [report("R-1", "S1"), report("R-2", "S1"), report("R-3", "S2")]
    )
    result = run("import", "reports", str(path))
    assert result.exit_code == 0, result.output
    return run


def test_unknown_user_exit_3(seeded):
    result = seeded("cases", "list", user="mallory")
    assert result.exit_code == 3
    assert "unknown user 'mallory'" in result.output
    assert "Traceback" not in result.output


def test_moderator_cannot_add_users(seeded):
    result = seeded("users", "add", "x", "--role", "admin")
    assert result.exit_code == 3


def test_full_flow_json(seeded, tmp_path):
    cases = json.loads(seeded("cases", "list", "--json").output)
    assert len(cases) == 2
    cid = next(c["case_id"] for c in cases if c["subject"]["subject_id"] == "S1")
    assert len(json.loads(seeded("cases", "show", cid, "--json").output)["reports"]) == 2
    assert seeded("claim", cid).exit_code == 0
    assert seeded("claim", cid, user="daniel").exit_code == 4
    out = seeded(
        "decide",
        cid,
        "--action",
        "geo_block",
        "--clause",
        "KR-1",
        *FACTORS_GLAM,
        "--reasoning",
        "Glamorizing salon comic, gifts from clients; promotion under KR law.",
        "--json",
    )
    assert out.exit_code == 0, out.output
    decision = json.loads(out.output)
    did = decision["decision_id"]
    # the case file (CaseFile.to_json): the case's fields on top, read models beside them
    shown = json.loads(seeded("cases", "show", cid, "--json").output)
    assert (shown["case_id"], shown["decision_id"], shown["status"]) == (cid, did, "decided")
    [mine] = shown["account_decisions"]
    assert mine["decision_id"] == did and "factor_mask" not in mine and mine["rereview"] is None
    assert [e["type"] for e in shown["timeline"]][-1].startswith("decision")
    hist = json.loads(
        seeded("history", "--moderator", "minji", "--clause", "KR-1", "--json").output
    )
    assert [d["decision_id"] for d in hist] == [did]
    filed = seeded("appeal", "file", did, "--grounds", "It is just a comic.", "--json")
    aid = json.loads(filed.output)["appeal_id"]
    assert (
        seeded(
            "appeal",
            "resolve",
            aid,
            "--outcome",
            "upheld",
            "--reasoning",
            "Still glamorizes; stands.",
        ).exit_code
        == 3
    )
    res = seeded(
        "appeal",
        "resolve",
        aid,
        "--outcome",
        "overturned",
        "--reasoning",
        "Reviewed: this is an art account, fiction.",
        user="daniel",
    )
    assert res.exit_code == 0, res.output
    hist = json.loads(seeded("history", "--json").output)
    assert len(hist) == 2 and any(d.get("supersedes") == did for d in hist)
    csv_out = tmp_path / "d.csv"
    assert seeded("export", "decisions", "--format", "csv", "--out", str(csv_out)).exit_code == 0
    assert csv_out.read_text(encoding="utf-8").count("\n") == 3
    assert seeded("verify").exit_code == 0


SENTENCE = "A full sentence of reasoning here."


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--action", "geo_block", "--clause", "KR-1", *FACTORS_GLAM, "--reasoning", "   "], 1, "reasoning"),
        (["--action", "zap", "--clause", "KR-1", *FACTORS_GLAM, "--reasoning", SENTENCE], 1, "zap"),
        (["--action", "label", "--clause", "XX-1", *FACTORS_GLAM, "--reasoning", SENTENCE], 1, "XX-1"),
        (["--action", "label", "--clause", "CSS-8", "--factor", "glamorization=maybe", "--reasoning", SENTENCE], 1, "glamorization"),
        (["--action", "label", "--clause", "CSS-8", *FACTORS_GLAM, "--reasoning", SENTENCE], 1, "divergence_reason"),
        (["--action", "geo_block", "--clause", "KR-1", *FACTORS_GLAM, "--reasoning", SENTENCE, "--expected-version", "99"], 4, "changed since"),
    ],
    ids=["blank-reasoning", "unknown-action", "unknown-clause", "bad-factor", "divergence", "stale-version"],
)  # fmt: skip
def test_decide_errors(seeded, args, code, says):
    cid = json.loads(seeded("cases", "list", "--json").output)[0]["case_id"]
    result = seeded("decide", cid, *args)
    assert result.exit_code == code and says in result.output
    assert json.loads(seeded("history", "--json").output) == []


def test_guidance_json(seeded):
    r = seeded("guidance", *FACTORS_GLAM, "--jurisdiction", "KR", "--json")
    g = json.loads(r.output)
    assert (
        (g["action"], g["clause_id"]) == ("geo_block", "KR-1") and g["rule_id"] and g["explanation"]
    )


def test_bad_import_exit_1_names_lines(seeded, tmp_path):
    rows = [report("R-9", "S9"), report("R-10", "S9", subject_type="tweet")]
    r = seeded("import", "reports", str(write_jsonl(tmp_path / "bad.jsonl", rows)))
    assert r.exit_code == 1
    assert "bad.jsonl:2: subject_type" in r.output
    assert len(json.loads(seeded("cases", "list", "--json").output)) == 2


def test_usage_error_exit_2(seeded):
    assert seeded("decide").exit_code == 2
    assert (
        seeded("appeal", "resolve", "A-1", "--outcome", "maybe", "--reasoning", "x").exit_code == 2
    )


def test_no_workspace(run):
    r = run("cases", "list")
    assert r.exit_code == 1 and "no workspace" in r.output


@pytest.mark.parametrize("where", ["group", "command", "env"])
def test_database_url_as_data_dir_is_refused(tmp_path, monkeypatch, where):
    """A URL given as --data-dir once created a folder tree named `postgresql:/...`."""
    monkeypatch.chdir(tmp_path)
    url = "postgresql://localhost/appeals?host=/tmp/nowhere"
    runner = CliRunner()
    if where == "group":
        r = runner.invoke(cli, ["--data-dir", url, "init", "--admin", "minji"])
    elif where == "command":
        r = runner.invoke(cli, ["init", "--data-dir", url, "--admin", "minji"])
    else:
        r = runner.invoke(cli, ["init", "--admin", "minji"], env={"APPEALS_DATA_DIR": url})
    assert r.exit_code == 2 and "use --database URL" in r.output
    assert list(tmp_path.iterdir()) == []


def test_every_command_has_help():
    def walk(group, prefix=()):
        for name, command in group.commands.items():
            assert command.help, " ".join((*prefix, name))
            if hasattr(command, "commands"):
                walk(command, (*prefix, name))

    walk(cli)


def test_subprocess_errors_have_no_traceback(tmp_path):
    env = {
        "APPEALS_DATA_DIR": str(tmp_path / "nowhere"),
        "PATH": "/usr/bin:/bin",
        "APPEALS_USER": "x",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "appeals_tui", "cases", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_hostile_text_never_reaches_terminal_as_control(seeded, tmp_path):
    hostile = "\x1b[31mred\x1b]0;title\x07 \x00nul \u202eevil [bold]x[/]"
    path = write_jsonl(tmp_path / "h.jsonl", [report("R-50", "H1", content_text=hostile)])
    assert seeded("import", "reports", str(path)).exit_code == 0
    cid = next(
        c["case_id"]
        for c in json.loads(seeded("cases", "list", "--json").output)
        if c["subject"]["subject_id"] == "H1"
    )
    shown = seeded("cases", "show", cid).output
    assert "\x1b" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert "\\x1b[31mred" in shown and "[bold]x[/]" in shown
    as_json = json.loads(seeded("cases", "show", cid, "--json").output)
    assert as_json["content_text"] == hostile and as_json["case_id"] == cid


@pytest.mark.parametrize("damage", ["edit", "remove", "reorder"])
def test_verify_names_first_broken_seq(seeded, tmp_path, damage):
    for i in range(3):
        assert seeded("note", "C-000001", f"checking note {i}").exit_code == 0
    journal = tmp_path / "ws" / "journal.log"
    lines = journal.read_text(encoding="utf-8").split("\n")
    with_events = [i for i, line in enumerate(lines) if '"events":[{' in line]
    first, second = with_events[-3], with_events[-2]
    seq = int(re.search(r'"seq":(\d+)', lines[first]).group(1))
    if damage == "edit":
        lines[first] = lines[first].replace("checking note 0", "checking note X")
    elif damage == "remove":
        del lines[first]
    else:
        lines[first], lines[second] = lines[second], lines[first]
    journal.write_text("\n".join(lines), encoding="utf-8")
    result = seeded("verify")
    assert result.exit_code == 1
    named = int(re.search(r"broken at seq (\d+)", result.output).group(1))
    assert named == seq if damage != "reorder" else named in (seq, seq + 1)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("where", ["group", "command"])
def test_a_typed_data_dir_beats_the_database_in_the_environment(tmp_path, where):
    """README's Teams flow exports APPEALS_DATABASE_URL, then runs
    `appeals --data-dir ~/t-and-s migrate --to "$APPEALS_DATABASE_URL"`: the exported
    database was used as the source too ("source and target are the same")."""
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    assert runner.invoke(cli, ["--data-dir", ws, "init", "--admin", "root"]).exit_code == 0
    env = {"APPEALS_DATABASE_URL": "postgresql:///appeals?host=/nonexistent-rv&user=nobody"}
    args = ["--data-dir", ws, "users", "list"] if where == "group" else ["users", "list"]
    if where == "command":
        args += ["--data-dir", ws]
    listed = runner.invoke(cli, args, env=env)
    assert listed.exit_code == 0, listed.output
    assert "root" in listed.output and "admin" in listed.output
    # typed --database still wins over a typed --data-dir
    both = runner.invoke(cli, ["--database", env["APPEALS_DATABASE_URL"], *args], env=env)
    assert both.exit_code == 1 and "unreachable" in both.output, both.output
