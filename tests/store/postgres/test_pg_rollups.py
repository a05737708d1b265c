"""Rollups (store/postgres/rollups.py): grouped counts of decisions kept by the owner's
triggers answer `aggregate` exactly as the decisions themselves do.

Each check compares three answers to every question a rollup fits: the rollup's, the
decisions table's (a store told no rollup exists) and the embedded store's over the
same records, after inserts (one at a time and COPY-sized batches), the updates the
services make (supersede, overturn, canonical), a direct UPDATE by SQL, a database
made before the rollups (the owner's next open creates and fills them), and a role
that may not write them.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import errors as pgerr

from appeals_tui.store import Workspace
from appeals_tui.store.factory import create_store, open_store
from appeals_tui.store.postgres import migrations, rollups
from appeals_tui.store.postgres.store import PostgresStore
from appeals_tui.store.protocol import Filter, Op, Store

MODERATORS = ["minji", "jun", "ana", None]
CLAUSES = ["CSS-1", "CSS-2", "KR-1", "css-4"]


def _decision(i: int, rng: random.Random) -> dict:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 20))
    doc = {
        "decision_id": f"D-{i:06d}",
        "case_id": f"C-{i:06d}",
        "moderator": rng.choice(MODERATORS),
        "action": rng.choice(["label", "remove_content", "no_action"]),
        "clauses": [{"id": c, "version": 1} for c in rng.sample(CLAUSES, rng.randrange(3))],
        "decided_at": at.isoformat(),
        "factor_mask": rng.randrange(4),
        "jurisdiction": rng.choice(["KR", "US", "", None]),
        "diverged": rng.random() < 0.3,
    }
    if rng.random() < 0.2:
        doc["supersedes"] = f"D-{max(1, i - 3):06d}"
        if rng.random() < 0.3:
            doc["rereview"] = "R-000001"
    return doc


def _questions() -> list[tuple[str, list[str], list[Filter], list[str]]]:
    """Every question some rollup fits: each subset of its `by` (keeping the multi
    ones), of its flags and of its sums."""
    out = []
    for r in rollups.ROLLUPS:
        multi = [name for name in r.by if name == "clause_ids"]
        for k in range(len(r.by) + 1):
            for by in itertools.combinations(r.by, k):
                if any(m not in by for m in multi):
                    continue
                for j in range(len(r.flags) + 1):
                    for flags in itertools.combinations(r.flags, j):
                        for sums in ([], list(r.sums)):
                            out.append((r.table, list(by), list(flags), sums))
    return out


def _answers(store: Store, questions) -> list:
    return [store.aggregate(t, by, where, sums) for t, by, where, sums in questions]


def _from_decisions(url: str) -> PostgresStore:
    store = PostgresStore.open(url)
    store._rollups_present = set()  # ask the decisions themselves
    return store


def _check(url: str, ws: Workspace) -> None:
    questions = _questions()
    with PostgresStore.open(url) as kept:
        assert kept._rollups() == {r.name for r in rollups.ROLLUPS}
        got = _answers(kept, questions)
    with _from_decisions(url) as plain:
        want = _answers(plain, questions)
    assert got == want
    assert _answers(ws, questions) == want  # the embedded store: the contract
    assert sum(len(groups) for groups in want) > 3 * len(questions)  # not all empty


def test_rollups_answer_as_the_decisions_do_through_inserts_and_updates(pg_url, tmp_path):
    rng = random.Random(12)
    ws = Workspace.create(tmp_path / "ws")
    store = create_store(pg_url)
    docs = [_decision(i, rng) for i in range(1, 121)]
    try:
        for batch in (docs[:1], docs[1:3], docs[3:60], docs[60:]):  # one row ... COPY
            for target in (store, ws):
                with target.transaction("t") as txn:
                    for d in batch:
                        txn.insert("decisions", d["decision_id"], d)
        _check(pg_url, ws)
        # what appeals and re-reviews change: supersession, outcomes, canonical marks
        changes = []
        for d in rng.sample(docs, 40):
            change = rng.choice(
                [
                    {"superseded_by": "D-999999"},
                    {"appeal_outcome": "overturned"},
                    {"appeal_outcome": "upheld"},
                    {"canonical": True},
                    {"superseded_by": None, "appeal_outcome": None},
                ]
            )
            changes.append((d["decision_id"], change))
        for target in (store, ws):
            for chunk in (changes[:1], changes[1:]):
                with target.transaction("t") as txn:
                    for key, change in chunk:
                        txn.update("decisions", key, change)
        _check(pg_url, ws)
    finally:
        store.close()
        ws.close()
    # a direct UPDATE by SQL (the owner's) keeps them too
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE decisions SET superseded_by = 'D-999998' WHERE decision_id <= 'D-000010'"
        )
    with PostgresStore.open(pg_url) as kept, _from_decisions(pg_url) as plain:
        questions = _questions()
        assert _answers(kept, questions) == _answers(plain, questions)


def test_questions_a_rollup_does_not_fit_go_to_the_decisions(pg_url):
    store = create_store(pg_url)
    try:
        since = Filter("decided_at", Op.GE, "2026-01-05T00:00:00+00:00")
        for by, where, sums in (
            (["moderator"], [since], []),  # a time range
            (["moderator", "clause_ids"], [], []),  # no rollup has both
            (["decided_day"], [Filter("superseded_by", Op.IS_NULL)], []),  # not its flag
            (["factor_mask"], [], ["diverged"]),  # not its sum
        ):
            assert rollups.answer(store._rollups(), "decisions", by, where, sums, None) is None
            store.aggregate("decisions", by, where, sums)  # and still answered
        # a rollup grouping by a multi field answers only questions grouped by it
        clause_rollup = next(r for r in rollups.ROLLUPS if r.by == ("clause_ids",))
        assert not rollups.fits(clause_rollup, "decisions", [], [], [], None)
    finally:
        store.close()


def test_a_database_made_before_the_rollups_gains_them_filled_on_the_owners_open(
    pg_url, pg_cluster, tmp_path
):
    rng = random.Random(5)
    ws = Workspace.create(tmp_path / "ws")
    store = create_store(pg_url)
    try:
        docs = [_decision(i, rng) for i in range(1, 80)]
        for target in (store, ws):
            with target.transaction("t") as txn:
                for d in docs:
                    txn.insert("decisions", d["decision_id"], d)
    finally:
        store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for r in rollups.ROLLUPS:  # as a database made before them was
            conn.execute(f"DROP TABLE {r.name}")  # noqa: S608 - declared names
            conn.execute(f"DROP FUNCTION appeals_{r.name}() CASCADE")  # noqa: S608
        assert migrations.reading_order_missing(conn)
        conn.execute("SELECT appeals_sync_login('t_rollup_mod', ARRAY['moderator'])")
    # a role that is not the owner works without them (asks the decisions)
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    with PostgresStore.open(pg_cluster.url(name, user="t_rollup_mod")) as reader:
        assert reader._rollups() == set()
        assert reader.aggregate("decisions", ["moderator"]) == ws.aggregate(
            "decisions", ["moderator"]
        )
    open_store(pg_url).close()  # the owner's open creates and fills them
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert not migrations.reading_order_missing(conn)
    _check(pg_url, ws)
    ws.close()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO {t} (n) VALUES (1)",
        "UPDATE {t} SET n = n + 100",
        "DELETE FROM {t}",
        "TRUNCATE {t}",
    ],
)
@pytest.mark.parametrize("role", ["moderator", "lead", "admin"])
def test_no_role_may_write_a_rollup_directly(pg_url, pg_cluster, role, statement):
    """Only the owner's triggers write them: every group role may read them (they
    count decisions each may read) and none may change them."""
    create_store(pg_url).close()
    login = f"t_rollup_{role}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SELECT appeals_sync_login(%s, %s::text[])", (login, [role]))
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(pg_cluster.url(name, user=login), autocommit=True) as conn:
        for r in rollups.ROLLUPS:
            conn.execute(f"SELECT count(*) FROM {r.name}")  # noqa: S608 - declared names
            with pytest.raises(pgerr.InsufficientPrivilege):
                conn.execute(statement.format(t=r.name))
