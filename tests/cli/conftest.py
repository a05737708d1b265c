"""CLI fixtures: a CliRunner bound to a temp workspace, and factor arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.domain.models import FACTORS


def factor_args(*yes: str) -> list[str]:
    """`--factor NAME=yes|no` for all ten factors, yes for those named."""
    unknown = set(yes) - set(FACTORS)
    assert not unknown, unknown
    return [f"--factor={name}={'yes' if name in yes else 'no'}" for name in FACTORS]


@pytest.fixture
def run(tmp_path: Path):
    """Invoke the CLI on `tmp_path/ws` as `user` (default minji); exceptions propagate."""
    runner = CliRunner()
    ws = tmp_path / "ws"

    def invoke(*args: str, user: str | None = "minji"):
        full = ["--data-dir", str(ws)] + (["--user", user] if user else []) + list(args)
        return runner.invoke(cli, full, catch_exceptions=False)

    return invoke
