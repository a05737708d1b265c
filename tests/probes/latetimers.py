"""Probe: every one-shot Textual timer fires 0.5 s late (an event loop stalled by load)."""

import pytest


@pytest.fixture(autouse=True)
def _late_timers(monkeypatch):
    from textual.message_pump import MessagePump

    real = MessagePump.set_timer

    def late(self, delay, callback=None, *args, **kwargs):
        return real(self, delay + 0.5, callback, *args, **kwargs)

    monkeypatch.setattr(MessagePump, "set_timer", late)
