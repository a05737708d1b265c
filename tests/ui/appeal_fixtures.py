"""Shared set-up for the appeals UI tests: a removal decision by minji with an open appeal."""

from __future__ import annotations

from appeals_tui.services import appeals
from tests.conftest import removal


def appealed(sessions, subject: str = "S1"):
    """(decision, appeal): minji's removal, appealed by the account."""
    minji = sessions("minji")
    d = removal(minji, subject)
    a = appeals.file_appeal(minji, d.decision_id, "It is only a story, the ID is a fan page.")
    return d, a
