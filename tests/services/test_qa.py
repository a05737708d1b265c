"""QA sampling: seeded draws, blind review, agreement and kappa with known values."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

import orjson
import pytest

from appeals_tui import jsonout
from appeals_tui.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from appeals_tui.services import qa
from tests.conftest import GLAMOUR
from tests.leads_data import decision, seed_known, write

WHY = "Same as the comic rule: glamorizing without contact or price."


@pytest.fixture
def lead(sessions):
    seoyeon = sessions("seoyeon")
    seed_known(seoyeon.ws)
    return seoyeon


def test_draw_is_seeded_standing_only_and_never_the_reviewers_own(lead):
    batch = qa.draw_sample(lead, 2, seed=7, reviewer="daniel")
    # standing decisions not by daniel: D2 (minji), D5, D7 (seoyeon); D1 superseded
    expected = random.Random(7).sample(["D2", "D5", "D7"], 2)
    assert isinstance(batch, qa.QABatch) and all(isinstance(i, qa.QAItem) for i in batch.items)
    assert [i.decision_id for i in batch.items] == expected
    assert batch.seed == 7 and batch.reviewer == "daniel" and batch.created_by == "seoyeon"
    assert batch.version == 1 and batch.reviewed == 0 and batch.size == 2
    assert batch == qa.get_batch(lead, batch.batch_id)  # what was drawn is what is stored
    assert lead.ws.get("qa", batch.batch_id)["items"][0]["review"] is None
    assert any(e["type"] == "qa.drawn" for e in lead.ws.events())


def test_draw_without_seed_records_one_and_skips_already_sampled(lead):
    first = qa.draw_sample(lead, 2, reviewer="daniel")
    assert isinstance(first.seed, int)
    second = qa.draw_sample(lead, 5, reviewer="daniel")
    ids = [i.decision_id for i in first.items + second.items]
    assert sorted(ids) == ["D2", "D5", "D7"]
    with pytest.raises(ValidationError, match="no standing decisions"):
        qa.draw_sample(lead, 1, reviewer="daniel")


def test_draw_since(lead):
    batch = qa.draw_sample(
        lead, 10, since=datetime(2026, 11, 10, tzinfo=UTC), seed=1, reviewer="minji"
    )
    assert sorted(i.decision_id for i in batch.items) == ["D3", "D4", "D5", "D7"]
    assert batch.since == "2026-11-10T00:00:00+00:00" and batch.until is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"size": 0, "reviewer": "daniel"}, ValidationError),
        ({"size": 2, "reviewer": "nobody"}, NotFound),
        ({"size": 2, "reviewer": "root"}, ValidationError),
    ],
)
def test_draw_rejects_bad_requests(lead, kwargs, error):
    with pytest.raises(error):
        qa.draw_sample(lead, **kwargs)


def test_only_leads_draw_and_report(sessions, lead):
    with pytest.raises(PermissionDenied):
        qa.draw_sample(sessions("minji"), 1, reviewer="daniel")
    with pytest.raises(PermissionDenied):
        qa.qa_report(sessions("daniel"))


def test_review_queue_is_blind(lead, sessions):
    batch = qa.draw_sample(lead, 3, seed=3, reviewer="daniel")
    with lead.ws.transaction("fixture") as txn:  # give the sampled decisions a real case
        for item in batch.items:
            txn.insert("cases", item.case_id, {"case_id": item.case_id, "subject": {},
                       "content_text": "salon comic", "report_ids": [], "status": "decided",
                       "decision_id": item.decision_id, "assignee": "minji"})  # fmt: skip
    queue = qa.review_queue(sessions("daniel"), batch.batch_id)
    assert len(queue) == 3
    # what would tell the original outcome is not even a field of the blind case
    hidden = {"decision_id", "status", "assignee"}
    assert not hidden & {f.name for f in dataclasses.fields(qa.BlindCase)}
    assert {f.name for f in dataclasses.fields(qa.QAQueueItem)} == {
        "decision_id", "case", "reports", "review"
    }  # fmt: skip
    for row in queue:
        assert isinstance(row, qa.QAQueueItem) and isinstance(row.case, qa.BlindCase)
        assert row.case.content_text == "salon comic" and row.reports == []
        assert not hidden & set(orjson.loads(jsonout.encode(row))["case"])
    with pytest.raises(PermissionDenied):
        qa.review_queue(sessions("minji"), batch.batch_id)
    # blind listing for the reviewer hides the answers too
    listed = qa.list_batches(sessions("daniel"))
    assert isinstance(listed[0], qa.QABatchSummary)
    assert listed[0].items == 3 and listed[0].reviewed == 0 and listed[0].batch_id == batch.batch_id
    assert qa.list_batches(sessions("minji")) == []


def test_submit_review_rules(lead, sessions):
    batch = qa.draw_sample(lead, 1, seed=1, reviewer="daniel")
    bid, did = batch.batch_id, batch.items[0].decision_id
    daniel = sessions("daniel")
    with pytest.raises(ValidationError) as err:
        qa.submit_review(daniel, bid, did, "vaporize", ["NOPE-1"], "")
    assert len(err.value.problems) == 3
    with pytest.raises(ValidationError) as err:  # nothing chosen: said so, not "'' is not one of"
        qa.submit_review(daniel, bid, did, "", ["CSS-4"], WHY)
    assert err.value.problems == ["action: choose an action"]
    with pytest.raises(PermissionDenied):
        qa.submit_review(sessions("minji"), bid, did, "label", ["CSS-4"], WHY)
    with pytest.raises(NotFound):
        qa.submit_review(daniel, bid, "D999", "label", ["CSS-4"], WHY)
    item = qa.submit_review(daniel, bid, did, "label", ["css-4"], WHY)
    assert isinstance(item, qa.QAItem) and isinstance(item.review, qa.QAReview)
    assert item.review.clause_ids == ["CSS-4"] and item.review.action == "label"
    assert item.review.reasoning == WHY and item.decision_id == did
    assert qa.get_batch(lead, bid).items[0] == item and qa.get_batch(lead, bid).reviewed == 1
    with pytest.raises(ConflictError, match="already reviewed"):
        qa.submit_review(daniel, bid, did, "label", ["CSS-4"], WHY)


def review_all(lead, daniel, answers: dict[str, str]) -> str:
    batch = qa.draw_sample(lead, len(answers), seed=0, reviewer="daniel")
    for item in batch.items:
        did = item.decision_id
        qa.submit_review(daniel, batch.batch_id, did, answers[did], ["CSS-4"], WHY)
    return batch.batch_id


@pytest.fixture
def four(sessions):
    """Four standing decisions by minji: two removed (CSS-1), two labelled (CSS-4)."""
    lead = sessions("seoyeon")
    write(lead.ws, [
        decision("Q1", "minji", "remove_content", ["CSS-1"], GLAMOUR, "KR", "2026-11-02"),
        decision("Q2", "minji", "remove_content", ["CSS-1"], GLAMOUR, "KR", "2026-11-03"),
        decision("Q3", "minji", "label", ["CSS-4"], GLAMOUR, "KR", "2026-11-04"),
        decision("Q4", "minji", "label", ["CSS-4"], GLAMOUR, "KR", "2026-11-05"),
    ])  # fmt: skip
    return lead


def test_report_agreement_at_chance_is_kappa_zero(four, sessions):
    answers = {"Q1": "remove_content", "Q2": "label", "Q3": "remove_content", "Q4": "label"}
    bid = review_all(four, sessions("daniel"), answers)
    report = qa.qa_report(four, bid)
    assert isinstance(report, qa.QAReport)
    assert report.reviewed == 4 and report.pending == 0 and report.batch_id == bid
    assert report.overall.to_dict() == {
        "n": 4, "agreed": 2, "observed": 0.5, "expected": 0.5, "kappa": 0.0
    }  # fmt: skip
    per = {r.clause: r for r in report.per_clause}
    assert per["CSS-1"] == qa.ClauseAgreement("CSS-1", 2, 1, 0.5, 0.5, 0.0)
    assert per["CSS-4"].n == 2 and per["CSS-4"].observed == 0.5
    assert report.clause_agreement == 0.5  # reviewer cited CSS-4 each time


def test_report_perfect_agreement(four, sessions):
    answers = {"Q1": "remove_content", "Q2": "remove_content", "Q3": "label", "Q4": "label"}
    bid = review_all(four, sessions("daniel"), answers)
    report = qa.qa_report(four, bid)
    assert report.overall.kappa == 1.0 and report.overall.observed == 1.0
    per = {r.clause: r for r in report.per_clause}
    assert per["CSS-1"].kappa == 1.0  # one label each side: degenerate, agreed -> 1.0


def test_report_counts_pending_and_spans_batches(four, sessions):
    batch = qa.draw_sample(four, 2, seed=5, reviewer="daniel")
    qa.submit_review(
        sessions("daniel"), batch.batch_id, batch.items[0].decision_id, "label",
        ["CSS-4"], WHY,
    )  # fmt: skip
    report = qa.qa_report(four)
    assert report.batches == 1 and report.reviewed == 1 and report.pending == 1
    assert report.batch_id is None
    empty = qa.qa_report(four, qa.draw_sample(four, 1, seed=2, reviewer="daniel").batch_id)
    assert empty.overall.kappa is None and empty.clause_agreement is None
    with pytest.raises(NotFound):
        qa.get_batch(four, "QA-404")


def test_json_shapes_are_the_documented_ones(four, sessions):
    """docs/cli.md `qa draw|list|items|review|report`: the field names, through jsonout."""
    batch = qa.draw_sample(four, 2, seed=5, reviewer="daniel")
    did = batch.items[0].decision_id
    item = qa.submit_review(sessions("daniel"), batch.batch_id, did, "label", ["CSS-4"], WHY)

    def fields(model) -> dict:
        return orjson.loads(jsonout.encode(model))

    drawn = fields(batch)
    assert list(drawn) == ["batch_id", "created_at", "created_by", "reviewer", "seed", "size",
                           "since", "until", "items", "version"]  # fmt: skip
    assert list(drawn["items"][0]) == ["decision_id", "case_id", "review"]
    listed = fields(qa.list_batches(four)[0])
    assert list(listed) == ["batch_id", "created_at", "created_by", "reviewer", "seed", "size",
                            "since", "until", "version", "items", "reviewed"]  # fmt: skip
    assert (listed["items"], listed["reviewed"]) == (2, 1)
    assert fields(item)["review"] == {"action": "label", "clause_ids": ["CSS-4"],
                                      "reasoning": WHY, "reviewed_at": item.review.reviewed_at}  # fmt: skip
    report = fields(qa.qa_report(four, batch.batch_id))
    assert list(report) == ["batch_id", "batches", "reviewed", "pending", "overall",
                            "clause_agreement", "per_clause"]  # fmt: skip
    assert list(report["overall"]) == ["n", "agreed", "observed", "expected", "kappa"]
    assert list(report["per_clause"][0]) == ["clause", "n", "agreed", "observed", "expected",
                                             "kappa"]  # fmt: skip
