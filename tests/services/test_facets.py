"""queue_facets(): the distinct filter values the queue offers."""

from __future__ import annotations

from appeals_tui.services import cases
from appeals_tui.services.facets import queue_facets
from tests.conftest import case_for


def test_facets_list_platforms_jurisdictions_and_assignees(sessions):
    minji = sessions("minji")
    cases.claim(minji, case_for(minji, "S2"))
    facets = queue_facets(minji)
    assert facets.platforms == ["instagram"]
    assert facets.jurisdictions == ["KR", "US"]
    assert facets.assignees == ["minji"]
