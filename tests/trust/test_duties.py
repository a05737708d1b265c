"""Finding 7: separation of duties covers the whole chain of a case, and QA."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import PermissionDenied
from appeals_tui.services import appeal_review, appeals, qa
from tests.conftest import removal


def test_nobody_reviews_an_appeal_in_a_chain_they_decided_in(sessions) -> None:
    minji, daniel, lead = sessions("minji"), sessions("daniel"), sessions("seoyeon")
    first = removal(minji)
    appeal = appeals.file_appeal(minji, first.decision_id, "It is a story, not an ad.")
    done = appeals.resolve_appeal(
        daniel,
        appeal.appeal_id,
        "modified",
        "The contact handle is cropped out; glamorizing only, so restrict reach.",
        action="restrict_reach",
        clause_ids=["CSS-4"],
    )
    second = appeals.file_appeal(daniel, done.new_decision_id, "Still too harsh.")
    # minji made the first decision of this chain: she may not restore it
    with pytest.raises(PermissionDenied, match=first.decision_id):
        appeals.claim_appeal(minji, second.appeal_id)
    with pytest.raises(PermissionDenied):
        appeals.resolve_appeal(
            minji, second.appeal_id, "overturned", "My removal was right all along, restore it."
        )
    assert appeal_review.review_file(minji, second.appeal_id).own_decision is True
    assert appeals.claim_appeal(lead, second.appeal_id).reviewer == "seoyeon"


def test_nobody_reviews_their_own_qa_sample(sessions) -> None:
    removal(sessions("minji"))
    with pytest.raises(PermissionDenied, match="someone else must re-review"):
        qa.draw_sample(sessions("seoyeon"), size=1, reviewer="seoyeon", seed=1)
