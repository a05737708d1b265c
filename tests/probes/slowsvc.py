"""Probe: every UI service call waits 0.15 s first (a slow disk / loaded machine)."""

import time

import pytest


class _Slow:
    def __init__(self, real):
        self.real = real

    def __enter__(self):
        time.sleep(0.15)
        return self.real.__enter__()

    def __exit__(self, *exc):
        return self.real.__exit__(*exc)


@pytest.fixture(autouse=True)
def _slow_services(monkeypatch):
    from appeals_tui.ui import services

    monkeypatch.setattr(services, "SERVICE_LOCK", _Slow(services.SERVICE_LOCK))
