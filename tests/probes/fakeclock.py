"""Probe: the real clock (utcnow, the workspace's clock) reads FAKE_NOW instead of now,
moving on from there in real time. FAKE_NOW=2026-12-01T00:00:30+00:00 etc."""

import os
from datetime import UTC, datetime

_target = datetime.fromisoformat(os.environ["FAKE_NOW"])
_offset = _target - datetime.now(UTC)


class _Fake(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + _offset


def pytest_configure(config):
    from appeals_tui.domain import timeutil
    from appeals_tui.store import workspace

    timeutil.datetime = _Fake
    workspace.datetime = _Fake
