"""Sanity checks for the shipped demo data in data/demo/, against the domain's definitions."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from appeals_tui.domain.models import FACTORS, Action, SubjectType
from appeals_tui.domain.reports import OPTIONAL_FIELDS, REQUIRED_FIELDS
from appeals_tui.store.shipped import load_default

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"

# The contract's own definitions, so the demo data is checked against what the code accepts.
REQUIRED = REQUIRED_FIELDS
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
SUBJECT_TYPES = {t.value for t in SubjectType}
SUBJECT_FIELDS = ("platform", "subject_type", "subject_id", "account", *OPTIONAL_FIELDS)
ACTIONS = {a.value for a in Action}
CLAUSES = set(load_default().ids())
OUTCOMES = {"upheld", "overturned", "modified", "pending"}


# --------------------------------------------------------------------------- helpers


def parse_ts(value: str) -> datetime | None:
    """An ISO 8601 timestamp with an explicit UTC offset, else None."""
    try:
        ts = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return ts if ts.utcoffset() is not None else None


def report_problems(rec: dict) -> list[str]:
    problems = []
    for f in REQUIRED:
        if not isinstance(rec.get(f), str) or not rec[f].strip():
            problems.append(f)
    if "reported_at" not in problems and parse_ts(rec["reported_at"]) is None:
        problems.append("reported_at")
    if "subject_type" not in problems and rec["subject_type"] not in SUBJECT_TYPES:
        problems.append("subject_type")
    for f in ("followers", "views"):
        if f in rec and rec[f] is not None and not (isinstance(rec[f], int) and rec[f] >= 0):
            problems.append(f)
    if "jurisdiction" in rec and not (
        len(rec["jurisdiction"]) == 2 and rec["jurisdiction"].isupper()
    ):
        problems.append("jurisdiction")
    return problems


def load_jsonl(name: str) -> list[dict]:
    lines = (DEMO / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def guidance(factors: dict[str, bool], jurisdiction: str) -> tuple[str, str]:
    """The rubric (docs/architecture.md, data/policy/rubric.json), first match wins (mirrors
    what the service will recommend)."""
    f = factors
    if f["minors_indicated"]:
        return "escalate", "CSS-6"
    if f["recruitment"]:
        return "suspend_account", "CSS-5"
    if f["depicts_commercial_sex"] and (f["contact_means"] or f["pricing_or_booking"]):
        return "remove_content", "CSS-3" if f["narrative_framing"] else "CSS-2"
    if f["news_or_educational_context"] and not f["glamorization"]:
        return "no_action", "CSS-7"
    if f["narrative_framing"] and f["glamorization"]:
        return ("geo_block", "KR-1") if jurisdiction == "KR" else ("restrict_reach", "CSS-4")
    if f["depicts_commercial_sex"]:
        return "label", "CSS-8"
    return "no_action", "CSS-0"


@pytest.fixture(scope="module")
def reports() -> list[dict]:
    return load_jsonl("reports.jsonl")


@pytest.fixture(scope="module")
def subjects(reports) -> dict[str, dict]:
    return {r["subject_id"]: r for r in reports}


@pytest.fixture(scope="module")
def scenario() -> dict:
    return json.loads((DEMO / "scenario.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- reports.jsonl


def test_reports_parse_and_validate(reports):
    assert all(isinstance(r, dict) for r in reports)
    for i, r in enumerate(reports, start=1):
        assert report_problems(r) == [], f"reports.jsonl:{i}: {report_problems(r)}"
        assert set(r) <= set(FIELDS), f"reports.jsonl:{i}: unknown fields {set(r) - set(FIELDS)}"


def test_report_ids_unique(reports):
    ids = [r["report_id"] for r in reports]
    assert len(ids) == len(set(ids))


def test_report_volume(reports):
    assert len(reports) >= 48
    assert len({r["subject_id"] for r in reports}) >= 28
    assert len({r["account"] for r in reports}) >= 10
    per_subject = defaultdict(list)
    for r in reports:
        per_subject[r["subject_id"]].append(r)
    multi = [rs for rs in per_subject.values() if len(rs) >= 2]
    assert len(multi) >= 8
    for rs in multi:
        assert len({r["reporter"] for r in rs}) == len(rs), (
            "grouped reports come from different reporters"
        )
    per_account = defaultdict(set)
    for r in reports:
        per_account[r["account"]].add(r["subject_id"])
    assert len(per_account["salon_diary_ai"]) >= 5


def test_reports_within_90_days(reports, scenario):
    now = parse_ts(scenario["now"])
    for r in reports:
        ts = parse_ts(r["reported_at"])
        assert now - timedelta(days=90) <= ts < now, r["report_id"]


def test_same_subject_reports_agree(reports):
    first: dict[str, dict] = {}
    for r in reports:
        ref = first.setdefault(r["subject_id"], r)
        for f in SUBJECT_FIELDS:
            assert r.get(f) == ref.get(f), f"{r['report_id']} vs {ref['report_id']}: {f}"


def test_reporter_mix(reports):
    reporters = {r["reporter"] for r in reports}
    assert "auto_classifier" in reporters
    assert "tf_kcsc" in reporters
    assert any(x.startswith("user_") for x in reporters)
    assert {r["subject_type"] for r in reports} == SUBJECT_TYPES
    assert {"KR", "US", "GB", "DE", "JP"} <= {r.get("jurisdiction") for r in reports}
    assert {"instagram", "threads", "x"} <= {r["platform"] for r in reports}


def test_rtl_text_present(reports):
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in r.get("content_text", "")) for r in reports)


# --------------------------------------------------------------------------- scenario.json


def test_scenario_shape(scenario):
    assert parse_ts(scenario["now"]) is not None
    roles = {u["name"]: u["role"] for u in scenario["users"]}
    assert set(roles.values()) <= {"moderator", "lead", "admin"}
    assert {"moderator", "lead", "admin"} <= set(roles.values())
    assert 18 <= len(scenario["decisions"]) <= 24
    assert 3 <= len(scenario["notes"]) <= 4
    assert 1 <= len(scenario["escalations"]) <= 2


def test_decisions_valid(scenario, subjects):
    roles = {u["name"]: u["role"] for u in scenario["users"]}
    seen = set()
    for d in scenario["decisions"]:
        sid = d["subject_id"]
        assert sid in subjects, sid
        assert sid not in seen, f"{sid} decided twice"
        seen.add(sid)
        assert roles.get(d["moderator"]) in {"moderator", "lead"}
        assert d["action"] in ACTIONS
        assert d["clauses"] and set(d["clauses"]) <= CLAUSES
        assert set(d["factors"]) == set(FACTORS)
        assert all(isinstance(v, bool) for v in d["factors"].values())
        assert isinstance(d["reasoning"], str) and len(d["reasoning"].strip()) >= 40
        assert isinstance(d["canonical"], bool)
        assert isinstance(d["days_ago"], int) and d["days_ago"] > 0
    assert len(subjects) - len(seen) >= 8, "leave undecided subjects for the queue"


def test_decisions_ordered_oldest_first(scenario):
    days = [d["days_ago"] for d in scenario["decisions"]]
    assert days == sorted(days, reverse=True)


def test_decisions_after_their_reports(scenario, reports):
    now = parse_ts(scenario["now"])
    latest = defaultdict(lambda: now - timedelta(days=1000))
    for r in reports:
        latest[r["subject_id"]] = max(latest[r["subject_id"]], parse_ts(r["reported_at"]))
    for d in scenario["decisions"]:
        decided_at = now - timedelta(days=d["days_ago"])
        assert latest[d["subject_id"]] < decided_at, d["subject_id"]


def test_divergence_reason_when_off_guidance(scenario, subjects):
    divergent = 0
    for d in scenario["decisions"]:
        action, _clause = guidance(d["factors"], subjects[d["subject_id"]].get("jurisdiction", ""))
        if d["action"] != action:
            divergent += 1
            reason = d["divergence_reason"]
            assert isinstance(reason, str) and len(reason.strip()) >= 30, d["subject_id"]
        else:
            assert d["divergence_reason"] is None or d["divergence_reason"].strip()
    assert divergent >= 3


def count_inconsistent_profiles(decisions) -> int:
    by_profile = defaultdict(list)
    for d in decisions:
        by_profile[tuple(d["factors"][f] for f in FACTORS)].append(d)
    inconsistent = 0
    for ds in by_profile.values():
        pairs = [
            (a, b)
            for i, a in enumerate(ds)
            for b in ds[i + 1 :]
            if a["action"] != b["action"] and a["moderator"] != b["moderator"]
        ]
        inconsistent += bool(pairs)
    return inconsistent


def test_inconsistent_profiles(scenario):
    decisions = scenario["decisions"]
    assert count_inconsistent_profiles(decisions) >= 3
    # Still >= 3 when decisions superseded on appeal (overturned/modified) are left out.
    standing = [
        d
        for d in decisions
        if (d.get("appeal") or {}).get("outcome") not in {"overturned", "modified"}
    ]
    assert count_inconsistent_profiles(standing) >= 3


def test_appeals(scenario):
    roles = {u["name"]: u["role"] for u in scenario["users"]}
    counts = defaultdict(int)
    for d in scenario["decisions"]:
        a = d.get("appeal")
        if a is None:
            continue
        assert a["outcome"] in OUTCOMES
        counts[a["outcome"]] += 1
        assert a["appellant"] and a["grounds"].strip()
        assert isinstance(a["days_after"], int) and 0 < a["days_after"] < d["days_ago"]
        if a["outcome"] == "pending":
            assert a.get("reviewer") is None
            assert "action" not in a and "clauses" not in a
            continue
        assert a["reviewer"] != d["moderator"]
        assert roles.get(a["reviewer"]) in {"moderator", "lead"}
        assert len(a["reasoning"].strip()) >= 40
        if a["outcome"] == "modified":
            assert a["action"] in ACTIONS and a["action"] != d["action"]
            assert a["clauses"] and set(a["clauses"]) <= CLAUSES
        elif a["outcome"] == "overturned":
            assert a["clauses"] and set(a["clauses"]) <= CLAUSES
            assert "action" not in a
        else:
            assert "action" not in a and "clauses" not in a
    assert counts["upheld"] >= 2
    assert counts["overturned"] >= 2
    assert counts["modified"] >= 1
    assert counts["pending"] >= 2


def test_one_canonical_by_upheld_or_unappealed(scenario):
    canon = [d for d in scenario["decisions"] if d["canonical"]]
    assert len(canon) == 1
    appeal = canon[0].get("appeal")
    assert appeal is None or appeal["outcome"] == "upheld"


def test_notes_and_escalations(scenario, subjects):
    roles = {u["name"]: u["role"] for u in scenario["users"]}
    for n in scenario["notes"]:
        assert n["subject_id"] in subjects
        assert roles.get(n["author"]) in {"moderator", "lead"}
        assert n["text"].strip()
    for e in scenario["escalations"]:
        assert e["subject_id"] in subjects
        assert roles.get(e["by"]) in {"moderator", "lead"}
        assert e["note"].strip()


# --------------------------------------------------------------------------- other files


def test_bad_reports_fail_exactly_on_lines_2_and_4():
    records = load_jsonl("bad_reports.jsonl")
    assert len(records) == 5
    problems = {i: report_problems(r) for i, r in enumerate(records, start=1)}
    assert problems == {
        1: [],
        2: ["reporter"],
        3: [],
        4: ["reported_at", "subject_type"],
        5: [],
    }
    assert "reporter" not in records[1]


def test_hostile_reports_valid_and_hostile():
    records = load_jsonl("hostile_reports.jsonl")
    assert len(records) == 6
    for r in records:
        assert report_problems(r) == []
    text = "\n".join(
        r.get("content_text", "") + "\n" + r.get("media_description", "") for r in records
    )
    for needle in (
        "[bold red]FREE[/]",
        "[/",
        "[$accent @click=app.quit]x[/]",
        "[@click=app.screenshot()]click me[/]",
        "\x1b[31m",
        "\x1b]0;title\x07",
        "\x00",
        "\u200d",  # emoji ZWJ sequence
        "\u0301",  # combining acute accent
    ):
        assert needle in text, repr(needle)
    assert any(ch in text for ch in "\u0627\u0644\u0645")  # Arabic
    assert any("\u05d0" <= ch <= "\u05ea" for ch in text)  # Hebrew
    assert any(len(r["content_text"]) == 5000 and "\n" not in r["content_text"] for r in records)
    # JSON-escaped on disk: no raw control characters in the file itself.
    raw = (DEMO / "hostile_reports.jsonl").read_text(encoding="utf-8")
    assert not any(ch in raw for ch in "\x00\x1b\x07")


def test_reports_csv():
    with (DEMO / "reports.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == FIELDS
        rows = list(reader)
    assert 8 <= len(rows) <= 10
    jsonl_ids = {r["report_id"] for r in load_jsonl("reports.jsonl")}
    jsonl_subjects = {r["subject_id"] for r in load_jsonl("reports.jsonl")}
    for row in rows:
        rec = {k: v for k, v in row.items() if v != ""}
        for f in ("followers", "views"):
            if f in rec:
                rec[f] = int(rec[f])
        assert report_problems(rec) == [], row["report_id"]
        assert row["report_id"] not in jsonl_ids
        assert row["subject_id"] not in jsonl_subjects
    assert any("," in r["content_text"] and '"' in r["content_text"] for r in rows)
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in r["content_text"]) for r in rows)
