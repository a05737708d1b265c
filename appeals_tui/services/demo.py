"""Build the demo workspace by replaying `data/demo/scenario.json` through the services.

Nothing is written behind the services' back: every decision, appeal and note in
the demo passed the same validation a moderator's would, with the clock set back
to when the scenario says it happened.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from ..domain.errors import StoreError
from ..domain.models import Report
from ..domain.reports import ParsedReport
from ..domain.timeutil import parse_ts, utcnow
from ..paths import data_dir
from ..store.factory import open_store, store_exists
from ..store.protocol import Store
from . import appeals, cases, decisions, intake, roster
from .demo_images import DEMO_IMAGES, render_demo_image
from .session import Session, os_login

__all__ = ["demo_dir", "build_demo", "DEMO_ADMIN"]

DEMO_ADMIN = "admin"
#: how long after a report the demo's intake stores it
INTAKE_DELAY = timedelta(minutes=6)


def demo_dir() -> Path:
    return Path(platformdirs.user_data_dir("appeals-tui", appauthor=False)) / "demo"


def demo_users() -> list[tuple[str, str]]:
    """(name, role) of the demo roster, in the scenario's order."""
    return [(u["name"], u["role"]) for u in _scenario()["users"]]


def _scenario() -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(
        (data_dir() / "demo" / "scenario.json").read_text(encoding="utf-8")
    )
    return scenario


class _Clock:
    """A settable clock so replayed history carries the scenario's dates."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def build_demo(path: Path, *, now: datetime | None = None) -> bool:
    """Create the demo workspace at `path` unless one exists; True if it was built now."""
    path = Path(path)
    if store_exists(path):
        if not _holds_the_demo(path):
            raise StoreError(
                f"{path} holds a workspace that is not the demo (the demo users are not on "
                "its roster); give the demo its own --data-dir"
            )
        return False
    partial = path.with_name(path.name + ".building")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        _build(partial, now or utcnow())
    except Exception:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if store_exists(path):  # another process won the race
        shutil.rmtree(partial, ignore_errors=True)
        return False
    if path.exists() and not any(path.iterdir()):
        path.rmdir()
    elif path.exists():
        raise StoreError(f"{path} exists and is not a workspace; choose another --data-dir")
    partial.rename(path)
    return True


def _holds_the_demo(path: Path) -> bool:
    """True when the workspace at `path` has the demo's roster (each user, same role)."""
    with open_store(path) as ws:
        for name, role in demo_users():
            user = ws.get("users", name)
            if user is None or user.get("role") != role:
                return False
    return True


def _build(path: Path, now: datetime) -> None:
    scenario = _scenario()
    clock = _Clock(now - timedelta(days=120))
    ws = roster.init_workspace(path, DEMO_ADMIN)
    _use_clock(ws, clock)
    sessions: dict[str, Session] = {}

    def as_user(name: str) -> Session:
        if name not in sessions:
            sessions[name] = Session.open(ws, name, clock=clock)
        return sessions[name]

    for user in scenario["users"]:
        if user["name"] != DEMO_ADMIN:
            # every demo user is played by whoever built the demo
            roster.add_user(as_user(DEMO_ADMIN), user["name"], user["role"], os_login())
    demo_files = data_dir() / "demo"
    first_mod = next(u["name"] for u in scenario["users"] if u["role"] == "moderator")
    shift = now - parse_ts(scenario["now"])
    with tempfile.TemporaryDirectory(prefix="appeals-demo-") as tmp:
        images = Path(tmp) / "images"
        images.mkdir()
        for image_name in DEMO_IMAGES:
            (images / image_name).write_bytes(render_demo_image(image_name))
        arrivals = []
        for name in ("reports.jsonl", "reports.csv"):
            shutil.copyfile(demo_files / name, Path(tmp) / name)
            checked, collector = intake.parse_with_media(ws, Path(tmp) / name)
            for p in checked:
                arrivals.append((ParsedReport(p.line, _shifted(p.report, shift)), name, collector))
        # each report arrives when it was reported (a few minutes later), so a case's
        # timeline opens with its first report, not on the day the demo was built
        arrivals.sort(key=lambda a: parse_ts(a[0].report.reported_at))
        for item, name, collector in arrivals:
            arrived = parse_ts(item.report.reported_at) + INTAKE_DELAY
            clock.moment = min(arrived, now - timedelta(minutes=1))
            intake.import_parsed(as_user(first_mod), [item], source=name, media=collector)
    case_by_subject = {c["subject"]["subject_id"]: c["case_id"] for c in ws.iterate("cases")}
    for item in scenario["decisions"]:
        _replay_decision(item, case_by_subject, as_user, clock, now)
    clock.moment = now - timedelta(hours=2)
    for note in scenario.get("notes", []):
        case_id = case_by_subject[note["subject_id"]]
        cases.add_note(as_user(note["author"]), f"case:{case_id}", note["text"])
    for esc in scenario.get("escalations", []):
        case_id = case_by_subject[esc["subject_id"]]
        case = ws.get("cases", case_id)
        if case and case["status"] in ("open", "in_review"):
            cases.escalate(as_user(esc["by"]), case_id, esc["note"])
    ws.close()


def _replay_decision(
    item: dict[str, Any],
    case_by_subject: dict[str, str],
    as_user: Callable[[str], Session],
    clock: _Clock,
    now: datetime,
) -> None:
    case_id = case_by_subject[item["subject_id"]]
    decided = now - timedelta(days=item["days_ago"])
    clock.moment = decided - timedelta(minutes=20)
    moderator = as_user(item["moderator"])
    cases.claim(moderator, case_id)
    clock.moment = decided
    draft = decisions.DecisionDraft(
        action=item["action"],
        clause_ids=list(item["clauses"]),
        factors=dict(item["factors"]),
        reasoning=item["reasoning"],
        divergence_reason=item.get("divergence_reason"),
    )
    decision = decisions.decide(moderator, case_id, draft)
    if item.get("canonical"):
        lead = next(_leads(as_user))
        decisions.set_canonical(
            lead, decision.decision_id, True, "Reference case for this profile."
        )
    spec = item.get("appeal")
    if not spec:
        return
    clock.moment = decided + timedelta(days=spec.get("days_after", 2))
    appeal = appeals.file_appeal(
        moderator,
        decision.decision_id,
        spec["grounds"],
        spec.get("appellant"),
        spec.get("new_information", ""),
    )
    if spec.get("outcome", "pending") == "pending":
        return
    clock.moment += timedelta(days=1)
    reviewer = as_user(spec["reviewer"])
    appeals.resolve_appeal(
        reviewer,
        appeal.appeal_id,
        spec["outcome"],
        spec["reasoning"],
        action=spec.get("action"),
        clause_ids=spec.get("clauses"),
        factors=spec.get("factors"),
    )


def _shifted(report: Report, shift: timedelta) -> Report:
    """Move a scenario report by the time since the scenario's `now`, so SLAs look live."""
    moved = parse_ts(report.reported_at) + shift
    return dataclasses.replace(report, reported_at=moved.isoformat(timespec="seconds"))


def _leads(as_user: Callable[[str], Session]) -> Iterator[Session]:
    scenario = _scenario()
    for user in scenario["users"]:
        if user["role"] == "lead":
            yield as_user(user["name"])


def _use_clock(ws: Store, clock: Callable[[], datetime]) -> None:
    """Audit events of the replay carry the replayed time too."""
    ws.clock = clock
