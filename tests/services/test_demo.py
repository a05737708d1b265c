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
