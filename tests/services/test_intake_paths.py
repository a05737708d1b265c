"""The staged import and the one-transaction import store the same records.

Why: the staged import (services/staged_import.py, every `appeals import reports`)
builds its report and case records straight from the validated rows, without the
`Report`/`Case` dataclasses the one-transaction path (`intake.import_parsed`: the demo,
the bench builder) goes through. Whatever either does to go fast, the same file into
the same workspace must give the same cases, reports and case links.
"""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals_tui.domain.models import Case, CaseStatus, Report
from appeals_tui.services import intake, staged_import
from appeals_tui.services.report_files import parse_report_file
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from tests.conftest import removal, report, write_jsonl

TABLES = ("cases", "reports")


def _records(ws: Workspace) -> dict[str, dict[str, dict]]:
    """Records without `version`: the one-transaction path updates a case once per report."""
    return {
        t: {
            d[next(iter(d))]: {k: v for k, v in d.items() if k != "version"}
            for d in ws.query(t).rows
        }
        for t in TABLES
    }


def _rows() -> list[dict[str, object]]:
    hostile = '탭\t줄바꿈\n역슬래시\\ 따옴표" \x01 NUL\x00 끝 010-4827-1936 카톡 abc123'
    return [
        report("P-1", "S1", content_text=hostile),  # joins the open case of S1
        report("P-2", "S1", followers=99_000_000, reported_at="2026-11-18T09:00:00+09:00"),
        report("P-3", "S2"),  # S2 is decided: a new case linked to it
        *(
            report(
                f"P-{n}",
                f"NEW{n % 7}",
                account=f"acct_{n % 5}",
                reported_at=f"2026-11-{10 + n % 9:02d}T0{n % 10}:00:00+09:00",
            )
            for n in range(4, 30)
        ),
        report("P-30", "NEW1", content_text="", media_description=" ", url="http://x/\t"),
        report("P-31", "NEW2", jurisdiction="us", followers="12", views=None),
        report("P-32", "NEW3", subject_type="reel", reporter="  spaced  "),
        {k: v for k, v in report("P-33", "NEW4").items() if k not in ("content_text", "views")},
        report("R-1", "S1"),  # imported before with the same content: skipped
    ]


def test_staged_and_transaction_imports_store_the_same_records(
    ws_path, clock, tmp_path, monkeypatch
):
    monkeypatch.setattr(staged_import, "_BATCH", 4)  # groups staged over several batches
    other = tmp_path / "other"
    ws = Workspace.open(ws_path)
    removal(Session.open(ws, "minji", clock=clock), "S2")  # S2's case is decided
    ws.close()
    shutil.copytree(ws_path, other)
    path = write_jsonl(tmp_path / "batch.jsonl", _rows())
    a, b = Workspace.open(ws_path), Workspace.open(other)
    try:
        staged = intake.import_reports(Session.open(a, "minji", clock=clock), path)
        parsed = parse_report_file(path)
        direct = intake.import_parsed(Session.open(b, "minji", clock=clock), parsed, str(path))
        assert staged.to_dict() == direct.to_dict()
        assert staged.imported == 33 and staged.skipped == 1
        got, want = _records(a), _records(b)
        for table in TABLES:
            assert sorted(got[table]) == sorted(want[table]), table
            for key, doc in want[table].items():
                assert got[table][key] == doc, (table, key)
        assert a.verify().ok and b.verify().ok
    finally:
        a.close()
        b.close()


_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=_text,
    media=_text,
    jurisdiction=st.sampled_from(["", "KR", "US"]),
    followers=st.one_of(st.none(), st.integers(0, 10**12)),
    views=st.one_of(st.none(), st.integers(0, 10**12)),
    url=st.one_of(st.none(), _text),
    linked=st.one_of(st.none(), st.just("C-000009")),
)
def test_records_built_from_rows_equal_the_dataclasses(
    content, media, jurisdiction, followers, views, url, linked
):
    clean: dict[str, object] = {
        "report_id": "R-1",
        "reported_at": "2026-11-19T09:00:00+09:00",
        "reporter": "u",
        "reason": "r",
        "platform": "p",
        "subject_type": "post",
        "subject_id": "s",
        "account": "a",
        "content_text": content,
        "media_description": media,
        "jurisdiction": jurisdiction,
        "followers": followers,
        "views": views,
        "url": url,
    }
    clean = {k: v for k, v in clean.items() if v is not None}
    doc = staged_import.report_doc(clean)
    want = Report.from_dict(clean).to_dict()
    assert doc == want and list(doc) == list(want)
    case = intake.new_case(doc, "C-000010", "2026-11-20T00:00:00+00:00", linked)
    ref = Case(
        case_id="C-000010",
        subject={
            "platform": "p",
            "subject_type": "post",
            "subject_id": "s",
            "account": "a",
            "url": url,
        },
        content_text=want["content_text"],
        media_description=want["media_description"],
        jurisdiction=want["jurisdiction"],
        metrics={"followers": followers or 0, "views": views or 0},
        report_ids=[],
        created_at="2026-11-20T00:00:00+00:00",
        updated_at="2026-11-20T00:00:00+00:00",
        first_reported_at="2026-11-19T09:00:00+09:00",
        linked_case=linked,
    ).to_dict()
    assert case == ref and list(case) == list(ref)
    assert type(case["status"]) is CaseStatus
