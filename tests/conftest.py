"""Shared fixtures: a real workspace on disk with a small roster and a fixed clock."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appeals_tui.domain.models import FACTORS
from appeals_tui.services import intake, roster
from appeals_tui.services.session import Session, os_login

#: the throwaway PostgreSQL cluster fixtures and the CI check that PostgreSQL tests ran
pytest_plugins = ["pgserver"]


def _hermetic_environment() -> None:
    """The suite runs alike whatever the shell exported, in this process and the
    commands it starts. An exported APPEALS_DATABASE_URL (the Teams setup) sent the CLI
    tests to that server (50+ failed), APPEALS_USER acted as someone else, and NO_COLOR
    (read by each Textual app) turned every snapshot grey. The suite's own switches
    stay: APPEALS_PG_* (tests/pgserver.py) and APPEALS_CRASH_* (the crash test)."""
    for name in list(os.environ):
        ours = name.startswith(("APPEALS_PG_", "APPEALS_CRASH_"))
        if (name.startswith("APPEALS_") and not ours) or name == "NO_COLOR":
            del os.environ[name]


_hermetic_environment()

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


class Clock:
    """A clock tests can move: `clock.advance(days=200)`."""

    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kwargs: float) -> None:
        self.moment += timedelta(**kwargs)


def report(rid: str, subject: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "report_id": rid,
        "reported_at": "2026-11-19T09:00:00+09:00",
        "reporter": "user_1",
        "reason": "sexual_services",
        "platform": "instagram",
        "subject_type": "post",
        "subject_id": subject,
        "account": f"acct_{subject}",
        "content_text": f"AI로 그린 실화 {subject}",
        "media_description": "AI-generated webtoon about a salon",
        "jurisdiction": "KR",
        "followers": 12000,
        "views": 1_500_000,
    }
    row.update(extra)
    return row


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def factors(**yes: bool) -> dict[str, bool]:
    unknown = set(yes) - set(FACTORS)
    assert not unknown, unknown
    return {f: bool(yes.get(f, False)) for f in FACTORS}


GLAMOUR = factors(depicts_commercial_sex=True, narrative_framing=True, glamorization=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ws_path(tmp_path: Path, clock: Clock) -> Path:
    path = tmp_path / "ws"
    ws = roster.init_workspace(path, "root")
    admin = Session.open(ws, "root", clock=clock)
    me = os_login()  # one test login plays every role, as in the demo
    roster.add_user(admin, "minji", "moderator", me)
    roster.add_user(admin, "daniel", "moderator", me)
    roster.add_user(admin, "seoyeon", "lead", me)
    rows = [report(f"R-{i}", f"S{i}") for i in range(1, 6)]
    rows.append(report("R-6", "S1", reporter="tf_kcsc"))
    rows.append(report("R-7", "US1", jurisdiction="US"))
    intake.import_reports(admin, write_jsonl(path.parent / "reports.jsonl", rows))
    ws.close()
    return path


@pytest.fixture
def sessions(ws_path: Path, clock: Clock):
    """name -> Session on one shared Workspace object."""
    from appeals_tui.store import Workspace

    ws = Workspace.open(ws_path)
    made: dict[str, Session] = {}

    def get(name: str) -> Session:
        if name not in made:
            made[name] = Session.open(ws, name, clock=clock)
        return made[name]

    yield get
    ws.close()


def case_for(session: Session, subject: str) -> str:
    for case in session.ws.all("cases"):
        if case["subject"]["subject_id"] == subject:
            return case["case_id"]
    raise AssertionError(subject)


PROMO = factors(depicts_commercial_sex=True, narrative_framing=True, contact_means=True)


def removal(
    session: Session,
    subject: str = "S1",
    reasoning: str = "Comic ends with a KakaoTalk ID for booking; this is promotion.",
):
    """A remove_content decision under CSS-3 (narrative with contact means) on `subject`."""
    from appeals_tui.services import decisions
    from appeals_tui.services.decisions import DecisionDraft

    return decisions.decide(
        session,
        case_for(session, subject),
        DecisionDraft(
            action="remove_content",
            clause_ids=["CSS-3"],
            factors=dict(PROMO),
            reasoning=reasoning,
        ),
    )
