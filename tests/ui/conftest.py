"""UI fixtures: a real workspace on a fixed clock, sessions per user, and a settle helper."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from appeals_tui.services import intake
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from appeals_tui.ui.app import AppealsApp, make_app
from tests.conftest import Clock, write_jsonl


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursor blink off so snapshots and timing do not depend on the moment of capture."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    monkeypatch.setattr(TextArea, "cursor_blink", False, raising=False)


@pytest.fixture
def ui_ws(ws_path: Path, clock: Clock) -> Iterator[Workspace]:
    ws = Workspace.open(ws_path, clock=clock)
    yield ws
    ws.close()


@pytest.fixture
def session_for(ui_ws: Workspace, clock: Clock) -> Callable[[str], Session]:
    def get(name: str) -> Session:
        return Session.open(ui_ws, name, clock=clock)

    return get


@pytest.fixture
def minji(session_for: Callable[[str], Session]) -> Session:
    return session_for("minji")


@pytest.fixture
def app(minji: Session) -> AppealsApp:
    return make_app(minji)


def import_rows(session: Session, tmp_path: Path, rows: list[dict[str, object]]) -> None:
    """Import reports through the real intake service (as the CLI would)."""
    path = write_jsonl(tmp_path / f"import-{len(list(tmp_path.iterdir()))}.jsonl", rows)
    intake.import_reports(session, path)


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let workers finish and their callbacks (which may start more workers) run.

    A worker's result arrives through `call_from_thread`, and its callback may start
    another worker, so keep going until a pause leaves no worker running. A worker
    cancelled meanwhile (its screen closed, or an exclusive load replaced it: on a slow
    machine it is still running then) has nothing to wait for: the others still are.
    """
    for attempt in range(rounds + 20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # the pause and the check below see to the rest
        await pilot.pause()
        idle = not any(w.is_running for w in pilot.app.workers)
        if attempt >= rounds - 1 and idle:
            break


async def until(pilot: Pilot, ready: Callable[[], bool], timeout: float = 30) -> None:
    """Settle until `ready()` holds, or `timeout` seconds passed (the caller then asserts).

    For what a debounce timer starts (the decide screen's live check 0.2 s after a
    change, the queue's search 0.3 s after typing): a fixed pause of 0.3-0.4 s failed
    when a loaded event loop ran the timer late (simulated: every timer 0.5 s late).
    """
    deadline = time.monotonic() + timeout
    await settle(pilot)
    while not ready() and time.monotonic() < deadline:
        await pilot.pause(0.05)
        await settle(pilot)
