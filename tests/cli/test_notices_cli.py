"""CLI: `appeals notice` (positional id, --json, --appeal, send) and `appeals strikes`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appeals_tui.services.session import os_login
from tests.cli.conftest import factor_args
from tests.conftest import report, write_jsonl

PROMO = factor_args("depicts_commercial_sex", "narrative_framing", "contact_means")


@pytest.fixture
def decided(run, tmp_path):
    """A workspace with one removal decision D-000001 on a KR case reported by a trusted flagger."""
    assert run("init", "--admin", "root", user=None).exit_code == 0
    for name, role in (("minji", "moderator"), ("daniel", "moderator"), ("seoyeon", "lead")):
        added = run("users", "add", name, "--role", role, "--login", os_login(), user="root")
        assert added.exit_code == 0, added.output
    rows = [report("R-1", "S1"), report("R-2", "S1", reporter="tf_kcsc")]
    assert run("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows))).exit_code == 0
    cid = json.loads(run("cases", "list", "--json").output)[0]["case_id"]
    out = run(
        "decide",
        cid,
        "--action",
        "remove_content",
        "--clause",
        "CSS-3",
        *PROMO,
        "--reasoning",
        "Comic ends with a KakaoTalk ID for booking; promotion.",
        "--json",
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["decision_id"] == "D-000001"
    return run


def test_notice_positional_decision(decided):
    out = decided("notice", "D-000001")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("Subject:") and "KakaoTalk" in out.output
    assert "이의" in out.output  # KR case -> Korean template
    en = decided("notice", "D-000001", "--lang", "en")
    assert "How to appeal" in en.output and "trusted flagger" in en.output


def test_notice_json_fields(decided):
    out = decided("notice", "D-000001", "--json", "--lang", "en")
    data = json.loads(out.output)
    f = data["fields"]
    assert f["action"] == "remove_content" and f["clauses"][0]["id"] == "CSS-3"
    assert f["detection_sources"] == ["user_report", "trusted_flagger"]
    assert f["automated_decision"] is False and f["appeal_deadline"]
    assert json.loads(decided("--json", "notice", "D-000001").output)["lang"] == "ko"


def test_notice_unknown_and_missing(decided):
    assert decided("notice", "D-999999").exit_code == 1
    assert decided("notice").exit_code == 2


def test_notice_send_edit_and_not_sent(decided, tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("Edited notice text for the user.\n", encoding="utf-8")
    out = decided("notice", "send", "D-000001", "--body-file", str(body), "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["sent"] and doc["edited"] and doc["body"] == "Edited notice text for the user."
    refused = decided("notice", "send", "D-000001", "--not-sent")
    assert refused.exit_code == 1 and "reason" in refused.output
    kept = decided(
        "notice", "send", "D-000001", "--not-sent", "--reason", "User deleted the account already."
    )
    assert kept.exit_code == 0 and "not sent" in kept.output
    log = json.loads(decided("notice", "log", "D-000001", "--json").output)
    assert [n["sent"] for n in log] == [True, False]
    assert decided("notice", "send", "D-000001", user="root").exit_code == 3


def test_notice_for_appeal_outcome(decided):
    aid = json.loads(
        decided("appeal", "file", "D-000001", "--grounds", "Fan account.", "--json").output
    )["appeal_id"]
    assert decided("notice", "--appeal", aid).exit_code == 1  # not resolved yet
    res = decided(
        "appeal",
        "resolve",
        aid,
        "--outcome",
        "upheld",
        "--reasoning",
        "The booking handle is visible in the last panel.",
        user="daniel",
    )
    assert res.exit_code == 0, res.output
    out = decided("notice", "--appeal", aid, "--lang", "en")
    assert out.exit_code == 0, out.output
    assert "Upheld" in out.output and "final" in out.output
    data = json.loads(decided("notice", "--appeal", aid, "--json").output)
    assert data["fields"]["outcome"] == "upheld" and data["kind"] == "appeal_outcome"
    sent = decided("notice", "send", "--appeal", aid, user="daniel")
    assert sent.exit_code == 0, sent.output


def test_strikes_commands(decided):
    out = json.loads(decided("strikes", "acct_S1", "--json").output)
    assert out["active_weight"] >= 1 and len(out["strikes"]) == 1
    sid = out["strikes"][0]["strike_id"]
    assert "acct_S1" in decided("strikes", "acct_S1").output
    decided("config", "set", "strike_threshold", "1", user="root")
    flagged = json.loads(decided("strikes", "flagged", "--json").output)
    assert [f["account"] for f in flagged] == ["acct_S1"]
    assert decided("strikes", "dismiss", sid, "--reason", "Verified support group.").exit_code == 3
    assert decided("strikes", "dismiss", sid, "--reason", "x", user="seoyeon").exit_code == 1
    ok = decided("strikes", "dismiss", sid, "--reason", "Verified support group.", user="seoyeon")
    assert ok.exit_code == 0, ok.output
    assert decided("strikes", "flagged").output.strip() == "no accounts at the threshold"


def test_korean_notice_is_korean_throughout(decided):
    out = decided("notice", "D-000001")
    assert out.exit_code == 0, out.output
    assert "게시물을 검토하고" in out.output and "을(를)" not in out.output
    assert "홍보 요소가 포함된 성매매 서사 묘사" in out.output  # CSS-3's Korean title
    assert "Narrative depiction of commercial sex" not in out.output
    en = decided("notice", "D-000001", "--lang", "en")
    assert "Narrative depiction of commercial sex" in en.output


def test_notice_body_file_that_is_no_letter_is_refused_and_nothing_recorded(decided, tmp_path):
    """A body file in another encoding was an internal error; a huge one went into the chain
    (and /dev/zero grew until the process was killed)."""
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Votre publication a été retirée.".encode("latin-1"))
    huge = tmp_path / "huge.txt"
    huge.write_text("This notice goes on and on. " * 20_000, encoding="utf-8")
    for path, problem in (
        (latin, "not UTF-8 text (byte 20 of the notice body file)"),
        (huge, "over the 400,000-byte limit for a notice body file"),
        (Path("/dev/zero"), "not a regular file"),
    ):
        out = decided("notice", "send", "D-000001", "--body-file", str(path))
        assert out.exit_code == 1, out.output
        assert problem in out.output and "internal error" not in out.output, out.output
    log = decided("notice", "log", "D-000001", "--json")
    assert json.loads(log.output) == []
