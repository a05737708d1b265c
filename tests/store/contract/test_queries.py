"""Contract: lookups, filtered/ordered/paged queries, counts, distinct values, groups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.protocol import Filter, Group, Join, Op, Order, Page, Store
from appeals_tui.store.schema import INSERTED

#: (id, moderator, action, clauses, decided_at, extra)
DECISIONS = [
    ("D-000001", "minji", "label", ["CSS-1"], "2026-01-01T10:00:00+00:00", {"diverged": True}),
    ("D-000002", "jun", "remove_content", ["CSS-2", "KR-1"], "2026-01-02T10:00:00+00:00", {}),
    ("D-000003", "minji", "remove_content", ["CSS-2"], "2026-01-02T09:00:00+09:00", {}),
    ("D-000004", "jun", "label", [], "2026-01-03T00:00:00+00:00", {"canonical": True}),
    (
        "D-000005",
        "ana",
        "no_action",
        ["KR-1"],
        "2026-01-03T00:00:00+00:00",
        {"superseded_by": "D-000006", "reasoning": "Survivor story, 교육 context"},
    ),
]


def _decision(ident, moderator, action, clauses, at, extra) -> dict:
    return {
        "decision_id": ident,
        "case_id": f"C-{ident[-1]}",
        "moderator": moderator,
        "action": action,
        "clauses": [{"id": c, "version": 1} for c in clauses],
        "decided_at": at,
        "account": "acct-a" if ident < "D-000004" else "acct-b",
        "factors": {"glamorization": ident in ("D-000001", "D-000004")},
        "factor_mask": 1,
        "reasoning": extra.pop("reasoning", f"reasons for {ident}"),
        **extra,
    }


@pytest.fixture
def decided(store: Store) -> Store:
    with store.transaction("t") as txn:
        for row in DECISIONS:
            txn.insert("decisions", row[0], _decision(*row[:5], dict(row[5])))
    return store


def ids(rows: list[dict]) -> list[str]:
    return [r["decision_id"] for r in rows]


def test_lookup_on_indexed_fields_plain_multi_and_nested(store: Store, decided: Store) -> None:
    assert ids(store.lookup("decisions", "moderator", "minji")) == ["D-000001", "D-000003"]
    assert ids(store.lookup("decisions", "clause_ids", "KR-1")) == ["D-000002", "D-000005"]
    assert store.lookup("decisions", "moderator", "nobody") == []
    with store.transaction("t") as txn:
        txn.insert("cases", "C-1", {"case_id": "C-1", "subject": {"account": "acct-a"}})
        txn.insert("cases", "C-2", {"case_id": "C-2", "subject": {"account": "acct-b"}})
    assert [c["case_id"] for c in store.lookup("cases", "subject.account", "acct-b")] == ["C-2"]


def test_lookup_follows_writes(store: Store, decided: Store, second: Store) -> None:
    assert ids(second.lookup("decisions", "clause_ids", "CSS-1")) == ["D-000001"]
    with store.transaction("t") as txn:
        txn.insert("decisions", "D-000009", _decision("D-000009", "x", "label", ["CSS-1"], "", {}))
    assert ids(second.lookup("decisions", "clause_ids", "CSS-1")) == ["D-000001", "D-000009"]


@pytest.mark.parametrize(
    ("where", "want"),
    [
        ([Filter("moderator", Op.EQ, "jun")], ["D-000002", "D-000004"]),
        ([Filter("moderator", Op.NE, "jun")], ["D-000001", "D-000003", "D-000005"]),
        ([Filter("action", Op.IN, ("label", "no_action"))], ["D-000001", "D-000004", "D-000005"]),
        ([Filter("action", Op.NOT_IN, ["label", "no_action"])], ["D-000002", "D-000003"]),
        ([Filter("clause_ids", Op.EQ, "CSS-2")], ["D-000002", "D-000003"]),
        ([Filter("clause_ids", Op.IN, ["KR-1", "CSS-1"])], ["D-000001", "D-000002", "D-000005"]),
        ([Filter("clause_ids", Op.NE, "CSS-2")], ["D-000001", "D-000004", "D-000005"]),
        ([Filter("superseded_by", Op.IS_NULL)], ["D-000001", "D-000002", "D-000003", "D-000004"]),
        ([Filter("superseded_by", Op.NOT_NULL)], ["D-000005"]),
        ([Filter("superseded_by", Op.NE, "D-000006")], ["D-000001", "D-000002", "D-000003", "D-000004"]),
        ([Filter("canonical", Op.EQ, False)], ["D-000001", "D-000002", "D-000003", "D-000005"]),
        ([Filter("diverged", Op.EQ, True)], ["D-000001"]),
        ([Filter("factors.glamorization", Op.EQ, True)], ["D-000001", "D-000004"]),
        # timestamps compare as instants: D-000003 is 2026-01-02T00:00Z
        ([Filter("decided_at", Op.LT, "2026-01-02T05:00:00+00:00")], ["D-000001", "D-000003"]),
        (
            [Filter("decided_at", Op.GE, datetime(2026, 1, 2, 10, tzinfo=UTC))],
            ["D-000002", "D-000004", "D-000005"],
        ),
        ([Filter("decided_day", Op.EQ, "2026-01-02")], ["D-000002", "D-000003"]),
        ([Filter("search", Op.CONTAINS, "교육")], ["D-000005"]),
        ([Filter("search", Op.CONTAINS, "REASONS FOR D-00000")], ["D-000001", "D-000002", "D-000003", "D-000004"]),
        ([Filter("search", Op.CONTAINS, "acct-B")], ["D-000004", "D-000005"]),
        (
            [Filter("moderator", Op.EQ, "minji"), Filter("action", Op.EQ, "remove_content")],
            ["D-000003"],
        ),
        ([Filter("moderator", Op.EQ, "minji"), Filter("moderator", Op.EQ, "jun")], []),
    ],
)  # fmt: skip
def test_filters(decided: Store, where: list[Filter], want: list[str]) -> None:
    got = decided.query("decisions", where)
    assert ids(got.rows) == want
    assert got.total == len(want)
    assert decided.count("decisions", where) == len(want)
    for cap in (0, 1, 2, 10):  # v8: a count that may stop at `at_most`
        assert decided.count("decisions", where, at_most=cap) == min(cap, len(want))
    assert ids(decided.iterate("decisions", where)) == want


@pytest.mark.parametrize(
    ("order", "want"),
    [
        ([], ["D-000001", "D-000002", "D-000003", "D-000004", "D-000005"]),
        ([Order(INSERTED, descending=True)], ["D-000005", "D-000004", "D-000003", "D-000002", "D-000001"]),
        # instants, not strings; ties keep insertion order
        ([Order("decided_at")], ["D-000001", "D-000003", "D-000002", "D-000004", "D-000005"]),
        ([Order("decided_at", descending=True)], ["D-000004", "D-000005", "D-000002", "D-000003", "D-000001"]),
        ([Order("moderator"), Order("decided_at", descending=True)], ["D-000005", "D-000004", "D-000002", "D-000003", "D-000001"]),
        ([Order("moderator", descending=True), Order(INSERTED, descending=True)], ["D-000003", "D-000001", "D-000004", "D-000002", "D-000005"]),
        # null first ascending (superseded_by is null except on D-000005)
        ([Order("superseded_by", descending=True)], ["D-000005", "D-000001", "D-000002", "D-000003", "D-000004"]),
        ([Order("canonical", descending=True), Order("decided_at")], ["D-000004", "D-000001", "D-000003", "D-000002", "D-000005"]),
    ],
)  # fmt: skip
def test_orders(decided: Store, order: list[Order], want: list[str]) -> None:
    assert ids(decided.query("decisions", order=order).rows) == want
    assert ids(decided.iterate("decisions", order=order)) == want


def test_pages_are_windows_of_the_whole_order(decided: Store) -> None:
    order = [Order("decided_at", descending=True)]
    everything = ids(decided.query("decisions", order=order).rows)
    pages = [decided.query("decisions", order=order, page=Page(o, 2)) for o in (0, 2, 4, 6)]
    assert [p.total for p in pages] == [5, 5, 5, 5]
    assert [ids(p.rows) for p in pages] == [everything[0:2], everything[2:4], everything[4:], []]
    where = [Filter("moderator", Op.NE, "ana")]
    page = decided.query("decisions", where, order, Page(1, 2))
    assert page.total == 4 and ids(page.rows) == ["D-000002", "D-000003"]


def test_distinct_values(decided: Store) -> None:
    assert decided.distinct("decisions", "moderator") == ["ana", "jun", "minji"]
    assert decided.distinct("decisions", "clause_ids") == ["CSS-1", "CSS-2", "KR-1"]
    where = [Filter("action", Op.EQ, "remove_content")]
    assert decided.distinct("decisions", "clause_ids", where) == ["CSS-2", "KR-1"]
    assert decided.distinct("decisions", "superseded_by") == ["D-000006"]
    assert decided.distinct("decisions", "factor_mask") == [1]


def test_aggregate_counts_and_sums_per_group(decided: Store) -> None:
    assert decided.aggregate("decisions", ["moderator"], sums=["diverged"]) == [
        Group(("ana",), 1, {"diverged": 0}),
        Group(("jun",), 2, {"diverged": 0}),
        Group(("minji",), 2, {"diverged": 1}),
    ]
    # a multi field: one group per value; no value: the None group (first)
    assert decided.aggregate("decisions", ["clause_ids"]) == [
        Group((None,), 1, {}),
        Group(("CSS-1",), 1, {}),
        Group(("CSS-2",), 2, {}),
        Group(("KR-1",), 2, {}),
    ]
    assert decided.aggregate("decisions", [], [Filter("moderator", Op.EQ, "jun")]) == [
        Group((), 2, {})
    ]


def test_aggregate_by_day_and_action(decided: Store) -> None:
    where = [Filter("superseded_by", Op.IS_NULL)]
    groups = decided.aggregate("decisions", ["decided_day", "action"], where)
    assert [(g.key, g.count) for g in groups] == [
        (("2026-01-01", "label"), 1),
        (("2026-01-02", "remove_content"), 2),
        (("2026-01-03", "label"), 1),
    ]


def _appeals(store: Store) -> None:
    with store.transaction("t") as txn:
        for ident, decision, status, outcome, reviewer in [
            ("A-1", "D-000001", "resolved", "upheld", "lee"),
            ("A-2", "D-000002", "resolved", "overturned", "lee"),
            ("A-3", "D-000002", "resolved", "upheld", None),  # a second appeal, no reviewer
            ("A-4", "D-000003", "open", None, None),
            ("A-5", "D-000099", "resolved", "upheld", "lee"),  # no such decision
            ("A-6", "D-000005", "resolved", "modified", "kim"),
        ]:
            txn.insert(
                "appeals",
                ident,
                {
                    "appeal_id": ident,
                    "decision_id": decision,
                    "status": status,
                    "outcome": outcome,
                    "reviewer": reviewer,
                },
            )


def test_aggregate_joined_to_the_doc_a_field_names(decided: Store) -> None:
    """Appeals grouped by their decision's moderator (v7): an appeal whose decision is
    missing or fails the join's filters is not counted; a multi field of the partner
    gives one group per value; the doc's own fields come first in the key."""
    _appeals(decided)
    resolved = [Filter("status", Op.EQ, "resolved")]
    by_moderator = Join("decisions", "decision_id", ("moderator",))
    assert decided.aggregate("appeals", ["outcome"], resolved, join=by_moderator) == [
        Group(("modified", "ana"), 1, {}),
        Group(("overturned", "jun"), 1, {}),
        Group(("upheld", "jun"), 1, {}),
        Group(("upheld", "minji"), 1, {}),
    ]
    early = Join(
        "decisions",
        "decision_id",
        ("clause_ids",),
        (Filter("decided_at", Op.LT, "2026-01-02T12:00:00+00:00"),),
    )
    assert decided.aggregate("appeals", ["reviewer"], resolved, join=early) == [
        Group((None, "CSS-2"), 1, {}),
        Group((None, "KR-1"), 1, {}),
        Group(("lee", "CSS-1"), 1, {}),
        Group(("lee", "CSS-2"), 1, {}),
        Group(("lee", "KR-1"), 1, {}),
    ]
    assert decided.aggregate("appeals", [], join=Join("decisions", "decision_id")) == [
        Group((), 5, {})
    ]


def test_firsts_gives_the_first_n_of_each_group(decided: Store) -> None:
    newest = [Order("canonical", descending=True), Order("decided_at", descending=True)]
    got = decided.firsts(
        "decisions", ["moderator"], [("jun",), ("nobody",), ("minji",)], 1, order=newest
    )
    assert [ids(g) for g in got] == [["D-000004"], [], ["D-000003"]]
    got = decided.firsts(
        "decisions",
        ["moderator", "action"],
        [("minji", "label"), ("jun", "remove_content"), ("minji", "remove_content")],
        5,
        where=[Filter("superseded_by", Op.IS_NULL)],
    )
    assert [ids(g) for g in got] == [["D-000001"], ["D-000002"], ["D-000003"]]
    # ties in the order fall back to insertion order, as in `query`
    got = decided.firsts("decisions", ["factor_mask"], [(1,)], 3, order=[Order("factor_mask")])
    assert [ids(g) for g in got] == [["D-000001", "D-000002", "D-000003"]]
    assert decided.firsts("decisions", ["moderator"], [], 3) == []
    # only some fields: each doc is those fields' declared values (instants in UTC)
    got = decided.firsts(
        "decisions",
        ["moderator"],
        [("minji",)],
        5,
        order=[Order("decided_at")],
        fields=["decision_id", "clause_ids", "decided_at", "canonical", "diverged"],
    )
    assert got == [
        [
            {"decision_id": "D-000001", "clause_ids": ["CSS-1"],
             "decided_at": "2026-01-01T10:00:00+00:00", "canonical": False, "diverged": True},
            {"decision_id": "D-000003", "clause_ids": ["CSS-2"],
             "decided_at": "2026-01-02T00:00:00+00:00", "canonical": False, "diverged": False},
        ]
    ]  # fmt: skip
    with pytest.raises(StoreError):
        decided.firsts("decisions", ["clause_ids"], [("CSS-1",)], 1)
    with pytest.raises(StoreError):
        decided.firsts("decisions", ["moderator"], [(None,)], 1)


def test_sums_and_derived_numbers(store: Store) -> None:
    with store.transaction("t") as txn:
        txn.insert(
            "cases",
            "C-1",
            {"case_id": "C-1", "report_ids": ["a", "b"], "metrics": {"views": 5, "followers": 2}},
        )
        txn.insert("cases", "C-2", {"case_id": "C-2", "report_ids": ["a"], "metrics": {"views": 9}})
        txn.insert("strikes", "S-1", {"account": "x", "status": "active", "weight": 2})
        txn.insert("strikes", "S-2", {"account": "x", "status": "active"})  # weight: default 1
        txn.insert("strikes", "S-3", {"account": "y", "status": "removed", "weight": 5})
    by_reach = store.query("cases", order=[Order("reach", descending=True)]).rows
    assert [c["case_id"] for c in by_reach] == ["C-2", "C-1"]
    by_reports = store.query("cases", order=[Order("report_count", descending=True)]).rows
    assert [c["case_id"] for c in by_reports] == ["C-1", "C-2"]
    active = [Filter("status", Op.EQ, "active")]
    assert store.aggregate("strikes", ["account"], active, sums=["weight"]) == [
        Group(("x",), 2, {"weight": 3})
    ]


def test_undeclared_names_are_refused(decided: Store) -> None:
    with pytest.raises(StoreError):
        decided.query("decisions", [Filter("no_such_field", Op.EQ, 1)])
    with pytest.raises(StoreError):
        decided.query("decisions", order=[Order("no_such_field")])
    with pytest.raises(StoreError):
        decided.query("no_such_table")
    with pytest.raises(StoreError):
        decided.query("decisions", [Filter("decided_at", Op.LT, "not a time")])


def test_distinct_values_of_unindexed_fields_follow_updates(store: Store) -> None:
    """A backend may read distinct values through an index that leads with the column
    (PostgreSQL hops value to value): the values are still every current one, sorted."""
    with store.transaction("t") as txn:
        for i, (jur, platform) in enumerate([("KR", "x"), ("US", "y"), (None, "x"), ("DE", "z")]):
            txn.insert(
                "cases",
                f"C-{i}",
                {"case_id": f"C-{i}", "jurisdiction": jur, "subject": {"platform": platform}},
            )
    assert store.distinct("cases", "jurisdiction") == ["DE", "KR", "US"]
    assert store.distinct("cases", "subject.platform") == ["x", "y", "z"]
    with store.transaction("t") as txn:
        txn.update("cases", "C-1", {"jurisdiction": "JP"})
    assert store.distinct("cases", "jurisdiction") == ["DE", "JP", "KR"]
    assert store.distinct("cases", "assignee") == []


def test_distinct_values_follow_inserts_and_updates(decided: Store) -> None:
    """A backend may keep distinct values between calls (PostgreSQL does for decisions'
    indexed fields): a later insert's values show; updated fields are not kept stale."""
    assert decided.distinct("decisions", "clause_ids") == ["CSS-1", "CSS-2", "KR-1"]
    assert decided.distinct("decisions", "moderator") == ["ana", "jun", "minji"]
    assert decided.distinct("decisions", "appeal_outcome") == []
    with decided.transaction("alice") as txn:
        txn.insert(
            "decisions",
            "D-000099",
            {"decision_id": "D-000099", "case_id": "C-9", "moderator": "zoe", "action": "label",
             "clauses": [{"id": "AAA-1", "version": 1}], "factor_mask": 7,
             "decided_at": "2026-11-20T00:00:00+00:00"},
        )  # fmt: skip
        txn.update("decisions", "D-000001", {"appeal_outcome": "upheld"})
    assert decided.distinct("decisions", "clause_ids") == ["AAA-1", "CSS-1", "CSS-2", "KR-1"]
    assert decided.distinct("decisions", "moderator") == ["ana", "jun", "minji", "zoe"]
    assert decided.distinct("decisions", "factor_mask") == [1, 7]
    assert decided.distinct("decisions", "appeal_outcome") == ["upheld"]


def test_distinct_values_of_a_changing_field_follow_updates(store: Store) -> None:
    """case_links' contacts grow on an existing record: distinct values show it."""
    with store.transaction("alice") as txn:
        txn.insert("case_links", "C-1", {"case_id": "C-1", "account": "a", "contacts": ["x"]})
    assert store.distinct("case_links", "contacts") == ["x"]
    with store.transaction("alice") as txn:
        txn.update("case_links", "C-1", {"contacts": ["x", "y"]})
    assert store.distinct("case_links", "contacts") == ["x", "y"]


def test_a_cases_contacts_and_text_key_answer_the_link_questions(store: Store) -> None:
    """Schema v3: contacts and text key on the case record: looked up, counted, listed
    and walked per key (only the fields asked for) alike on every backend; contacts
    grow in place."""
    with store.transaction("t") as txn:
        for n, (account, contacts, key) in enumerate(
            [("a", ["tel:1", "kakao:x"], 7), ("b", ["tel:1"], 7), ("c", [], None), ("a", [], 9)],
            start=1,
        ):
            subject = {"account": account, "platform": "x", "subject_id": f"P{n}"}
            doc = {"case_id": f"C-{n}", "subject": subject, "contacts": contacts, "text_key": key}
            txn.insert("cases", f"C-{n}", doc)
    assert [d["case_id"] for d in store.lookup("cases", "contacts", "tel:1")] == ["C-1", "C-2"]
    assert [d["case_id"] for d in store.lookup("cases", "text_key", 7)] == ["C-1", "C-2"]
    others = Filter("subject.account", Op.NE, "a")
    assert store.count("cases", [Filter("contacts", Op.IN, ["tel:1", "kakao:x"]), others]) == 1
    assert store.distinct("cases", "subject.account", [Filter("text_key", Op.IN, [7, 9])]) == [
        "a",
        "b",
    ]
    assert store.distinct("cases", "text_key") == [7, 9]
    firsts = store.firsts(
        "cases",
        ["text_key"],
        [(7,), (9,)],
        1,
        where=[others],
        order=[Order("case_id", descending=True)],
        fields=["case_id", "subject.account", "text_key"],
    )
    assert firsts == [[{"case_id": "C-2", "subject.account": "b", "text_key": 7}], []]
    with store.transaction("t") as txn:
        txn.update("cases", "C-3", {"contacts": ["tel:1"]})
    assert store.distinct("cases", "contacts") == ["kakao:x", "tel:1"]
    assert store.count("cases", [Filter("contacts", Op.EQ, "tel:1")]) == 3


def test_a_page_total_follows_another_clients_writes(store: Store, second: Store) -> None:
    """A backend may keep a page's total between calls (PostgreSQL does until any
    commit): a case another client adds, or moves out of the filter, shows in it."""
    with store.transaction("t") as txn:
        for i in range(6):
            txn.insert("cases", f"C-{i}", {"case_id": f"C-{i}", "status": "open", "priority": i})
    active = [Filter("status", Op.IN, ("in_review", "open"))]
    by_priority = [Order("priority", descending=True)]
    for offset in (0, 2):
        assert store.query("cases", active, by_priority, Page(offset, 2)).total == 6
    with second.transaction("u") as txn:
        txn.insert("cases", "C-9", {"case_id": "C-9", "status": "in_review", "priority": 9})
        txn.update("cases", "C-0", {"status": "decided"})
    page = store.query("cases", active, by_priority, Page(0, 2))
    assert [d["case_id"] for d in page.rows] == ["C-9", "C-5"] and page.total == 6
    with second.transaction("u") as txn:
        txn.update("cases", "C-1", {"status": "escalated"})
    assert store.query("cases", active, by_priority, Page(2, 2)).total == 5
    assert store.count("cases", active) == 5


def test_distinct_assignees_follow_claims_and_releases(store: Store) -> None:
    """PostgreSQL hops through its index of the non-null assignees (`cases_assignee`,
    partial): the values are every current one, nulls left out."""
    with store.transaction("t") as txn:
        for i, who in enumerate(["ann", None, "bo", "ann", None]):
            txn.insert("cases", f"C-{i}", {"case_id": f"C-{i}", "assignee": who})
    assert store.distinct("cases", "assignee") == ["ann", "bo"]
    with store.transaction("t") as txn:
        txn.update("cases", "C-2", {"assignee": None})
        txn.update("cases", "C-1", {"assignee": "cy"})
    assert store.distinct("cases", "assignee") == ["ann", "cy"]
