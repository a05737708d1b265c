"""`Record.from_dict` fills a frozen record's fields straight from a stored document (the
history streams 100k through it); it must give exactly what the constructor gives."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from appeals_tui import jsonout
from appeals_tui.domain.models import Appeal, Case, Decision, Subject

STORED = {
    "decision_id": "D-1",
    "case_id": "C-1",
    "moderator": "minji",
    "decided_at": "2026-11-01T00:00:00+00:00",
    "action": "label",
    "clauses": [{"id": "CSS-4", "version": 1}],
    "factors": {"glamorization": True},
    "reasoning": "Glamorises the work; no contact details.",
    "factor_mask": 64,  # storage-only index key: not a field of the record
}


def test_equals_the_constructor_and_drops_storage_keys() -> None:
    decision = Decision.from_dict(STORED)
    fields = {k: v for k, v in STORED.items() if k != "factor_mask"}
    assert decision == Decision(**fields)
    assert not hasattr(decision, "factor_mask")
    assert vars(decision).keys() == {f.name for f in dataclasses.fields(Decision)}
    # fields the document predates get their defaults; a fresh container per record
    assert decision.media == [] and decision.library_version == "" and decision.rereview is None
    assert Decision.from_dict(STORED).media is not decision.media
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.action = "no_action"  # type: ignore[misc]  # the point: it is refused


def test_a_missing_required_field_still_fails_loudly() -> None:
    with pytest.raises(TypeError, match="reasoning"):
        Decision.from_dict({k: v for k, v in STORED.items() if k != "reasoning"})


def test_other_records_and_the_serialiser() -> None:
    appeal = Appeal.from_dict(
        {"appeal_id": "A-1", "decision_id": "D-1", "filed_at": "t", "appellant": "a",
         "grounds": "g", "search": "ignored"}
    )  # fmt: skip
    assert appeal == Appeal("A-1", "D-1", "t", "a", "g")
    case = Case.from_dict({"case_id": "C-1", "subject": {"platform": "x"}})
    assert case.subject == {"platform": "x"} and case.report_ids == []
    # jsonout writes a record as its fields, nested records included
    nested = Case(case_id="C-2", subject=Subject("x", "post", "p", "acct"))  # type: ignore[arg-type]  # a nested record on purpose
    for record in (Decision.from_dict(STORED), appeal, case, nested):
        assert orjson.loads(jsonout.encode(record)) == record.to_dict()
