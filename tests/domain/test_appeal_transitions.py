"""Appeal state transitions are domain methods with their rules beside them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appeals_tui.domain.errors import ConflictError, ValidationError
from appeals_tui.domain.models import Appeal, AppealOutcome

OPEN = Appeal(
    "A-1",
    "D-1",
    "2026-01-01T00:00:00+00:00",
    "u",
    "It is fiction.",
    due_at="2026-01-08T00:00:00+00:00",
)


def test_claim_puts_the_appeal_in_review_by_the_claimer():
    assert OPEN.claim("daniel") == {"status": "in_review", "reviewer": "daniel"}


def test_claim_of_an_appeal_someone_else_reviews_is_a_conflict():
    taken = Appeal.from_dict({**OPEN.to_dict(), "status": "in_review", "reviewer": "seoyeon"})
    with pytest.raises(ConflictError, match="seoyeon"):
        taken.claim("daniel")
    assert taken.claim("seoyeon")["reviewer"] == "seoyeon"  # claiming again is harmless


def test_a_resolved_appeal_is_neither_claimed_nor_resolved_again():
    done = Appeal.from_dict({**OPEN.to_dict(), "status": "resolved", "outcome": "upheld"})
    with pytest.raises(ValidationError, match="already resolved"):
        done.claim("daniel")
    with pytest.raises(ValidationError, match="already resolved"):
        done.resolve("daniel", AppealOutcome.OVERTURNED, "Reason enough.", "2026-01-02", None)


def test_resolve_names_every_field_it_changes():
    changes = OPEN.resolve("daniel", AppealOutcome.MODIFIED, "Reason.", "2026-01-02", "D-2")
    assert changes == {
        "status": "resolved",
        "reviewer": "daniel",
        "outcome": "modified",
        "resolution_reasoning": "Reason.",
        "resolved_at": "2026-01-02",
        "new_decision_id": "D-2",
    }


def test_overdue_only_while_unresolved_past_due():
    later = datetime(2026, 1, 9, tzinfo=UTC)
    assert OPEN.overdue(later) and not OPEN.overdue(datetime(2026, 1, 7, tzinfo=UTC))
    done = Appeal.from_dict({**OPEN.to_dict(), "status": "resolved"})
    assert not done.overdue(later)


def test_read_models_are_frozen():
    with pytest.raises(AttributeError):
        OPEN.status = "resolved"  # type: ignore[misc]  # the point of the test
