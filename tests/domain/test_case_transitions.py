"""Case state transitions are domain methods with their rules beside them."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ConflictError, ValidationError
from appeals_tui.domain.models import Case

AT = "2026-11-20T00:00:00+00:00"
OPEN = Case("C-1", {"platform": "x", "subject_type": "post", "subject_id": "1", "account": "a"})


def _as(**fields):
    return Case.from_dict({**OPEN.to_dict(), **fields})


def test_claim_an_open_case():
    assert OPEN.claim("minji", AT) == {"status": "in_review", "assignee": "minji", "updated_at": AT}


def test_claiming_your_own_claim_changes_nothing():
    assert _as(status="in_review", assignee="minji").claim("minji", AT) is None


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"status": "in_review", "assignee": "daniel"}, "claimed by daniel"),
        ({"status": "decided"}, "decided"),
    ],
)
def test_claim_conflicts(fields, says):
    with pytest.raises(ConflictError, match=says):
        _as(**fields).claim("minji", AT)


def test_release_only_a_claimed_case():
    assert _as(status="in_review", assignee="minji").release(AT)["assignee"] is None
    with pytest.raises(ValidationError, match="not claimed"):
        OPEN.release(AT)


@pytest.mark.parametrize("status", ["decided", "appealed", "resolved"])
def test_only_undecided_cases_are_reassigned_or_escalated(status):
    with pytest.raises(ValidationError, match="only undecided"):
        _as(status=status).reassign("daniel", AT)
    with pytest.raises(ValidationError, match="only undecided"):
        _as(status=status).escalate(AT)
    assert OPEN.reassign("daniel", AT)["assignee"] == "daniel"
    assert OPEN.escalate(AT) == {"escalated": True, "updated_at": AT}
