"""The demo workspace builds through the services and has content for every screen."""

from __future__ import annotations

from collections import Counter

from appeals_tui.services import demo
from appeals_tui.services.session import Session, os_login
from appeals_tui.store import Workspace


def test_demo_builds_once_with_full_history(tmp_path):
    path = tmp_path / "demo"
    assert demo.build_demo(path) is True
    assert demo.build_demo(path) is False
    ws = Workspace.open(path)
    assert ws.verify().ok
    assert ws.count("reports") >= 40
    cases = ws.all("cases")
    assert len({c["subject"]["subject_id"] for c in cases}) >= 25
    statuses = Counter(c["status"] for c in cases)
    assert (
        statuses["open"] >= 5
        and statuses["decided"]
        and statuses["resolved"]
        and statuses["appealed"]
    )
    outcomes = Counter(a.get("outcome") or "pending" for a in ws.all("appeals"))
    assert outcomes["upheld"] >= 2 and outcomes["overturned"] >= 2 and outcomes["modified"] >= 1
    assert outcomes["pending"] >= 2
    roles = {u["name"]: u["role"] for u in ws.all("users")}
    assert {u["login"] for u in ws.all("users")} == {os_login()}  # the builder plays everyone
    assert Counter(roles.values())["moderator"] >= 2 and "lead" in roles.values()
    assert any(d.get("canonical") for d in ws.all("decisions"))
    assert any(d.get("diverged") for d in ws.all("decisions"))
    texts = " ".join(c["content_text"] for c in cases)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in texts) and "AI" in texts
    session = Session.open(ws, "minji")
    assert session.role.value == "moderator"
    ws.close()


def test_demo_events_carry_replayed_dates(tmp_path):
    path = tmp_path / "demo"
    demo.build_demo(path)
    ws = Workspace.open(path)
    decided = {e["at"][:10] for e in ws.events() if e["type"] == "decision.recorded"}
    assert len(decided) > 5  # spread over the scenario's weeks, not all "today"
    ws.close()


def test_demo_queue_mixes_due_and_overdue_and_timelines_follow_the_reports(tmp_path):
    """#15: not every queue case overdue; a case's timeline opens when its first report
    arrived (C-000031 opened on 2026-08-02 while its reports were from November)."""
    from datetime import UTC, datetime, timedelta

    from appeals_tui.domain.timeutil import parse_ts
    from appeals_tui.services.cases import case_file, sla_state

    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    path = tmp_path / "demo"
    demo.build_demo(path, now=now)
    ws = Workspace.open(path)
    try:
        minji = Session.open(ws, "minji", clock=lambda: now)
        waiting = [c for c in ws.all("cases") if c["status"] in ("open", "in_review")]
        states = Counter(sla_state(minji, c["first_reported_at"])[0] for c in waiting)
        assert states["ok"] >= 2 and states["due"] >= 1 and states["overdue"] >= 5, states
        for case in ws.all("cases"):
            reports = [ws.get("reports", r) for r in case["report_ids"]]
            first = min(parse_ts(r["reported_at"]) for r in reports)
            opened = parse_ts(case_file(minji, case["case_id"]).timeline[0].at)
            assert first <= opened <= first + timedelta(hours=1), case["case_id"]
            assert opened <= now
    finally:
        ws.close()


def test_demo_refuses_a_workspace_that_is_not_the_demo(tmp_path):
    """`APPEALS_DATA_DIR=~/t-and-s appeals demo` said "using existing demo workspace", listed
    demo users that were not there and failed to open as minji."""
    import pytest

    from appeals_tui.domain.errors import StoreError
    from appeals_tui.services import roster

    path = tmp_path / "team"
    roster.init_workspace(path, "root").close()
    before = sorted(p.name for p in path.iterdir())
    with pytest.raises(StoreError, match="is not the demo"):
        demo.build_demo(path)
    assert sorted(p.name for p in path.iterdir()) == before
