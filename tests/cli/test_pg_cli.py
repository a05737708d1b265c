"""The CLI on a PostgreSQL database: identity from the database role, the same
commands and exit codes as on a workspace folder, migrate both ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.services.session import os_login
from appeals_tui.store.factory import open_store
from tests.cli.conftest import factor_args
from tests.conftest import report, write_jsonl

ROOT = Path(__file__).parents[2]
GLAM = factor_args("depicts_commercial_sex", "narrative_framing", "glamorization")
DECIDE = ["--action", "geo_block", "--clause", "KR-1", *GLAM]
REASON = ["--reasoning", "Glamorizing narrative without solicitation; geo-block under KR-1."]


@pytest.fixture
def db(pg_cluster, pg_url):
    """invoke(*args, role=ROLE): the CLI connected to a fresh database as ROLE."""
    runner = CliRunner()
    name = pg_url.split("?")[0].rsplit("/", 1)[1]

    def invoke(*args: str, role: str | None = None, env: dict[str, str] | None = None):
        url = pg_cluster.url(name, user=role)
        return runner.invoke(cli, ["--database", url, *args], env=env, catch_exceptions=False)

    invoke.url = lambda role=None: pg_cluster.url(name, user=role)  # type: ignore[attr-defined]
    return invoke


@pytest.fixture
def seeded(db, tmp_path):
    assert db("init", "--admin", "root").exit_code == 0  # as the owner (superuser)
    for name, role in (("minji", "moderator"), ("daniel", "moderator"), ("seoyeon", "lead")):
        result = db("users", "add", name, "--role", role, role="root")
        assert result.exit_code == 0, result.output
    rows = [report("R-1", "S1"), report("R-2", "S1"), report("R-3", "S2")]
    result = db("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows)), role="minji")
    assert result.exit_code == 0, result.output
    return db


def _case(db, subject: str) -> str:
    listed = json.loads(db("cases", "list", "--json", role="minji").output)
    rows = listed["cases"] if isinstance(listed, dict) else listed
    return next(c["case_id"] for c in rows if c["subject"]["subject_id"] == subject)


def test_a_team_works_through_the_database(seeded):
    case = _case(seeded, "S1")
    assert seeded("claim", case, role="minji").exit_code == 0
    result = seeded("decide", case, *DECIDE, *REASON, role="minji")
    assert result.exit_code == 0, result.output
    shown = json.loads(seeded("cases", "show", case, "--json", role="daniel").output)
    assert shown["case"]["status"] == "decided" if "case" in shown else shown["status"] == "decided"
    history = seeded("history", "--json", role="seoyeon")
    assert history.exit_code == 0 and "geo_block" in history.output
    assert seeded("stats", "--json", role="seoyeon").exit_code == 0
    verdict = seeded("verify")  # as the owner: it reads every table
    assert verdict.exit_code == 0, verdict.output
    refused = seeded("verify", role="root")  # an admin may not read private notes
    assert refused.exit_code == 3 and "notes" in refused.output


def test_you_act_as_the_role_you_connected_as(seeded):
    case = _case(seeded, "S2")
    result = seeded("claim", case, "--user", "seoyeon", role="minji")
    assert result.exit_code == 3
    assert "only act as yourself" in result.output and "Traceback" not in result.output
    result = seeded("claim", case, role="minji", env={"APPEALS_USER": "seoyeon"})
    assert result.exit_code == 3
    assert seeded("claim", case, "--user", "minji", role="minji").exit_code == 0
    result = seeded("cases", "list")  # the owner's superuser role is not on the roster
    assert result.exit_code == 3 and "not on this workspace's roster" in result.output


def test_the_database_refuses_what_the_services_would(seeded):
    """Rights hold below the services: a moderator's role cannot add a user even by SQL."""
    import psycopg
    from psycopg import errors as pgerr

    with psycopg.connect(seeded.url("minji"), autocommit=True) as conn:
        with pytest.raises(pgerr.InsufficientPrivilege):
            conn.execute("INSERT INTO users (name, role, version) VALUES ('eve', 'admin', 1)")
    result = seeded("users", "add", "eve", "--role", "admin", role="minji")
    assert result.exit_code == 3


def _spawn(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("APPEALS_USER", None)
    code = "from appeals_tui.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--database", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_clients_deciding_the_same_case_one_conflict(seeded):
    case = _case(seeded, "S2")
    version = json.loads(seeded("cases", "show", case, "--json", role="minji").output)
    version = (version.get("case") or version)["version"]
    procs = [
        _spawn(
            seeded.url(who), "decide", case, *DECIDE, *REASON, "--expected-version", str(version)
        )
        for who in ("minji", "daniel")
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 4], results
    loser = next(err for code, err in results if code == 4)
    assert "Traceback" not in loser and loser.count("\n") == 1
    decisions = json.loads(seeded("history", "--json", role="seoyeon").output)
    rows = decisions["decisions"] if isinstance(decisions, dict) else decisions
    assert len([d for d in rows if d["case_id"] == case]) == 1


def test_an_unreachable_server_is_one_line_not_a_traceback(seeded, pg_cluster):
    pg_cluster.pg_ctl("stop", "-m", "fast")
    try:
        result = seeded("cases", "list", role="minji")
    finally:
        pg_cluster.pg_ctl("start")
    assert result.exit_code == 1
    assert "database unreachable" in result.output and "Traceback" not in result.output
    assert seeded("cases", "list", role="minji").exit_code == 0


def _counts(target: str) -> tuple[dict[str, int], str]:
    from appeals_tui.store.schema import SCHEMA

    with open_store(target) as store:
        head = store.head()
        return {t.name: store.count(t.name) for t in SCHEMA.tables}, f"{head.seq}:{head.hash}"


def test_migrate_round_trip_keeps_counts_and_chain_head(tmp_path, db, run):
    runner_ws = tmp_path / "ws"
    assert run("init", "--admin", "root", user=None).exit_code == 0
    added = run("users", "add", "minji", "--role", "moderator", "--login", os_login(), user="root")
    assert added.exit_code == 0, added.output
    rows = [report(f"R-{i}", f"S{i % 4}") for i in range(12)]
    assert run("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows))).exit_code == 0
    before = _counts(str(runner_ws))

    result = CliRunner().invoke(
        cli, ["--data-dir", str(runner_ws), "migrate", "--to", db.url(), "--json"]
    )
    assert result.exit_code == 0, result.output
    moved = json.loads(result.output)
    assert moved["counts"] == moved["target_counts"] and moved["head"] == moved["target_head"]
    assert _counts(db.url()) == before

    back = tmp_path / "back"
    result = CliRunner().invoke(cli, ["--database", db.url(), "migrate", "--to", str(back)])
    assert result.exit_code == 0, result.output
    assert _counts(str(back)) == before
    for where in (["--data-dir", str(back)], ["--database", db.url()]):
        verdict = CliRunner().invoke(cli, [*where, "verify", "--json"])
        assert verdict.exit_code == 0, verdict.output

    # the migrated roster acts through database roles named by their logins
    assert db("cases", "list", "--user", "minji", role=os_login()).exit_code == 0

    again = CliRunner().invoke(cli, ["--data-dir", str(runner_ws), "migrate", "--to", db.url()])
    assert again.exit_code == 1 and "not empty" in again.output
    again = CliRunner().invoke(cli, ["--database", db.url(), "migrate", "--to", str(back)])
    assert again.exit_code == 1 and "not empty" in again.output


def test_the_demo_workspace_round_trips_with_its_images(tmp_path, db):
    from appeals_tui.services.demo import build_demo
    from appeals_tui.services.media import verify_media

    build_demo(tmp_path / "demo")
    before = _counts(str(tmp_path / "demo"))
    for args in (
        ["--data-dir", str(tmp_path / "demo"), "migrate", "--to", db.url()],
        ["--database", db.url(), "migrate", "--to", str(tmp_path / "back")],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    for target in (db.url(), str(tmp_path / "back")):
        assert _counts(target) == before
        with open_store(target) as store:
            media = verify_media(store)
            assert media.checked and not media.problems


def test_images_live_in_the_shared_media_dir_the_team_names(tmp_path, db, monkeypatch):
    """Two client hosts mount the same shared folder: an image imported through one is
    verified and shown through the other, and nothing lands in the per-database cache."""
    from appeals_tui.services.demo import build_demo
    from appeals_tui.services.media import media_store, verify_media

    shared = tmp_path / "shared-media"
    monkeypatch.setenv("APPEALS_MEDIA_DIR", str(shared))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "host-a-cache"))
    build_demo(tmp_path / "demo")
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "demo"), "migrate", "--to", db.url()]
    )
    assert result.exit_code == 0, result.output
    assert any(shared.rglob("*")), "the images were not copied into the shared folder"
    assert not (tmp_path / "host-a-cache").exists()

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "host-b-cache"))
    with open_store(db.url()) as store:
        assert store.media_dir == shared
        media = verify_media(store)
        assert media.checked and not media.problems
        assert media_store(store).root == shared


def test_stats_count_an_overturn_as_an_appeal_outcome_on_postgresql(seeded):
    """#15: the reviewer's overturn is counted as their review, not as their diverged
    decision, on the database as on a workspace folder."""
    case = _case(seeded, "S1")
    assert seeded("claim", case, role="minji").exit_code == 0
    assert seeded("decide", case, *DECIDE, *REASON, role="minji").exit_code == 0
    decision = json.loads(seeded("history", "--json", role="seoyeon").output)
    decision_id = (decision["decisions"] if isinstance(decision, dict) else decision)[0]
    filed = seeded(
        "appeal",
        "file",
        decision_id["decision_id"],
        "--grounds",
        "Only a story.",
        "--json",
        role="seoyeon",
    )
    assert filed.exit_code == 0, filed.output
    appeal_id = json.loads(filed.output)["appeal_id"]
    resolved = seeded(
        "appeal", "resolve", appeal_id, "--outcome", "overturned",
        "--reasoning", "No promotion is shown; the geo-block was wrong.", role="daniel",
    )  # fmt: skip
    assert resolved.exit_code == 0, resolved.output
    stats = json.loads(seeded("stats", "--json", role="seoyeon").output)
    assert (stats["decisions"], stats["appeal_decisions"]) == (1, 1)
    daniel = next(r for r in stats["per_moderator"] if r["key"] == "daniel")
    assert (daniel["decisions"], daniel["diverged"], daniel["reviewed"]) == (0, 0, 1)
    assert daniel["divergence_rate"] is None


def test_publish_and_rereview_on_postgresql(seeded, tmp_path):
    """#15: a lead publishes a draft on the database; later opens use it, the re-review
    queue works, a moderator is refused, and the chain verifies."""
    from appeals_tui.paths import data_dir

    sample = data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json"
    draft = json.loads(sample.read_text(encoding="utf-8"))
    # also in Korea: narrative + glamorization removed (no local-law geo-block override)
    next(r for r in draft["rules"] if r["id"] == "R6")["jurisdiction_overrides"] = {}
    path = tmp_path / "kr-remove.json"
    path.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    case = _case(seeded, "S1")
    assert seeded("decide", case, *DECIDE, *REASON, role="minji").exit_code == 0
    why = ["--reason", "Glamorizing narratives are removed everywhere from December."]
    refused = seeded("policy", "publish", str(path), *why, role="minji")
    assert refused.exit_code == 3 and "Traceback" not in refused.output
    published = seeded("policy", "publish", str(path), *why, "--json", role="seoyeon")
    assert published.exit_code == 0, published.output
    assert json.loads(published.output)["rereviews"] == 1
    versions = json.loads(seeded("policy", "versions", "--json", role="daniel").output)
    assert [(v["library_version"], v["current"]) for v in versions] == [
        ("2026.06-1", False),
        ("2026.12-draft", True),
    ]
    queue = json.loads(seeded("rereview", "list", "--json", role="seoyeon").output)
    assert (queue["total"], queue["done"]) == (1, 0)
    decision_id = queue["items"][0]["decision_id"]
    new = seeded(
        "rereview", "supersede", decision_id, "--action", "remove_content", "--clause", "CSS-4",
        "--reasoning", "Under CSS-4 v3 the glamorizing comic is removed in Korea too.",
        "--json", role="seoyeon",
    )  # fmt: skip
    assert new.exit_code == 0, new.output
    written = json.loads(new.output)["new_decision_id"]
    history = json.loads(seeded("history", "--json", role="seoyeon").output)
    rows = {
        d["decision_id"]: d
        for d in (history["decisions"] if isinstance(history, dict) else history)
    }
    assert rows[written]["clauses"] == [{"id": "CSS-4", "version": 3}]
    assert rows[written]["library_version"] == "2026.12-draft"
    assert rows[decision_id]["superseded_by"] == written
    queue = json.loads(seeded("rereview", "list", "--json", role="seoyeon").output)
    assert (queue["total"], queue["done"]) == (1, 1)
    assert seeded("verify").exit_code == 0


def test_a_database_from_before_the_policy_tables_gets_them_on_upgrade(db):
    """#15: every session reads `policy_current`; a database created before the table
    was declared gets it when its owner next opens it; others are told to ask the owner."""
    import psycopg

    assert db("init", "--admin", "root").exit_code == 0
    with psycopg.connect(db.url(), autocommit=True) as conn:
        conn.execute("DROP TABLE policy, policy_current, rereviews")
    refused = db("users", "list", role="root")
    assert refused.exit_code != 0 and "tables policy, policy_current, rereviews" in refused.output
    assert "owner must run" in refused.output and "Traceback" not in refused.output
    result = db("verify")  # the owner opens it: upgraded first, then verified
    assert result.exit_code == 0, result.output
    with psycopg.connect(db.url(), autocommit=True) as conn:
        have = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            ).fetchall()
        }
    assert {"policy", "policy_current", "rereviews"} <= have


def test_a_published_policy_moves_with_the_workspace(tmp_path, db, run):
    from appeals_tui.paths import data_dir

    assert run("init", "--admin", "root", user=None).exit_code == 0
    added = run("users", "add", "seoyeon", "--role", "lead", "--login", os_login(), user="root")
    assert added.exit_code == 0, added.output
    draft = data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json"
    why = "Glamorizing narratives are removed from December on."
    published = run("policy", "publish", str(draft), "--reason", why, user="seoyeon")
    assert published.exit_code == 0, published.output
    moved = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "ws"), "migrate", "--to", db.url(), "--json"]
    )
    assert moved.exit_code == 0, moved.output
    versions = db("policy", "versions", "--json", "--user", "seoyeon", role=os_login())
    assert versions.exit_code == 0, versions.output
    assert [(v["library_version"], v["current"]) for v in json.loads(versions.output)] == [
        ("2026.06-1", False),
        ("2026.12-draft", True),
    ]
    assert db("verify").exit_code == 0


def test_networks_and_a_case_links_on_postgresql(seeded, tmp_path):
    """#15: the link graph and one case's links (store path and graph path) on PostgreSQL."""
    rows = [
        report("N-1", "P1", account="yeoksam_toon", content_text="실화 웹툰 문의 010-4827-1936"),
        report("N-2", "P2", account="moonlight_kr", content_text="상담 ０１０．４８２７．１９３６"),
        report("N-3", "P3", account="room_toon", content_text="문의 +82 10 4827 1936"),
    ]
    done = seeded("import", "reports", str(write_jsonl(tmp_path / "n.jsonl", rows)), role="minji")
    assert done.exit_code == 0, done.output
    found = json.loads(seeded("networks", "--json", role="seoyeon").output)
    (net,) = [n for n in found if "room_toon" in n["accounts"]]
    assert net["accounts"] == ["moonlight_kr", "room_toon", "yeoksam_toon"]
    assert net["account_count"] == 3 and net["open_case_count"] == 3
    case = _case(seeded, "P3")
    links = json.loads(seeded("networks", "--case", case, "--json", role="minji").output)
    assert links["account_total"] == 2 and links["total"] == 2
    assert {x["account"] for x in links["linked"]} == {"yeoksam_toon", "moonlight_kr"}
