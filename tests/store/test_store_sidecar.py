"""Saved key maps, indexes and event indexes: a fresh process must read exactly what a scan reads.

They are caches beside the snapshot (store/sidecar.py): these tests open new
Workspace objects (as a new process would), check that they loaded the saved
copies rather than rebuilding, and compare every answer with a full scan,
across journal writes, compactions (which carry the files over) and damage.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import fixed_clock

from appeals_tui.store import Workspace
from appeals_tui.store import journal as jf
from appeals_tui.store.index import Index
from appeals_tui.store.protocol import Filter, Op, Order, Page
from appeals_tui.store.schema import table
from appeals_tui.store.sidecar import DIR
from appeals_tui.store.tinyquery import order_docs

MODS = ("ann", "bo", "cy", "di", "ed", "fay")


def _write(ws: Workspace, rng: random.Random, n: int, keys: int, accounts: int = 0) -> None:
    """Decisions whose indexed fields move about (the store must follow even changes
    the services never make) and events about them; with `accounts`, each on one."""
    with ws.transaction("t") as txn:
        for _ in range(n):
            key = f"D-{rng.randrange(keys):04d}"
            doc = {
                "decision_id": key,
                "moderator": rng.choice(MODS),
                "factor_mask": rng.randrange(4),
                "canonical": rng.random() < 0.3,
                "jurisdiction": rng.choice(["KR", None]),
                "clauses": [{"id": rng.choice(["CSS-1", "KR-1"]), "version": 1}],
                "decided_at": f"2025-01-01T00:00:{rng.randrange(40):02d}+00:00",
                "superseded_by": "D-9999" if rng.random() < 0.1 else None,
            }
            if accounts:
                doc["account"] = f"A-{rng.randrange(accounts):03d}"
            if txn.get("decisions", key) is None:
                txn.insert("decisions", key, doc)
            else:
                txn.update("decisions", key, doc)
            txn.event("decision.set", f"decision:{key}", {})


def _ranked(
    every: list[dict], mask: int, canon: bool, jur: str | None, clause: str | None
) -> list[dict]:
    docs = [
        d
        for d in every
        if d["factor_mask"] == mask
        and d["canonical"] == canon
        and d["jurisdiction"] == jur
        and not d.get("superseded_by")
        and (clause is None or any(c["id"] == clause for c in d["clauses"]))
    ]
    return sorted(docs, key=lambda d: (d["decided_at"], -int(d["decision_id"][2:])), reverse=True)


def _check(ws: Workspace) -> None:
    """Lookups, distinct values and rankings equal what a scan of the whole table says
    (asked first, so they are answered before anything decodes the table)."""
    got = {m: ws.lookup("decisions", "moderator", m) for m in (*MODS, "nobody")}
    values = ws.distinct("decisions", "factor_mask")
    asks = [
        (m, c, j, cl)
        for m in range(4)
        for c in (True, False)
        for j in ("KR", None)
        for cl in (None, "KR-1")
    ]
    tops = {}
    for mask, canon, jur, clause in asks:
        match = {"factor_mask": mask, "canonical": canon, "jurisdiction": jur}
        if clause:
            match["clause_ids"] = clause
        tops[(mask, canon, jur, clause)] = ws.top("precedents", match, 7)
    every = ws.all("decisions")
    for m, docs in got.items():
        assert sorted(d["decision_id"] for d in docs) == sorted(
            d["decision_id"] for d in every if d["moderator"] == m
        )
    assert values == sorted({d["factor_mask"] for d in every})
    for (mask, canon, jur, clause), top in tops.items():
        assert top == _ranked(every, mask, canon, jur, clause)[:7]


def _open(path: Path) -> Workspace:
    return Workspace.open(path, clock=fixed_clock(), auto_compact=False)


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("rebuilt instead of reading the saved copy")

    monkeypatch.setattr(Index, "build", refuse)
    monkeypatch.setattr(jf.Snapshot, "_scan_entities", refuse)


def _query_fresh(path: Path) -> None:
    """What a new process does: lookups on tables it has not decoded."""
    ws = _open(path)
    try:
        for m in MODS:
            ws.lookup("decisions", "moderator", m)
        ws.distinct("decisions", "factor_mask")
        ws.top("precedents", {"factor_mask": 1, "canonical": False, "jurisdiction": "KR"}, 5)
        ws.events_for(["decision:D-0001"])
    finally:
        ws.close()


def test_fresh_processes_read_saved_copies_across_writes_and_compactions(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)  # builds and saves
    assert any((ws_path / DIR).iterdir())
    for round_ in range(3):
        writer = _open(ws_path)
        _write(writer, rng, 40, 450)  # some move group, some are new keys
        if round_ == 1:
            writer.compact()  # carries the saved copies over
            _write(writer, rng, 10, 450)
        writer.close()
        with monkeypatch.context() as m:
            _no_rebuild(m)
            ws = _open(ws_path)
            # Events: saved index + journal events == full scan.
            for entity in ("decision:D-0001", "decision:D-0100", "decision:none"):
                assert ws.events_for([entity]) == [e for e in ws.events() if e["entity"] == entity]
            _check(ws)
        try:  # the table is decoded now: its indexes are rebuilt in memory and followed
            _write(ws, rng, 15, 460)
            _check(ws)
        finally:
            ws.close()


def test_damaged_or_foreign_saved_copies_are_rebuilt(ws_path: Path) -> None:
    rng = random.Random(9)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 200, 250)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)
    files = sorted((ws_path / DIR).iterdir())
    assert {p.name.split(".")[1] for p in files} >= {"ix", "keys", "events"}
    for i, path in enumerate(files):
        data = bytearray(path.read_bytes())
        if i % 2:
            data[len(data) // 2] ^= 0xFF  # damaged: checksum no longer matches
        else:
            data = data[: len(data) // 3]  # cut short
        path.write_bytes(bytes(data))
    ws = _open(ws_path)
    try:
        _check(ws)
        assert ws.get("decisions", "D-0003") == next(
            (d for d in ws.all("decisions") if d["decision_id"] == "D-0003"), None
        )
        for entity in ("decision:D-0001", "decision:D-0042"):
            assert ws.events_for([entity]) == [e for e in ws.events() if e["entity"] == entity]
    finally:
        ws.close()


def test_a_changed_key_function_is_not_read_from_an_old_copy(ws_path: Path) -> None:
    ws = Workspace.create(ws_path, clock=fixed_clock())
    rng = random.Random(2)
    _write(ws, rng, 100, 100)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)
    ws = _open(ws_path)
    try:
        with ws._mutex:  # the replica's own index API: same name, another function
            idx = ws._rep.index("decisions", "moderator", lambda d: d["moderator"].upper())
            got = idx.bucket("ANN")
        assert sorted(d["decision_id"] for d in got) == sorted(
            d["decision_id"] for d in ws.all("decisions") if d["moderator"] == "ann"
        )
    finally:
        ws.close()


def _cases(ws: Workspace, rng: random.Random, n: int, keys: int) -> None:
    """Cases with tied and missing priorities and times, some rewritten, some new."""
    with ws.transaction("t") as txn:
        for _ in range(n):
            key = f"C-{rng.randrange(keys):04d}"
            doc = {
                "case_id": key,
                "status": "open",
                "priority": rng.choice([None, 1.0, 2.5, 2.5, 7.0]),
                "first_reported_at": rng.choice(
                    [None, "2025-01-01T00:00:00+00:00", "2025-01-02T09:00:00+09:00"]
                ),
                "report_ids": ["R"] * rng.randrange(3),
            }
            if txn.get("cases", key) is None:
                txn.insert("cases", key, doc)
            else:
                txn.update("cases", key, doc)


@pytest.mark.parametrize(
    "order",
    [
        (Order("priority", descending=True), Order("first_reported_at")),
        (Order("first_reported_at"),),
        (Order("report_count", descending=True), Order("first_reported_at")),
    ],
)
def test_unfiltered_orders_from_a_saved_index_equal_the_in_memory_sort(
    ws_path: Path, order: tuple[Order, ...]
) -> None:
    rng = random.Random(7)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _cases(ws, rng, 150, 120)
    ws.compact()
    ws.close()
    for round_ in range(3):
        ws = _open(ws_path)  # a fresh process: the table is still on disk
        try:
            if round_:
                _cases(ws, rng, 30, 160)  # rewritten and new keys in the journal
            page = ws.query("cases", (), order, Page(5, 17))
            streamed = [d["case_id"] for d in ws.iterate("cases", (), order)]
            assert ("cases", "order:" + ",".join(
                f"{o.field}{'-' if o.descending else '+'}" for o in order
            )) in ws._rep.indexes  # answered by the ordered index  # fmt: skip
            every = ws.all("cases")
            want = [d["case_id"] for d in order_docs(table("cases"), every, order)]
            assert streamed == want
            assert [d["case_id"] for d in page.rows] == want[5:22]
            assert page.total == len(every)
        finally:
            ws.close()


def test_a_compaction_saves_every_index_file_so_a_fresh_process_builds_none(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No command pays for building an index file on first use: the compaction that
    wrote the snapshot wrote them (keys, declared indexes, rankings, saved orders, events)."""
    from appeals_tui.store.lazy import LazyTable
    from appeals_tui.store.schema import SCHEMA

    rng = random.Random(11)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 200, 250)
    with ws.transaction("t") as txn:
        for i in range(30):
            txn.insert("cases", f"C-{i:04d}", {"case_id": f"C-{i:04d}", "priority": i % 7,
                       "subject": {"account": f"a{i % 4}"}, "first_reported_at":
                       f"2025-01-01T00:00:{i:02d}+00:00"})  # fmt: skip
    ws.compact()
    ws.close()
    build = Index.build

    def from_memory_only(idx: Index, docs: object) -> None:
        if not isinstance(docs, dict):  # a dict: a table not on disk (empty), no file
            _refuse()
        build(idx, docs)

    with monkeypatch.context() as m:
        m.setattr(Index, "build", from_memory_only)
        m.setattr(jf.Snapshot, "_scan_entities", lambda *_a, **_k: _refuse())
        m.setattr(LazyTable, "_scan_keys", lambda *_a, **_k: _refuse())
        fresh = _open(ws_path)
        try:
            for t in SCHEMA.tables:
                for f in t.indexed:
                    fresh.lookup(t.name, f.name, "x")
                    fresh.distinct(t.name, f.name)
            for mask in range(4):
                fresh.top("precedents", {"factor_mask": mask, "canonical": False,
                                         "jurisdiction": "KR"}, 3)  # fmt: skip
            order = (Order("priority", descending=True), Order("first_reported_at"))
            first = fresh.query("cases", order=order, page=Page(limit=1)).rows
            assert first[0]["priority"] == 6
            some = fresh.query("decisions", page=Page(limit=1)).rows[0]["decision_id"]
            assert fresh.events_for([f"decision:{some}"])
        finally:
            fresh.close()


def _refuse() -> None:
    raise AssertionError("built an index file a compaction should have saved")


def test_saved_index_names_do_not_depend_on_the_process_hash_seed() -> None:
    """A compiled query's parts are a frozenset, whose repr follows string hashing: the
    ranking's saved file name must not (else every other process rebuilds it)."""
    import os
    import subprocess
    import sys

    code = (
        "from appeals_tui.store.schema import SCHEMA\n"
        "from appeals_tui.store.sidecar import fingerprint\n"
        "from appeals_tui.store.tinyquery import rank_keys, rank_order\n"
        "r = SCHEMA.ranking('precedents'); t = SCHEMA.table(r.table)\n"
        "print(fingerprint(rank_keys(t, r), rank_order(t, r, t.key)))\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(seen) == 1, seen


def test_a_decoded_table_opens_its_saved_indexes_instead_of_building_them(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-lived process (the TUI) decodes whole tables; the indexes it asks for after
    that are read from the saved files too (building one from 100k decoded docs was ~1 s
    of the first case), and follow the journal's writes before and after the decode."""
    rng = random.Random(9)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400)
    ws.compact()  # saves every index file
    _write(ws, rng, 30, 450)  # in the journal: filed on top of the saved copies
    ws.close()
    ws = _open(ws_path)
    try:
        with monkeypatch.context() as m:
            _no_rebuild(m)
            ws._rep.docs("decisions")  # what a whole-table query does
            assert "decisions" not in ws._rep.lazy
            _check(ws)
        _write(ws, rng, 25, 470)
        _check(ws)
    finally:
        ws.close()


def test_counts_and_distinct_by_indexed_membership_read_only_the_named_keys(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`count`/`distinct` with an indexed `==`/`in` over text values read the records the
    index names, never the whole table, and equal what a scan says."""
    rng = random.Random(3)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400)
    ws.compact()
    _write(ws, rng, 30, 450)  # journal writes on top
    ws.close()
    every = _open(ws_path).all("decisions")
    asks = [
        [Filter("moderator", Op.IN, ["ann", "nobody"])],
        [Filter("moderator", Op.EQ, "bo"), Filter("factor_mask", Op.IN, [1, 3])],
        [Filter("moderator", Op.IN, ["ann", "nobody"]), Filter("canonical", Op.EQ, True)],
    ]
    for where in asks:  # each read as a fresh process asks it (a long-lived one decodes
        match = [d for d in every if all(_holds(d, f) for f in where)]  # once such reads
        expected = (  # have cost a quarter of the table)
            len(match),
            sorted({d["jurisdiction"] for d in match if d["jurisdiction"] is not None}),
        )
        for ask in (
            lambda ws, where=where: ws.count("decisions", where),
            lambda ws, where=where: ws.distinct("decisions", "jurisdiction", where),
        ):
            ws = _open(ws_path)
            try:
                with monkeypatch.context() as m:

                    def refuse(*_a, **_k):
                        raise AssertionError("decoded the whole table")

                    m.setattr(type(ws._rep), "docs", refuse)
                    assert ask(ws) in expected
            finally:
                ws.close()


def _holds(doc: dict, flt: Filter) -> bool:
    if flt.field == "clause_ids":  # multi-valued: any of the doc's values
        return any(_holds({"v": c["id"]}, Filter("v", flt.op, flt.value)) for c in doc["clauses"])
    value = doc[flt.field]
    return value in flt.value if flt.op == Op.IN else value == flt.value


def test_distinct_of_a_filtered_field_and_bounded_counts_read_no_record(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which of some moderators decided with a clause (precedents: which of a window's
    accounts share the case's text) is answered from the saved indexes' record numbers,
    and `count(at_most=)` from bucket lengths: no record read, the same answers as a
    scan, also for records changed in the journal since and in this process."""
    rng = random.Random(5)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400, accounts=150)
    ws.compact()
    _write(ws, rng, 60, 450, accounts=150)  # journal writes on top: saved entries stale
    ws.close()
    ws = _open(ws_path)
    try:
        for round_ in range(2):
            every = ws.all("decisions")
            for field in ("moderator", "account", "clause_ids", "factor_mask"):  # saved copies
                ws.count("decisions", [Filter(field, Op.EQ, "x")])  # (files the journal's keys)
            with monkeypatch.context() as m:

                def refuse(*_a, **_k):
                    raise AssertionError("read records")

                m.setattr(type(ws._rep), "docs", refuse)
                m.setattr(type(ws._rep), "get_many", refuse)
                m.setattr(type(ws._rep), "get", refuse)
                accounts = [f"A-{i:03d}" for i in range(0, 160, 3)]
                for field, among in (
                    ("moderator", ["ann", "bo", "nobody"]),
                    ("moderator", ["cy"]),
                    ("account", accounts),
                    ("account", accounts[::4]),
                ):
                    for other in (
                        [Filter("clause_ids", Op.IN, ["KR-1"])],
                        [
                            Filter("clause_ids", Op.EQ, "CSS-1"),
                            Filter("factor_mask", Op.IN, [1, 3]),
                        ],
                        [Filter("factor_mask", Op.EQ, 2)],
                    ):
                        where = [Filter(field, Op.IN, among), *other]
                        match = [d for d in every if all(_holds(d, f) for f in where)]
                        got = ws.distinct("decisions", field, where)
                        assert got == sorted({d[field] for d in match}), (round_, where)
                for where in (
                    [Filter("clause_ids", Op.IN, ["CSS-1", "KR-1", "none"])],
                    [Filter("clause_ids", Op.EQ, "KR-1")],
                    [Filter("factor_mask", Op.IN, [0, 2, 2])],
                    [Filter("moderator", Op.IN, ["ann", "nobody"])],
                ):
                    n = sum(all(_holds(d, f) for f in where) for d in every)
                    assert ws.count("decisions", where) == n
                    for cap in (0, 1, 7, n, n + 1, 10_000):
                        assert ws.count("decisions", where, at_most=cap) == min(n, cap)
            _write(ws, rng, 40, 460, accounts=150)  # this process's (moved values, new keys)
    finally:
        ws.close()


def test_planted_symlinks_and_fifos_in_the_index_folder_are_not_read(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A symlink in index/ is not followed (it could name a file outside the private
    workspace, or /dev/zero) and a FIFO is not opened for reading (it would block
    every process forever): both are ignored like a damaged file, and rebuilt."""
    import os
    import threading

    rng = random.Random(4)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 200, 250)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    files = sorted((ws_path / DIR).iterdir())
    for i, path in enumerate(files):
        if i % 2:  # a link to an intact copy kept outside the workspace
            copy = elsewhere / path.name
            copy.write_bytes(path.read_bytes())
            path.unlink()
            path.symlink_to(copy)
        else:
            path.unlink()
            os.mkfifo(path)
    builds: list[int] = []
    real_build = Index.build_all

    def counted(indexes, items):  # type: ignore[no-untyped-def]
        builds.append(len(indexes))
        return real_build(indexes, items)

    monkeypatch.setattr(Index, "build_all", staticmethod(counted))
    done: list[BaseException | None] = []

    def fresh() -> None:
        try:
            opened = _open(ws_path)
            try:
                _check(opened)
                for entity in ("decision:D-0001", "decision:D-0042"):
                    assert opened.events_for([entity]) == [
                        e for e in opened.events() if e["entity"] == entity
                    ]
            finally:
                opened.close()
            done.append(None)
        except BaseException as exc:  # reported below
            done.append(exc)

    worker = threading.Thread(target=fresh, daemon=True)
    worker.start()
    worker.join(60)
    assert done, "a fresh process blocked on a planted FIFO"
    assert done[0] is None, done[0]
    assert builds  # the linked copies were not trusted: indexes rebuilt


def _queue_cases(ws: Workspace, rng: random.Random, n: int, keys: int) -> None:
    """Cases whose queue fields move about: status, platform, jurisdiction, assignee."""
    with ws.transaction("t") as txn:
        for _ in range(n):
            key = f"C-{rng.randrange(keys):04d}"
            doc = {
                "case_id": key,
                "status": rng.choice(["open", "open", "in_review", "decided", "escalated"]),
                "subject": {"platform": rng.choice(["x", "instagram"]), "account": "a"},
                "jurisdiction": rng.choice(["KR", "US", None]),
                "assignee": rng.choice([None, "ann", "bo"]),
                "priority": rng.choice([None, 1.0, 2.5, 2.5, 7.0]),
                "first_reported_at": rng.choice(
                    [None, "2025-01-01T00:00:00+00:00", "2025-01-02T09:00:00+09:00"]
                ),
                "report_ids": ["R"] * rng.randrange(3),
            }
            if txn.get("cases", key) is None:
                txn.insert("cases", key, doc)
            else:
                txn.update("cases", key, doc)


@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize(
    "order",
    [
        (Order("priority", descending=True), Order("first_reported_at")),
        (Order("first_reported_at"),),
        (Order("report_count", descending=True), Order("first_reported_at")),
    ],
)
def test_filtered_queue_pages_from_the_indexes_equal_the_in_memory_sort(
    ws_path: Path, order: tuple[Order, ...], walk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue's page with indexed filters (statuses, platform, jurisdiction) on a table
    still on disk: the same rows and total as filtering and sorting every doc, and the
    table is not decoded (at 100k cases that decode was the TUI's first paint). `walk`:
    many match, so the page is found walking the saved order; else the few matching
    docs are read and sorted."""
    rng = random.Random(5)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _queue_cases(ws, rng, 200, 150)
    ws.compact()
    ws.close()
    if walk:
        monkeypatch.setattr(Workspace, "DECODE_BUCKETS_OVER", 3)
    asks = [
        [Filter("status", Op.IN, ("in_review", "open"))],
        [Filter("status", Op.EQ, "open"), Filter("subject.platform", Op.EQ, "x")],
        [Filter("status", Op.IN, ("escalated", "open")), Filter("jurisdiction", Op.EQ, "KR")],
        [Filter("assignee", Op.EQ, "ann"), Filter("status", Op.IN, ("decided",))],
        [Filter("status", Op.EQ, "closed")],
    ]
    for round_ in range(3):
        if round_:
            with _open(ws_path) as ws:
                _queue_cases(ws, rng, 40, 200)  # rewritten and new keys in the journal
        every = _open(ws_path).all("cases")
        for where in asks:
            match = [d for d in every if all(_holds_path(d, f) for f in where)]
            want = [d["case_id"] for d in order_docs(table("cases"), match, order)]
            for offset, limit in ((0, 5), (5, 17), (0, 1000)):
                ws = _open(ws_path)  # a fresh process: the table is still on disk
                try:
                    with monkeypatch.context() as m:

                        def refuse(*_a, **_k):
                            raise AssertionError("decoded the whole table")

                        m.setattr(type(ws._rep), "docs", refuse)
                        page = ws.query("cases", where, order, Page(offset, limit))
                finally:
                    ws.close()
                assert [d["case_id"] for d in page.rows] == want[offset : offset + limit]
                assert page.total == len(match)


def _holds_path(doc: dict, flt: Filter) -> bool:
    value = table("cases").field(flt.field).value(doc)
    return value in flt.value if flt.op == Op.IN else value == flt.value


def test_a_workspace_from_before_the_queue_fields_were_indexed_builds_them_once(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old workspaces have no saved index of the cases' status, platform, jurisdiction
    or assignee: the first process that asks builds every missing one of the table in
    one pass and saves them; the next builds none (and neither decodes the table)."""
    from appeals_tui.store import replica

    rng = random.Random(9)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _queue_cases(ws, rng, 120, 100)
    ws.compact()
    ws.close()
    saved = {p.name for p in (ws_path / DIR).iterdir()}
    for field in ("status", "subject.platform", "jurisdiction", "assignee"):
        for name in [n for n in saved if f".ix.cases.{field}." in n]:
            (ws_path / DIR / name).unlink()  # as written before the field was indexed
    passes: list[int] = []
    build_all = Index.build_all

    def counted(indexes: list[Index], docs: object) -> None:
        passes.append(len(indexes))
        build_all(indexes, docs)

    monkeypatch.setattr(Index, "build_all", staticmethod(counted))
    for _process in range(2):
        ws = _open(ws_path)
        try:
            with monkeypatch.context() as m:
                m.setattr(replica.Replica, "docs", lambda *_a, **_k: _refuse())
                assert ws.distinct("cases", "subject.platform") == ["instagram", "x"]
                assert ws.distinct("cases", "jurisdiction") == ["KR", "US"]
                assert ws.distinct("cases", "assignee") == ["ann", "bo"]
        finally:
            ws.close()
    assert passes == [4]  # one pass, four indexes, in the first process only


def test_firsts_by_an_indexed_field_read_its_buckets_not_the_table(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text groups ask each near-duplicate text's first holder (`firsts` by text key, in
    insertion order): a fresh process answers from the index buckets, as `query` with
    the key would, without decoding every case link (2.9 s at 100k)."""
    from appeals_tui.store import replica

    ws = Workspace.create(ws_path, clock=fixed_clock())
    with ws.transaction("t") as txn:
        for i in range(40):
            txn.insert("case_links", f"C-{i:03d}", {"case_id": f"C-{i:03d}", "text_key": i % 3})
    ws.compact()
    ws.close()
    every = _open(ws_path).all("case_links")
    keys = [(2,), (0,), (7,)]
    for fields in ((), ("case_id",)):
        ws = _open(ws_path)
        try:
            with monkeypatch.context() as m:
                m.setattr(replica.Replica, "docs", lambda *_a, **_k: _refuse())
                got = ws.firsts("case_links", ["text_key"], keys, 2, fields=fields)
        finally:
            ws.close()
        want = [[d for d in every if d["text_key"] == k[0]][:2] for k in keys]
        if fields:
            want = [[{"case_id": d["case_id"]} for d in docs] for docs in want]
        assert got == want


def test_a_compaction_after_many_changes_rebuilds_the_index_instead_of_listing_them(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A carried index file lists the keys changed since it was built, and every process
    that loads it files each of them again. After a change to every record (a migration
    that moved case links onto 102,000 cases) the list never shrank: each fresh process's
    first case lookup refiled all of them (2-3 s at 100k). Past CARRY_PENDING changed keys
    the compaction builds the file afresh, so a fresh process files (almost) none."""
    from appeals_tui.store import index as index_mod

    monkeypatch.setattr(index_mod, "CARRY_PENDING", 50)
    rng = random.Random(13)
    ws = Workspace.create(ws_path, clock=fixed_clock())
    _write(ws, rng, 300, 400)
    ws.compact()
    ws.close()
    _query_fresh(ws_path)  # builds and saves the decisions' index files
    writer = _open(ws_path)
    _write(writer, rng, 200, 400)  # most keys change: far more than CARRY_PENDING
    writer.compact()
    writer.close()
    filed: list[str] = []
    put = Index.put

    def counting(idx: Index, key: str, old: object, new: object) -> None:
        filed.append(key)
        put(idx, key, old, new)  # type: ignore[arg-type]  # the real put, counted

    with monkeypatch.context() as m:
        _no_rebuild(m)  # read from a saved file, not built on first use
        m.setattr(Index, "put", counting)
        ws = _open(ws_path)
        try:
            for mod in MODS:
                ws.lookup("decisions", "moderator", mod)
            _check(ws)
        finally:
            ws.close()
    assert len(filed) <= 50, f"a fresh process filed {len(filed)} changed keys again"
