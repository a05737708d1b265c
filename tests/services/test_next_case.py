"""Save-and-next: the next decidable case in the queue's order, with the queue's filters."""

from __future__ import annotations

from appeals_tui.services import cases
from appeals_tui.services.cases import CaseFilter
from appeals_tui.services.next_case import next_case
from tests.conftest import case_for, removal

ACTIVE = CaseFilter(status={"open", "in_review"})


def test_next_follows_the_rows_below_then_the_top(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    order = [c.case_id for c in cases.list_cases(minji, ACTIVE, sort="priority").items]
    first, second, third = order[:3]
    # the row below the decided one comes next
    assert next_case(minji, ACTIVE, "priority", order[1:], {first}) == second
    # a case claimed by someone else is skipped; a decided one has left the queue
    cases.claim(daniel, second)
    assert next_case(minji, ACTIVE, "priority", order[1:], {first}) == third
    removal(minji, "S3")  # decided: gone from the queue, never offered
    decided = case_for(minji, "S3")
    assert decided not in {next_case(minji, ACTIVE, "priority", order, {first, c}) for c in order}
    # nothing below left: from the top of the queue
    assert next_case(minji, ACTIVE, "priority", (), {first}) in order
    # the queue's filters hold: only US cases when the queue shows only US
    us = CaseFilter(status={"open", "in_review"}, jurisdiction="US")
    assert next_case(minji, us, "priority", order, set()) == case_for(minji, "US1")
    assert next_case(minji, us, "priority", order, {case_for(minji, "US1")}) is None
