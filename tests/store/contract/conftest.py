"""The backend contract suite's one fixture, parametrised over every backend.

TinyDB's own tests/conftest.py habit: every test here runs against every storage
backend, so this directory is the definition of a backend.

Adding a backend (e.g. PostgreSQL): write a `ContractBackend` subclass and add it
to `BACKENDS` below. It must hand out a fresh, empty target per test (a directory
or a database URL `appeals_tui.store.factory.open_store` accepts, also from a child
process), and be able to damage one stored event so `verify` has something to
find. Don't skip: CI provides what the backend needs.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appeals_tui.store.factory import create_store, open_store
from appeals_tui.store.protocol import Store

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
WRITERS = HERE.parent  # tests/store: concurrent_writer.py, crash_writer.py


class ContractBackend:
    """How the suite makes targets for one backend and damages them."""

    name: str

    def target(self, tmp_path: Path) -> str:
        """A fresh target where no store exists yet."""
        raise NotImplementedError

    def tamper_event(self, target: str, seq: int) -> None:
        """Change the payload of stored audit event `seq` behind the store's back
        (the store is closed), as an attacker with write access would."""
        raise NotImplementedError


class Embedded(ContractBackend):
    """The TinyDB workspace directory (appeals_tui/store/workspace.py)."""

    name = "embedded"

    def target(self, tmp_path: Path) -> str:
        return str(tmp_path / "ws")

    def tamper_event(self, target: str, seq: int) -> None:
        from appeals_tui.store.journal import JOURNAL, decode_line, encode_line

        path = Path(target) / JOURNAL
        lines = path.read_bytes().split(b"\n")[:-1]
        for i, line in enumerate(lines[1:], start=1):
            record = decode_line(line)
            for event in record.get("events", []):
                if event["seq"] == seq:
                    event["payload"]["tampered"] = True
                    lines[i] = encode_line(record)[:-1]
        path.write_bytes(b"".join(line + b"\n" for line in lines))


#: name -> backend; every contract test runs once per entry
BACKENDS: dict[str, ContractBackend] = {b.name: b for b in (Embedded(),)}


def fixed_clock() -> Callable[[], datetime]:
    ticks = itertools.count()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> ContractBackend:
    return BACKENDS[request.param]


@pytest.fixture
def target(backend: ContractBackend, tmp_path: Path) -> str:
    return backend.target(tmp_path)


@pytest.fixture
def store(target: str) -> Iterator[Store]:
    s = create_store(target, clock=fixed_clock())
    yield s
    s.close()


@pytest.fixture
def second(store: Store, target: str) -> Iterator[Store]:
    """Another handle on the same store, as another process would open it."""
    s = open_store(target)
    yield s
    s.close()


@pytest.fixture
def spawn() -> Callable[..., subprocess.Popen[bytes]]:
    """Start one of tests/store's child writers (concurrent_writer.py, crash_writer.py)."""

    def start(script: str, *args: str) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return subprocess.Popen(
            [sys.executable, str(WRITERS / script), *args], stdout=subprocess.PIPE, env=env
        )

    return start
