"""`appeals export decisions --format sor|sor-api`: refused statements exit 1 naming decision,
field and rule; --skip-invalid writes the rest; the summary says what was left out and why."""

from __future__ import annotations

import json

import pytest

from appeals_tui.domain.models import Report
from appeals_tui.domain.reports import ParsedReport
from appeals_tui.services import intake
from appeals_tui.services.session import Session, os_login
from appeals_tui.store.factory import open_store
from tests.cli.conftest import factor_args
from tests.conftest import report, write_jsonl

GLAM = factor_args("depicts_commercial_sex", "narrative_framing", "glamorization")
WHY = "Comic glamorizes the salon and names it; no contact, no price."
DIVERGE = "Testing the export, not the rubric."


@pytest.fixture
def seeded(run, tmp_path):
    assert run("init", "--admin", "root", user=None).exit_code == 0
    for name, role in (("minji", "moderator"), ("seoyeon", "lead")):
        added = run("users", "add", name, "--role", role, "--login", os_login(), user="root")
        assert added.exit_code == 0, added.output
    rows = [report("R-1", "S1", jurisdiction="DE"), report("R-3", "S3")]
    assert run("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows))).exit_code == 0
    # a 1999 report (a file import refuses dates before 2000) from an older workspace
    old = report("R-2", "S2", reported_at="1999-06-01T09:00:00+09:00", jurisdiction="DE")
    with open_store(tmp_path / "ws") as ws:
        minji = Session.open(ws, "minji")
        intake.import_parsed(minji, [ParsedReport(1, Report.from_dict(old))], source="old.jsonl")
    cases = {c["subject"]["subject_id"]: c["case_id"]
             for c in json.loads(run("cases", "list", "--json").output)}  # fmt: skip
    for subject, action, clause in (("S1", "label", "CSS-8"), ("S2", "label", "CSS-8"),
                                    ("S3", "geo_block", "KR-1")):  # fmt: skip
        r = run("decide", cases[subject], "--action", action, "--clause", clause, *GLAM,
                "--reasoning", WHY, "--divergence-reason", DIVERGE)  # fmt: skip
        assert r.exit_code == 0, r.output
    ids = {d["case_id"]: d["decision_id"] for d in json.loads(run("history", "--json").output)}
    return run, {s: ids[c] for s, c in cases.items()}


def test_refused_exit_1_names_decision_field_rule(seeded):
    run, ids = seeded
    r = run("export", "decisions", "--format", "sor", user="seoyeon")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert f"{ids['S2']}: content_date: date_range: 1999-06-01 is outside" in r.stderr
    assert "would be refused by the DSA Transparency Database" in r.stderr
    assert "Traceback" not in r.output


def test_skip_invalid_writes_the_rest_and_lists_what_it_skipped(seeded, tmp_path):
    run, ids = seeded
    out = tmp_path / "s.jsonl"
    r = run("export", "decisions", "--format", "sor", "--out", str(out), "--skip-invalid",
            user="seoyeon")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["puid"] for line in out.read_text().splitlines()] == [ids["S1"]]
    assert f"skipped {ids['S2']}: content_date: date_range" in r.stderr
    assert r.stderr.strip().endswith(
        f"exported 1 statement(s) to {out}; left out 1 needing no statement (outside_eea 1); "
        "skipped 1 invalid"
    )


def test_json_summary_counts_what_was_left_out(seeded, tmp_path):
    run, ids = seeded
    folder = tmp_path / "api"
    r = run("export", "decisions", "--format", "sor-api", "--out", str(folder),
            "--skip-invalid", "--json", user="seoyeon")  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["left_out"] == {"outside_eea": 1} and summary["left_out_total"] == 1
    assert "EEA" in summary["left_out_why"]["outside_eea"]
    assert summary["written"] == 1 and summary["invalid_decisions"] == 1
    assert summary["files"][0]["decisions"] == [ids["S1"]]
    assert (
        json.loads((folder / "statements-00001.json").read_text())["statements"][0]["puid"]
        == ids["S1"]
    )


def test_sor_api_needs_out(seeded):
    run, _ = seeded
    r = run("export", "decisions", "--format", "sor-api", user="seoyeon")
    assert r.exit_code == 2 and "--out" in r.output


def test_demo_statements_name_trusted_flaggers(run):
    """#15: the demo's trusted-flagger reports (tf_…, trusted_flagger…) give their cases'
    statements SOURCE_TRUSTED_FLAGGER; user reports stay SOURCE_ARTICLE_16."""
    assert run("demo", "--no-open", user=None).exit_code == 0
    r = run("export", "decisions", "--format", "sor", user="seoyeon")
    assert r.exit_code == 0, r.stderr
    sources = [json.loads(line)["source_type"] for line in r.stdout.splitlines()]
    assert sources.count("SOURCE_TRUSTED_FLAGGER") == 5
    assert sources.count("SOURCE_ARTICLE_16") == 10 and sources.count("SOURCE_VOLUNTARY") == 1


def test_sor_api_files_are_utf8_and_private_whatever_the_locale(run, tmp_path):
    """Under an ASCII locale (LC_ALL=C without UTF-8 coercion) the sor-api export of the
    demo was `internal error (UnicodeEncodeError)`: its files were written in the locale's
    encoding (JSON is UTF-8), and 0644 where every other export file is 0600."""
    import os
    import stat
    import subprocess
    import sys

    assert run("demo", "--no-open", user=None).exit_code == 0
    out = tmp_path / "api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update(LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    args = ["--data-dir", str(tmp_path / "ws"), "--user", "seoyeon", "export", "decisions"]
    done = subprocess.run(
        [sys.executable, "-m", "appeals_tui", *args, "--format", "sor-api", "--out", str(out)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["manifest.json", "statements-00001.json"]
    statements = json.loads(files[1].read_bytes().decode("utf-8"))["statements"]
    assert any(not s["decision_facts"].isascii() for s in statements)  # Korean kept as is
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    for fmt in ("csv", "jsonl"):  # to stdout: the same internal error
        piped = subprocess.run(
            [sys.executable, "-m", "appeals_tui", *args, "--format", fmt],
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert piped.returncode == 0, piped.stderr.decode("utf-8", "replace")
        assert "실화" in piped.stdout.decode("utf-8")
