"""Fixtures for store tests: a fresh workspace with a deterministic clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import fixed_clock

from appeals_tui.store import Workspace


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.create(ws_path, clock=fixed_clock())
    yield workspace
    workspace.close()
