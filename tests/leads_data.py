"""Hand-built decisions and appeals for the leads' statistics, with known answers.

Written straight through `ws.transaction`: the numbers must not depend on the
decide/appeal rules, only on the records.

The KNOWN fixture (`seed_known`):

    id  moderator action          clauses       profile  jur  date        diverged appeal
    D1  minji     remove_content  CSS-1         GLAMOUR  KR   2026-11-02  no       overturned -> D5
    D2  minji     restrict_reach  CSS-4         GLAMOUR  KR   2026-11-03  yes      upheld
    D3  daniel    geo_block       KR-1,CSS-4    GLAMOUR  KR   2026-11-10  no       open
    D4  daniel    label           CSS-4         GLAMOUR  US   2026-11-11  yes      -
    D5  seoyeon   no_action       CSS-0         GLAMOUR  KR   2026-11-12  no       - (supersedes D1)
    D6  daniel    remove_content  CSS-1         SOLICIT  KR   2026-11-17  no       modified -> D7
    D7  seoyeon   restrict_reach  CSS-4         SOLICIT  KR   2026-11-18  no       - (supersedes D6)
"""

from __future__ import annotations

from typing import Any

from appeals_tui.domain.similarity import factor_mask
from tests.conftest import GLAMOUR, factors

SOLICIT = factors(depicts_commercial_sex=True, contact_means=True)

REASONING = "The comic glamorizes paid encounters; no contact or price is shown."


def decision(
    did: str,
    moderator: str,
    action: str,
    clauses: list[str],
    profile: dict[str, bool],
    jurisdiction: str,
    day: str,
    **extra: Any,
) -> dict[str, Any]:
    doc = {
        "decision_id": did,
        "case_id": f"C-{did}",
        "moderator": moderator,
        "decided_at": f"{day}T10:00:00+00:00",
        "action": action,
        "clauses": [{"id": c, "version": 1} for c in clauses],
        "factors": dict(profile),
        "factor_mask": factor_mask(profile),  # as record_decision stores it
        "reasoning": f"{REASONING} ({did})",
        "guidance": {"action": "restrict_reach", "clause_id": "CSS-4", "rule_id": "R5"},
        "divergence_reason": None,
        "precedents_cited": [],
        "supersedes": None,
        "superseded_by": None,
        "appeal_outcome": None,
        "canonical": False,
        "account": f"acct_{did}",
        "jurisdiction": jurisdiction,
        "diverged": False,
        "version": 1,
    }
    doc.update(extra)
    if doc["diverged"] and not doc["divergence_reason"]:
        doc["divergence_reason"] = "Series account; cumulative promotion across posts."
    return doc


def appeal(aid: str, did: str, status: str, outcome: str | None) -> dict[str, Any]:
    return {
        "appeal_id": aid,
        "decision_id": did,
        "filed_at": "2026-11-15T00:00:00+00:00",
        "appellant": "someone",
        "grounds": "It is only a story.",
        "status": status,
        "reviewer": "seoyeon" if status != "open" else None,
        "outcome": outcome,
        "resolution_reasoning": None,
        "due_at": "2026-11-22T00:00:00+00:00",
        "case_id": f"C-{did}",
        "version": 1,
    }


def known_records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    decisions = [
        decision("D1", "minji", "remove_content", ["CSS-1"], GLAMOUR, "KR", "2026-11-02",
                 superseded_by="D5", appeal_outcome="overturned"),
        decision("D2", "minji", "restrict_reach", ["CSS-4"], GLAMOUR, "KR", "2026-11-03",
                 diverged=True, appeal_outcome="upheld"),
        decision("D3", "daniel", "geo_block", ["KR-1", "CSS-4"], GLAMOUR, "KR", "2026-11-10"),
        decision("D4", "daniel", "label", ["CSS-4"], GLAMOUR, "US", "2026-11-11", diverged=True),
        decision("D5", "seoyeon", "no_action", ["CSS-0"], GLAMOUR, "KR", "2026-11-12",
                 supersedes="D1"),
        decision("D6", "daniel", "remove_content", ["CSS-1"], SOLICIT, "KR", "2026-11-17",
                 superseded_by="D7", appeal_outcome="modified"),
        decision("D7", "seoyeon", "restrict_reach", ["CSS-4"], SOLICIT, "KR", "2026-11-18",
                 supersedes="D6"),
    ]  # fmt: skip
    appeals = [
        appeal("A1", "D1", "resolved", "overturned"),
        appeal("A2", "D2", "resolved", "upheld"),
        appeal("A3", "D3", "open", None),
        appeal("A4", "D6", "resolved", "modified"),
    ]
    return decisions, appeals


def write(ws, decisions: list[dict[str, Any]], appeals: list[dict[str, Any]] = ()) -> None:
    with ws.transaction("fixture") as txn:
        for d in decisions:
            txn.insert("decisions", d["decision_id"], d)
        for a in appeals:
            txn.insert("appeals", a["appeal_id"], a)


def seed_known(ws) -> None:
    write(ws, *known_records())


def many(n: int, start_day: int = 1) -> list[dict[str, Any]]:
    """`n` plain decisions (for paging), alternating moderators, one per day-ish."""
    out = []
    for i in range(n):
        day = f"2026-10-{1 + (i % 28):02d}"
        out.append(
            decision(
                f"M{i:04d}", ("minji", "daniel")[i % 2], "label", ["CSS-8"], GLAMOUR, "US", day
            )
        )
    return out
