"""Findings 4 and 5 (session 2): imports of any size are staged and published at once.

Service-level rules of the staged path (joining open cases, linked cases, a case
decided while importing), and real processes: kill -9 at any moment of an import
leaves all or nothing; other users' commands run while a long import stages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appeals_tui.domain.errors import ConflictError
from appeals_tui.services import intake
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from tests.conftest import case_for, removal, report, write_jsonl

ROOT = Path(__file__).parents[2]


def _rows(n: int, prefix: str = "B", subjects: int | None = None) -> list[dict[str, object]]:
    subjects = subjects or n
    rows = []
    for i in range(n):
        row = report(f"{prefix}-{i}", f"{prefix}S{i % subjects}", views=i)
        row["reported_at"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00+09:00"
        rows.append(row)
    return rows


def test_reports_join_open_cases_and_open_linked_cases_after_a_decision(sessions, tmp_path) -> None:
    minji = sessions("minji")
    s1 = case_for(minji, "S1")
    before = minji.ws.get("cases", s1)
    decided = removal(minji, "S2")
    rows = [
        report("R-10", "S1", views=9_000_000, reason="spam"),
        report("R-11", "S2"),
        report("R-12", "NEW"),
        report("R-13", "NEW", reported_at="2026-11-18T09:00:00+09:00"),
    ]
    result = intake.import_reports(minji, write_jsonl(tmp_path / "more.jsonl", rows))
    assert (result.imported, result.skipped) == (4, 0)
    assert result.cases_updated == [s1]
    assert len(result.cases_created) == 2
    case = minji.ws.get("cases", s1)
    assert case["report_ids"] == [*before["report_ids"], "R-10"]
    assert case["metrics"]["views"] == 9_000_000 and case["version"] == before["version"] + 1
    assert case["priority"] != before["priority"]
    s2_new = minji.ws.get("cases", case_for_linked(minji, decided.case_id))
    assert s2_new["report_ids"] == ["R-11"] and s2_new["status"] == "open"
    new = minji.ws.get("cases", case_for(minji, "NEW"))
    assert new["report_ids"] == ["R-13", "R-12"]  # in the order they were reported
    assert new["first_reported_at"] == "2026-11-18T09:00:00+09:00"
    assert minji.ws.get("reports", "R-12")["case_id"] == new["case_id"]
    assert minji.ws.verify().ok


def case_for_linked(session: Session, old: str) -> str:
    return next(c["case_id"] for c in session.ws.all("cases") if c.get("linked_case") == old)


def test_case_ids_follow_first_reports_and_reimport_is_idempotent(sessions, tmp_path) -> None:
    minji = sessions("minji")
    rows = _rows(40, subjects=10)
    path = write_jsonl(tmp_path / "b.jsonl", list(reversed(rows)))
    first = intake.import_reports(minji, path)
    assert (first.imported, len(first.cases_created)) == (40, 10)
    firsts = [minji.ws.get("cases", c)["first_reported_at"] for c in first.cases_created]
    assert firsts == sorted(firsts)
    for case_id in first.cases_created:
        case = minji.ws.get("cases", case_id)
        times = [minji.ws.get("reports", r)["reported_at"] for r in case["report_ids"]]
        assert times == sorted(times) and len(times) == 4
    again = intake.import_reports(minji, path)
    assert (again.imported, again.skipped, again.cases_created) == (0, 40, [])
    assert minji.ws.verify().ok


def test_a_case_decided_while_the_import_stages_is_a_conflict(ws_path, sessions, tmp_path) -> None:
    minji = sessions("minji")
    s1 = case_for(minji, "S1")
    counts = (minji.ws.count("reports"), minji.ws.head())
    other = Workspace.open(ws_path)  # another process, as far as the store can tell
    daniel = Session.open(other, "daniel")

    def progress(done, total, step) -> None:
        if step == "saving":  # staged already, about to publish
            removal(daniel, "S1")

    rows = [report("R-20", "S1"), report("R-21", "FRESH")]
    with pytest.raises(ConflictError, match=f"case {s1} was decided during this import"):
        intake.import_reports(minji, write_jsonl(tmp_path / "c.jsonl", rows), progress)
    other.close()
    minji.ws.refresh()
    assert minji.ws.count("reports") == counts[0]
    assert minji.ws.get("reports", "R-21") is None
    assert minji.ws.head().seq == counts[1].seq + 2  # only daniel's claim and decision
    assert minji.ws.verify().ok


def _args(ws: Path, *args: str) -> list[str]:
    return ["--data-dir", str(ws), "--user", "minji", *args]


def _cli(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "appeals_tui", *_args(ws, *args)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("APPEALS_USER", None)
    return env


def _state(ws: Path) -> tuple[int, bool, str]:
    with Workspace.open(ws) as w:
        result = w.verify()
        return w.count("reports"), result.ok, result.problem


@pytest.mark.slow
def test_kill_9_during_an_import_leaves_all_or_nothing(ws_path: Path, tmp_path: Path) -> None:
    n = 4000
    start = time.monotonic()
    first = write_jsonl(tmp_path / "first.jsonl", _rows(n, "F", subjects=n // 2))
    assert (
        subprocess.run(_cli(ws_path, "import", "reports", str(first)), env=_env()).returncode == 0
    )
    whole = time.monotonic() - start  # validate, stage, publish, as a fresh process
    base = _state(ws_path)[0]
    outcomes = []
    for k in range(8):  # kills spread over the whole import: each phase gets hit
        path = write_jsonl(tmp_path / f"k{k}.jsonl", _rows(n, f"K{k}", subjects=n // 2))
        proc = subprocess.Popen(_cli(ws_path, "import", "reports", str(path)), env=_env())
        time.sleep(whole * (k + 0.5) / 8)
        proc.kill()
        proc.wait()
        count, ok, problem = _state(ws_path)
        assert ok, problem
        assert count in (base, base + n), count
        outcomes.append(count - base)
        base = count
    assert 0 in outcomes  # kills before the publish left nothing
    print(f"\nkilled at 8 points of a {whole:.1f}s import; imported: {outcomes}")


@pytest.mark.slow
def test_others_work_while_a_long_import_stages(ws_path: Path, tmp_path: Path) -> None:
    n = 20_000
    path = write_jsonl(tmp_path / "big.jsonl", _rows(n, subjects=n))
    with Workspace.open(ws_path) as ws:
        s1 = next(c["case_id"] for c in ws.all("cases") if c["subject"]["subject_id"] == "S1")
        s3 = next(c["case_id"] for c in ws.all("cases") if c["subject"]["subject_id"] == "S3")
    # the import stops at its 10,000th staged record until `go` exists: the commands
    # below run while it stages however fast the machine is (a sleep here let a quick
    # machine finish the import first)
    staging, go = tmp_path / "staging", tmp_path / "go"
    gated = [sys.executable, str(ROOT / "tests" / "gated_command.py")]
    importer = subprocess.Popen(
        [
            *gated,
            "appeals_tui.store.staging:WorkspaceStaging.add",
            str(n // 2),
            str(staging),
            str(go),
            *_args(ws_path, "import", "reports", str(path)),
        ],
        env=_env(),
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not staging.exists():
            assert importer.poll() is None, importer.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never reached its 10,000th record"
            time.sleep(0.05)
        decide = [
            "decide", s1, "--action", "remove_content", "--clause", "CSS-3",
            *[f"--factor={f}=yes" for f in ("depicts_commercial_sex", "narrative_framing", "contact_means")],
            *[f"--factor={f}=no" for f in (
                "first_person_provider", "pricing_or_booking", "location_details", "recruitment",
                "glamorization", "minors_indicated", "news_or_educational_context",
            )],
            "--reasoning", "Comic ends with a KakaoTalk ID for booking; this is promotion.",
        ]  # fmt: skip
        commands = [
            ["claim", s1],
            decide,
            ["note", s3, "checked the account's other posts"],
            ["cases", "list", "--json"],
            ["verify"],
        ]
        took = []
        for args in commands:
            start = time.monotonic()
            r = subprocess.run(_cli(ws_path, *args), env=_env(), capture_output=True, timeout=120)
            took.append((args[0], round(time.monotonic() - start, 1), importer.poll() is None))
            assert r.returncode == 0, (args[0], r.stderr.decode())
        # every command ran while the import was staging (it waited for them)
        assert all(running for _, _, running in took), took
    finally:
        go.touch()  # on a failure too: the import must not wait on
    assert importer.wait(timeout=600) == 0, importer.stderr.read().decode()
    with Workspace.open(ws_path) as ws:
        assert ws.count("reports") == 7 + n
        assert ws.get("cases", s1)["status"] == "decided"
        assert ws.verify().ok
    print(f"\nwhile importing {n} reports: {json.dumps(took)}")
