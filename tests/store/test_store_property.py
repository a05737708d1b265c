"""Property test: random operations on a Workspace match a plain dict model, across reopen."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from appeals_tui.domain.errors import ConflictError, NotFound
from appeals_tui.store import Workspace

TABLES = st.sampled_from(["cases", "notes", "qa"])
KEYS = st.sampled_from([f"K-{i}" for i in range(6)])
VALUES = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.lists(st.booleans(), max_size=3))


class Rollback(Exception):
    pass


class WorkspaceVsModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ws-prop-"))
        self.ws = Workspace.create(self.dir / "ws")
        self.other: Workspace | None = None
        self.model: dict[str, dict[str, dict[str, Any]]] = {}
        self.meta: dict[str, Any] = {"schema_version": Workspace.SCHEMA_VERSION}
        self.events = 0

    def teardown(self) -> None:
        try:
            for ws in (self.ws, self.other):
                if ws is not None:
                    ws.close()
            with Workspace.open(self.dir / "ws") as fresh:
                self.check(fresh)
                assert fresh.verify().ok
        finally:
            shutil.rmtree(self.dir)

    def writer(self, use_other: bool) -> Workspace:
        if use_other:
            if self.other is None:
                self.other = Workspace.open(self.dir / "ws")
            return self.other
        return self.ws

    @rule(table=TABLES, key=KEYS, value=VALUES, use_other=st.booleans())
    def insert(self, table: str, key: str, value: Any, use_other: bool) -> None:
        exists = key in self.model.get(table, {})
        try:
            with self.writer(use_other).transaction("p") as txn:
                txn.insert(table, key, {"v": value})
                txn.event("inserted", key, {"v": value})
        except ConflictError:
            assert exists
            return
        assert not exists
        self.model.setdefault(table, {})[key] = {"v": value, "version": 1}
        self.events += 1

    @rule(table=TABLES, key=KEYS, value=VALUES, stale=st.integers(-2, 2), use_other=st.booleans())
    def update(self, table: str, key: str, value: Any, stale: int, use_other: bool) -> None:
        current = self.model.get(table, {}).get(key)
        expected = None if current is None else current["version"] + stale
        try:
            with self.writer(use_other).transaction("p") as txn:
                txn.update(table, key, {"v": value}, expected_version=expected)
        except NotFound:
            assert current is None
            return
        except ConflictError:
            assert current is not None and stale != 0
            return
        assert current is not None and stale == 0
        self.model[table][key] = {"v": value, "version": current["version"] + 1}
        self.events += 1  # "records.changed": every write is attested in the chain

    @rule(table=TABLES, key=KEYS, value=VALUES)
    def rolled_back(self, table: str, key: str, value: Any) -> None:
        try:
            with self.ws.transaction("p") as txn:
                txn.set_meta("touched", value)
                txn.event("doomed", key, {})
                if txn.get(table, key) is None:
                    txn.insert(table, key, {"v": value})
                else:
                    txn.update(table, key, {"v": value})
                raise Rollback
        except Rollback:
            pass

    @rule(key=st.sampled_from(["a", "b"]), value=VALUES)
    def set_meta(self, key: str, value: Any) -> None:
        with self.ws.transaction("p") as txn:
            txn.set_meta(key, value)
        self.meta[key] = value
        self.events += 1  # "records.changed"

    @rule(use_other=st.booleans())
    def compact(self, use_other: bool) -> None:
        self.writer(use_other).compact()

    @rule()
    def reopen(self) -> None:
        self.ws.close()
        self.ws = Workspace.open(self.dir / "ws")

    @precondition(lambda self: self.other is not None)
    @rule()
    def close_other(self) -> None:
        assert self.other is not None
        self.other.close()
        self.other = None

    def check(self, ws: Workspace) -> None:
        for table in ("cases", "notes", "qa"):
            expected = self.model.get(table, {})
            assert {d.doc_id: dict(d) for d in ws.db.table(table).all()} == expected
            assert ws.count(table) == len(expected)
        assert ws.meta("touched") is None
        for key, value in self.meta.items():
            assert ws.meta(key) == value
        assert [e["seq"] for e in ws.events()] == list(range(1, self.events + 1))

    @invariant()
    def matches_model(self) -> None:
        self.check(self.ws)


WorkspaceVsModel.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_workspace_matches_model = pytest.mark.filterwarnings("ignore")(WorkspaceVsModel.TestCase)
