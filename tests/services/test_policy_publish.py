"""Publishing a policy draft on the demo: stored versions, the library in force on every
later open, the audit event with the draft's hash, and the leads' re-review queue."""

from __future__ import annotations

import hashlib
import json

import pytest

from appeals_tui.domain.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from appeals_tui.paths import data_dir
from appeals_tui.services import appeals, demo
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.policy_impact import policy_impact
from appeals_tui.services.policy_versions import _store_version, published_versions
from appeals_tui.services.rereview import (
    confirm_rereview,
    publish_policy,
    rereview_queue,
    supersede_rereview,
)
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace

DRAFT = data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json"
WHY = "From December, narratives that glamorize selling sex are removed, not only demoted."
KEEP = "The comic shows the exit from the work; it does not glamorize it, so the label stays."
NEW = "Under CSS-4 v3 a narrative that glamorizes commercial sex is removed."
DIVERGE = "The labelled twin shows an exit story; this one glamorizes the money."


@pytest.fixture
def ws(tmp_path):
    path = tmp_path / "demo"
    demo.build_demo(path)
    ws = Workspace.open(path)
    yield ws
    ws.close()


def lead(ws) -> Session:
    return Session.open(ws, "seoyeon")


def subject(ws, decision_id: str) -> str:
    return ws.get("cases", ws.get("decisions", decision_id)["case_id"])["subject"]["subject_id"]


def test_publish_makes_the_draft_current_for_every_later_open(ws):
    before = lead(ws)
    assert before.library.library_version == "2026.06-1"
    result = publish_policy(before, DRAFT, WHY)
    assert (result.library_version, result.from_version) == ("2026.12-draft", "2026.06-1")
    assert result.draft_sha256 == hashlib.sha256(DRAFT.read_bytes()).hexdigest()
    assert before.library.library_version == "2026.12-draft"  # the publisher's session too
    for name in ("seoyeon", "minji"):
        later = Session.open(ws, name)
        assert later.library.library_version == "2026.12-draft"
        assert later.library.latest("CSS-4").version == 3
    versions = published_versions(ws)
    assert [(v.library_version, v.shipped, v.current) for v in versions] == [
        ("2026.06-1", True, False),
        ("2026.12-draft", False, True),
    ]
    assert versions[1].reason == WHY and versions[1].rereviews == 2
    event = [e for e in ws.events() if e["type"] == "policy.published"][-1]
    assert event["actor"] == "seoyeon" and event["entity"] == "policy:2026.12-draft"
    assert event["payload"]["draft_sha256"] == result.draft_sha256
    assert ws.verify().ok


def test_the_queue_is_exactly_the_impact_the_lead_saw(ws):
    session = lead(ws)
    impact = policy_impact(session, DRAFT)
    result = publish_policy(session, DRAFT, WHY)
    queue = rereview_queue(session)
    assert [i.decision_id for i in queue.items] == impact.affected == result.impact.affected
    assert sorted(subject(ws, i.decision_id) for i in queue.items) == [
        "C9hJ7wLd3Pf",
        "C9nS4xKe8Yh",
    ]
    assert {(i.action, i.new_action, i.new_clause) for i in queue.items} == {
        ("restrict_reach", "remove_content", "CSS-4"),
        ("label", "remove_content", "CSS-4"),
    }
    assert (queue.total, queue.done, queue.progress()) == (2, 0, "0 of 2 done")


def test_publish_is_refused_for_moderators_and_invalid_drafts_and_nothing_changes(ws, tmp_path):
    head = ws.head()
    with pytest.raises(PermissionDenied):
        publish_policy(Session.open(ws, "minji"), DRAFT, WHY)
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))
    draft["clauses"][0]["actions_allowed"] = ["label"]  # R6 removes under CSS-4: refused
    draft["similarity"] = {"decisive": []}
    draft["colour"] = "red"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        publish_policy(lead(ws), bad, WHY)
    assert err.value.problems == [
        "bad.json: colour: unknown key; known: clauses, description, library_version, rules, "
        "similarity"
    ]
    del draft["colour"]
    bad.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        publish_policy(lead(ws), bad, WHY)
    problems = err.value.problems
    assert any("rules[5] (R6): action 'remove_content' is not allowed" in p for p in problems)
    assert any(p.startswith("bad.json -> rubric.json: similarity") for p in problems)
    with pytest.raises(ValidationError, match="reason: required"):
        publish_policy(lead(ws), DRAFT, "ok")
    assert ws.head() == head and published_versions(ws) == []
    assert lead(ws).library.library_version == "2026.06-1"


def test_a_version_is_published_once_and_a_stale_publish_conflicts(ws, tmp_path):
    early = lead(ws)  # opened before anyone published
    publish_policy(lead(ws), DRAFT, WHY)
    with pytest.raises(ValidationError) as err:
        publish_policy(lead(ws), DRAFT, WHY)
    assert "'2026.12-draft' is the current version" in err.value.problems[0]
    again = json.loads(DRAFT.read_text(encoding="utf-8"))
    again["library_version"] = "2026.06-1"
    del again["clauses"]  # CSS-4 v3 is in the library in force now
    second = tmp_path / "second.json"
    second.write_text(json.dumps(again, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        publish_policy(lead(ws), second, WHY)
    assert "'2026.06-1' was published before" in err.value.problems[0]
    # a session opened earlier publishes on top of the library in force, not its own
    again["library_version"] = "2027.01"
    second.write_text(json.dumps(again, ensure_ascii=False), encoding="utf-8")
    result = publish_policy(early, second, WHY)
    assert result.from_version == "2026.12-draft"
    # a publish that raced another one (checked against a version no longer in force)
    with pytest.raises(ConflictError, match="published meanwhile"):
        with ws.transaction("seoyeon") as txn:
            _store_version(
                txn, files={}, library_version="2027.02", from_version="2026.12-draft",
                expected_current="2026.12-draft", at="2026-12-01T00:00:00+00:00",
                by="seoyeon", reason=WHY, description="", draft_sha256="", rereviews=0,
            )  # fmt: skip
    assert [v.library_version for v in published_versions(ws)][-1] == "2027.01"


def test_confirm_records_the_confirmation_and_writes_no_decision(ws):
    session = lead(ws)
    publish_policy(session, DRAFT, WHY)
    target = next(i for i in rereview_queue(session).items if i.action == "label")
    count = ws.count("decisions")
    decision_before = dict(ws.get("decisions", target.decision_id))
    with pytest.raises(PermissionDenied):
        confirm_rereview(Session.open(ws, "minji"), target.decision_id, KEEP)
    with pytest.raises(ValidationError, match="reason: required"):
        confirm_rereview(session, target.decision_id, "fine")
    item = confirm_rereview(session, target.decision_id, KEEP)
    assert (item.status, item.by, item.reasoning) == ("confirmed", "seoyeon", KEEP)
    assert ws.count("decisions") == count
    assert ws.get("decisions", target.decision_id) == decision_before
    event = [e for e in ws.events() if e["type"] == "rereview.confirmed"][-1]
    assert event["entity"] == f"decision:{target.decision_id}"
    with pytest.raises(ValidationError, match="already confirmed by seoyeon"):
        confirm_rereview(session, target.decision_id, KEEP)
    assert rereview_queue(session).progress() == "1 of 2 done"
    with pytest.raises(NotFound, match="not in the re-review queue"):
        confirm_rereview(session, "D-000001", KEEP)


def test_supersede_writes_a_new_decision_under_the_new_version_and_keeps_history(ws):
    session = lead(ws)
    publish_policy(session, DRAFT, WHY)
    target = next(i for i in rereview_queue(session).items if i.action == "restrict_reach")
    old = dict(ws.get("decisions", target.decision_id))
    assert old["clauses"] == [{"id": "CSS-4", "version": 2}]
    assert old["library_version"] == "2026.06-1"
    remove = DecisionDraft("remove_content", ["CSS-4"], {}, NEW)
    with pytest.raises(ValidationError) as err:  # its labelled twin binds as precedent
        supersede_rereview(session, target.decision_id, remove)
    assert err.value.problems[0].startswith("divergence_reason: required because precedent")
    remove.divergence_reason = DIVERGE
    item = supersede_rereview(session, target.decision_id, remove)
    assert item.status == "superseded" and item.new_decision_id
    new = ws.get("decisions", item.new_decision_id)
    assert new["supersedes"] == target.decision_id and new["moderator"] == "seoyeon"
    assert new["clauses"] == [{"id": "CSS-4", "version": 3}]
    assert new["library_version"] == "2026.12-draft" and new["rereview"] == item.rereview_id
    assert new["factors"] == old["factors"]  # kept: the draft gave none
    after = ws.get("decisions", target.decision_id)
    assert after["superseded_by"] == new["decision_id"]
    assert {k: v for k, v in after.items() if k not in ("superseded_by", "version")} == {
        k: v for k, v in old.items() if k not in ("superseded_by", "version")
    }
    assert ws.get("cases", old["case_id"])["decision_id"] == new["decision_id"]
    assert rereview_queue(session).progress() == "1 of 2 done"
    assert ws.verify().ok


def test_a_decision_an_appeal_replaces_meanwhile_is_moot(ws):
    session = lead(ws)
    publish_policy(session, DRAFT, WHY)
    target = next(i for i in rereview_queue(session).items if i.action == "label")
    appeal = appeals.file_appeal(session, target.decision_id, "It is a story about leaving.")
    with pytest.raises(ValidationError, match="open appeal"):
        supersede_rereview(
            session, target.decision_id, DecisionDraft("remove_content", ["CSS-4"], {}, NEW)
        )
    reviewer = Session.open(ws, "minji")
    appeals.resolve_appeal(
        reviewer, appeal.appeal_id, "overturned", "Nothing here promotes or glamorizes it."
    )
    item = next(i for i in rereview_queue(session).items if i.decision_id == target.decision_id)
    assert item.status == "moot" and item.done
    assert rereview_queue(session).progress() == "1 of 2 done"
    with pytest.raises(ValidationError, match="no longer stands"):
        confirm_rereview(session, target.decision_id, KEEP)


def test_a_second_publish_replaces_open_items_and_merges_into_the_published_library(ws, tmp_path):
    session = lead(ws)
    publish_policy(session, DRAFT, WHY)
    # back to restricting reach: a draft is merged into the library in force (v3 stays)
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))
    del draft["clauses"]
    draft["library_version"] = "2027.01"
    r6 = next(r for r in draft["rules"] if r["id"] == "R6")
    r6["action"] = "restrict_reach"
    back = tmp_path / "back.json"
    back.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    result = publish_policy(session, back, "Removal went too far; restrict reach again for now.")
    assert session.library.latest("CSS-4").version == 3
    assert result.rereviews == 2
    first = rereview_queue(session, "2026.12-draft")
    assert [i.status for i in first.items] == ["replaced", "replaced"]
    assert first.total == 0
    assert rereview_queue(session).progress() == "0 of 2 done"
