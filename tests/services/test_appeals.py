"""Appeals: window, duplicates, separation of duties, supersession, strikes."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ConflictError, PermissionDenied, ValidationError
from appeals_tui.domain.models import Appeal, Decision, Page
from appeals_tui.services import appeals, decisions, history
from tests.conftest import PROMO
from tests.conftest import removal as _removal


def test_file_within_window_then_duplicate_refused(sessions, clock):
    minji = sessions("minji")
    d = removal(minji)
    appeal = appeals.file_appeal(minji, d.decision_id, "It is only a story.", "acct_S3")
    assert appeal.status == "open" and appeal.appellant == "acct_S3"
    assert appeal.due_at > appeal.filed_at
    with pytest.raises(ValidationError, match="already has an open appeal"):
        appeals.file_appeal(minji, d.decision_id, "again")
    assert minji.ws.get("cases", d.case_id)["status"] == "appealed"


def test_window_closed(sessions, clock):
    minji = sessions("minji")
    d = removal(minji)
    clock.advance(days=181)
    with pytest.raises(ValidationError, match="appeal window closed"):
        appeals.file_appeal(minji, d.decision_id, "late")


def test_window_configurable(sessions, clock):
    from appeals_tui.services import roster

    roster.set_config(sessions("root"), "appeal_window_days", "30")
    minji = sessions("minji")
    d = removal(minji)
    clock.advance(days=31)
    with pytest.raises(ValidationError, match="30 days"):
        appeals.file_appeal(minji, d.decision_id, "late")


def test_empty_grounds_refused(sessions):
    minji = sessions("minji")
    d = removal(minji)
    with pytest.raises(ValidationError, match="grounds"):
        appeals.file_appeal(minji, d.decision_id, "   ")


def test_reviewer_never_original_moderator(sessions):
    minji = sessions("minji")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "It is fiction.")
    with pytest.raises(PermissionDenied, match="someone else"):
        appeals.claim_appeal(minji, a.appeal_id)
    with pytest.raises(PermissionDenied):
        appeals.resolve_appeal(minji, a.appeal_id, "upheld", "I still think this is right.")


def test_upheld_keeps_decision_and_strike(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "It is fiction.")
    appeals.claim_appeal(daniel, a.appeal_id)
    with pytest.raises(ConflictError):
        appeals.claim_appeal(sessions("seoyeon"), a.appeal_id)
    done = appeals.resolve_appeal(
        daniel, a.appeal_id, "upheld", "Contact ID is visible in panel 8; promotion stands."
    )
    assert done.outcome == "upheld" and done.new_decision_id is None
    assert daniel.ws.get("decisions", d.decision_id)["appeal_outcome"] == "upheld"
    assert [s["status"] for s in daniel.ws.all("strikes")] == ["active"]


def test_overturn_supersedes_and_removes_strike(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "The handle is a fan account, not contact.")
    done = appeals.resolve_appeal(
        daniel,
        a.appeal_id,
        "overturned",
        "The handle belongs to an unrelated fan page; no contact means.",
    )
    new = daniel.ws.get("decisions", done.new_decision_id)
    old = daniel.ws.get("decisions", d.decision_id)
    assert new["supersedes"] == d.decision_id and old["superseded_by"] == new["decision_id"]
    assert new["action"] == "no_action" and new["moderator"] == "daniel"
    assert [s["status"] for s in daniel.ws.all("strikes")] == ["removed"]
    ids = [x.decision_id for x in history.iter_history(daniel)]
    assert set(ids) == {d.decision_id, new["decision_id"]}
    assert decisions.precedents_for(daniel, dict(PROMO)) == [] or all(
        r.decision["decision_id"] != d.decision_id
        for r in decisions.precedents_for(daniel, dict(PROMO))
    )
    types = [e["type"] for e in daniel.ws.events()]
    assert "appeal.resolved" in types and "strike.removed" in types


def test_modified_requires_action_and_creates_decision(sessions):
    minji, lead = sessions("minji"), sessions("seoyeon")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "Too harsh.")
    with pytest.raises(ValidationError, match="modified outcome needs"):
        appeals.resolve_appeal(
            lead, a.appeal_id, "modified", "Should be a lesser action than removal."
        )
    done = appeals.resolve_appeal(
        lead,
        a.appeal_id,
        "modified",
        "Contact handle was cropped; glamorizing only, restrict reach.",
        action="restrict_reach",
        clause_ids=["CSS-4"],
    )
    new = lead.ws.get("decisions", done.new_decision_id)
    assert new["action"] == "restrict_reach" and new["supersedes"] == d.decision_id
    with pytest.raises(ValidationError, match="already resolved"):
        appeals.resolve_appeal(lead, a.appeal_id, "upheld", "Second attempt at resolving this.")


def test_list_appeals_overdue_and_filters(sessions, clock):
    minji = sessions("minji")
    d = removal(minji)
    appeals.file_appeal(minji, d.decision_id, "It is fiction.")
    clock.advance(days=8)
    rows = appeals.list_appeals(minji)
    assert rows[0].overdue is True and rows[0].decision is not None
    assert (
        appeals.list_appeals(minji, appeals.AppealFilter(status={"open"}, moderator="daniel")) == []
    )
    assert (
        len(appeals.list_appeals(minji, appeals.AppealFilter(status={"open"}, clause="CSS-3"))) == 1
    )


def test_page_appeals_clamps_to_the_last_page_start(sessions):
    minji = sessions("minji")
    for subject in ("S1", "S2", "S3"):
        d = removal(minji, subject)
        appeals.file_appeal(minji, d.decision_id, "It is fiction.")
    page = appeals.page_appeals(minji, offset=10, limit=2)
    assert (page.offset, page.total, len(page.items)) == (2, 3, 1)
    # the generic read model of every paged service result, plus the overdue count
    assert isinstance(page, Page) and page.limit == 2 and page.overdue == 0
    assert isinstance(page.items[0], appeals.AppealListing)
    assert isinstance(page.items[0].appeal, Appeal) and isinstance(page.items[0].decision, Decision)


def removal(session, subject="S3"):
    return _removal(session, subject)


def test_a_modified_outcome_names_each_problem_once(sessions):
    """One `field:` prefix per problem (issue 14, item 8): `action: action: …` was printed."""
    minji, lead = sessions("minji"), sessions("seoyeon")
    d = removal(minji)
    a = appeals.file_appeal(minji, d.decision_id, "Too harsh.")
    reasoning = "Contact handle was cropped; glamorizing only, restrict reach."
    for action, clause, expected in (
        ("restrict_reach", "CSS-3", "action: 'restrict_reach' is not allowed by CSS-3 v1"),
        ("bogus", "CSS-4", "action: unknown action 'bogus'"),
        ("label", "CSS-99", "clause: unknown clause 'CSS-99'"),
    ):
        with pytest.raises(ValidationError) as err:
            appeals.resolve_appeal(
                lead, a.appeal_id, "modified", reasoning, action=action, clause_ids=[clause]
            )
        assert [p[: len(expected)] for p in err.value.problems] == [expected]
        assert str(err.value).startswith(expected)
    assert appeals.get_appeal(lead, a.appeal_id).status == "open"
