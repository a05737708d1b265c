"""`appeals decide CASE CASE... | --account A`: one decision applied to several cases,
each checked on its own (the batch screen's use case, reachable from the CLI)."""

from __future__ import annotations

import json

import pytest

from appeals_tui.services.session import os_login
from tests.cli.conftest import factor_args
from tests.conftest import report, write_jsonl

GLAM = factor_args("depicts_commercial_sex", "narrative_framing", "glamorization")
DRAFT = ["--action", "geo_block", "--clause", "KR-1", *GLAM]
REASON = ["--reasoning", "Glamorizing salon comic; no contact or price shown anywhere."]


@pytest.fixture
def seeded(run, tmp_path):
    assert run("init", "--admin", "root", user=None).exit_code == 0
    for name in ("minji", "daniel"):
        assert (
            run(
                "users", "add", name, "--role", "moderator", "--login", os_login(), user="root"
            ).exit_code
            == 0
        )
    rows = [report("R-1", "S1"), report("R-2", "S2", account="acct_S1"), report("R-3", "S3")]
    assert run("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows))).exit_code == 0
    return run


def _ids(run, account=None):
    cases = json.loads(run("cases", "list", "--json").output)
    return {c["subject"]["subject_id"]: c["case_id"] for c in cases}


def test_same_decision_on_several_cases(seeded):
    ids = _ids(seeded)
    result = seeded("decide", ids["S1"], ids["S3"], *DRAFT, *REASON, "--json")
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.output)
    assert [o["case_id"] for o in outcomes] == [ids["S1"], ids["S3"]]
    assert all(
        o["ok"] and o["decision_id"].startswith("D-") and o["problem"] is None for o in outcomes
    )
    history = json.loads(seeded("history", "--json").output)
    assert sorted(d["case_id"] for d in history) == sorted([ids["S1"], ids["S3"]])


def test_one_refusal_stops_none_of_the_others(seeded):
    ids = _ids(seeded)
    assert seeded("claim", ids["S3"], user="daniel").exit_code == 0
    result = seeded("decide", ids["S3"], ids["S1"], *DRAFT, *REASON, "--json")
    assert result.exit_code == 4  # the first refusal's: a conflict (claimed by daniel)
    outcomes = {o["case_id"]: o for o in json.loads(result.stdout)}
    assert outcomes[ids["S1"]]["ok"] and not outcomes[ids["S3"]]["ok"]
    assert "claimed by daniel" in outcomes[ids["S3"]]["problem"]
    assert f"error: {ids['S3']}: " in result.stderr
    assert [d["case_id"] for d in json.loads(seeded("history", "--json").output)] == [ids["S1"]]


def test_every_open_case_of_an_account(seeded):
    ids = _ids(seeded)
    result = seeded("decide", "--account", "acct_S1", *DRAFT, *REASON)
    assert result.exit_code == 0, result.output
    assert f"decided {ids['S1']}: geo_block" in result.output
    assert f"decided {ids['S2']}: geo_block" in result.output
    assert ids["S3"] not in result.output


def test_bad_draft_is_refused_for_each_case_and_nothing_is_written(seeded):
    ids = _ids(seeded)
    result = seeded("decide", ids["S1"], ids["S3"], *DRAFT, "--reasoning", "ok")
    assert result.exit_code == 1
    assert result.stderr.count("reasoning") == 2
    assert json.loads(seeded("history", "--json").output) == []


def test_usage(seeded):
    ids = _ids(seeded)
    assert seeded("decide", *DRAFT, *REASON).exit_code == 2
    many = seeded("decide", ids["S1"], ids["S3"], *DRAFT, *REASON, "--expected-version", "1")
    assert many.exit_code == 2
