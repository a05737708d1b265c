"""A staging's events published as COPY lines made of pieces spooled while staging
(store/postgres/event_lines.py) are the events, hashes and rows of the old way:
EventSpool's JSON lines chained at publish and written by `event_line`/`write_row`.

Why: the chain's bytes must stay exactly `canonical`'s; a wrong splice would write a
chain `appeals verify` refuses, or one that verifies against different bytes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from appeals_tui.domain.errors import StoreError
from appeals_tui.store import digester
from appeals_tui.store.audit import GENESIS
from appeals_tui.store.postgres.copytext import event_line
from appeals_tui.store.postgres.event_lines import LineSpool
from appeals_tui.store.postgres.pgtext import decode_json, decode_str
from appeals_tui.store.postgres.store import PostgresStore
from appeals_tui.store.spool import EventSpool

HOSTILE = [
    "신고: 욕설 및 괴롭힘 (한국어)",
    'quote " and \\ backslash',
    "tab\tline\nreturn\r NUL\x00 mark\x01",
    "\x01starts with the mark",
    "\u202eright-to-left\u2028line sep\x7f",
    "😀 emoji",
    "",
]

#: (type, entity, payload): plain ones, hostile text anywhere, and what only the whole
#: event can say (a float: canonical's stdlib text; a NaN: write_row's refusal aside)
EVENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "case.opened",
        "case:C-000001",
        {"subject": {"platform": "p", "subject_id": "s"}, "linked_case": None},
    ),
    (
        "case.opened",
        "case:C-000002",
        {"subject": {"z": 1, "a": [True, False, None]}, "linked_case": "C-1"},
    ),
    *[
        ("case.opened", f"case:{t}", {"subject": {"subject_id": t, t: t}, "n": -(2**63)})
        for t in HOSTILE
    ],
    *[(t, "x", {"list": [t, {"k": t}]}) for t in HOSTILE],
    ("media.stored", "media:ab", {"size": 1.5, "note": "a float: the whole event"}),
    ("media.stored", "media:cd", {"big": 2**63 - 1, "small": -(2**63)}),
    ("odd", "\x00NUL entity", {"text": "\x00"}),
]


def _clock() -> Callable[[], datetime]:
    moments = iter(
        datetime(2026, 11, 30, 21, 0, tzinfo=UTC) + timedelta(microseconds=i) for i in range(10**6)
    )
    return lambda: next(moments)


def _report(i: int) -> dict[str, Any]:
    return {"report_id": f"R-{i}", "content_text": HOSTILE[i % len(HOSTILE)]}


def _spools(actor: str) -> tuple[EventSpool, LineSpool]:
    old, new = EventSpool(actor, _clock()), LineSpool(actor, _clock())
    for spool in (old, new):
        for i, (kind, entity, payload) in enumerate(EVENTS):
            spool.event(kind, entity, payload)
            spool.record("reports", f"R-{i}", {**_report(i), "version": 1})
    return old, new


@pytest.mark.parametrize("actor", ["minji", "모더레이터 \t\\ \x01"])
@pytest.mark.parametrize("prev", [GENESIS, "ab" * 32, "odd\tprev \\ 한"])
def test_the_lines_are_the_old_events_lines(actor: str, prev: str) -> None:
    old, new = _spools(actor)
    try:
        events = list(old.chained(41, prev))
        lines = list(new.lines(41, prev))
    finally:
        old.close()
        new.close()
    assert len(lines) == len(events) == len(EVENTS) + 1  # the digests' event last
    assert events[-1]["type"] == "records.imported"
    whole = 0
    for event, got in zip(events, lines, strict=True):
        if isinstance(got, bytes):
            assert got == event_line(event)
        else:  # a line cannot say it: the event itself, as before, for write_row
            whole += 1
            assert event_line(event) is None and got == event
    assert whole == 0  # NULs included: pgtext escapes them in jsonb


@pytest.mark.parametrize("payload", [{"big": 2**64}, {"a": "\ud800"}])
def test_what_the_old_spool_refused_is_refused_the_same_way(payload: dict[str, Any]) -> None:
    for spool in (EventSpool("minji", _clock()), LineSpool("minji", _clock())):
        with pytest.raises(TypeError):  # orjson.JSONEncodeError is a TypeError
            spool.event("t", "e", payload)
        spool.close()


def _many(spool: EventSpool, n: int, first: int = 0, pad: int = 0) -> None:
    for i in range(first, first + n):
        spool.record("reports", f"R-{i}", {**_report(i), "pad": "패" * pad, "version": 1})
        if i % 700 == 0:
            spool.event("case.opened", f"case:C-{i}", {"i": i, "t": HOSTILE[i % len(HOSTILE)]})


@pytest.mark.parametrize("start", [0, 1000], ids=["helper from the start", "helper after 1000"])
def test_the_digest_helpers_events_are_the_old_ones(
    start: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the digest helper (store/digester.py), from the first record or after the
    spool's own first batch: the same events, in the same places, the same bytes."""
    monkeypatch.setattr(digester.Digester, "wanted", classmethod(lambda cls, n: n >= start))
    monkeypatch.setenv(digester.ENV, "1")  # and waited for
    old, new = EventSpool("minji", _clock()), LineSpool("minji", _clock())
    try:
        _many(old, 3500)
        _many(new, 3500)
        assert new._digester is not None
        events = list(old.chained(7, "ab" * 32))
        lines = list(new.lines(7, "ab" * 32))
    finally:
        old.close()
        new.close()
    assert [e["type"] for e in events].count("records.imported") == 4
    assert lines == [event_line(e) for e in events]


def test_the_digest_helper_is_taken_at_a_batchs_end_once_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not waited for: the spool digests its own batches while the helper starts."""
    monkeypatch.delenv(digester.ENV, raising=False)
    monkeypatch.setattr(digester.Digester, "wanted", classmethod(lambda cls, n: True))
    old, new = EventSpool("minji", _clock()), LineSpool("minji", _clock())
    try:
        n, deadline = 0, time.monotonic() + digester.START_WAIT
        while new._digester is None and time.monotonic() < deadline:
            _many(new, 1000, n)
            n += 1000
        assert new._digester is not None and n % 1000 == 0
        _many(new, 2500, n)
        _many(old, n + 2500)
        events = list(old.chained(7, "ab" * 32))
        lines = list(new.lines(7, "ab" * 32))
    finally:
        old.close()
        new.close()
    assert lines == [event_line(e) for e in events]


def test_a_helper_behind_leaves_the_next_batches_to_the_spool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A helper that does not take its records (stopped here: a busy machine) is not
    waited for: the spool digests the batches itself until it catches up."""
    monkeypatch.setenv(digester.ENV, "1")  # taken at once ...
    monkeypatch.setattr(digester.Digester, "wanted", classmethod(lambda cls, n: True))
    old, new = EventSpool("minji", _clock()), LineSpool("minji", _clock())
    signal.alarm(60)  # a staging that waited for the stopped helper would hang here
    try:
        _many(new, 1000, pad=500)
        helper = new._digester
        assert helper is not None
        monkeypatch.delenv(digester.ENV)  # ... then used when it keeps up
        os.kill(helper._proc.pid, signal.SIGSTOP)
        _many(new, 6000, 1000, pad=500)  # ~9 MB of records: more than its pipe holds
        assert helper.behind() and new._records >= 3000  # the spool took batches
        os.kill(helper._proc.pid, signal.SIGCONT)
        helper.catch_up()
        cuts = helper.cuts
        _many(new, 3000, 7000, pad=500)
        assert helper.cuts > cuts  # the helper's turn again
        _many(old, 10_000, pad=500)
        events = list(old.chained(7, "ab" * 32))
        lines = list(new.lines(7, "ab" * 32))
    finally:
        signal.alarm(0)
        old.close()
        new.close()
    assert lines == [event_line(e) for e in events]


def test_chained_is_refused_on_a_line_spool() -> None:
    spool = LineSpool("minji", _clock())
    spool.event("t", "e", {})
    with pytest.raises(TypeError):
        list(spool.chained(0, GENESIS))
    spool.close()


@pytest.fixture
def pg_store(pg_url: str):
    store = PostgresStore.create(pg_url)
    yield store
    store.close()


@pytest.mark.parametrize("helper", ["0", "1"], ids=["digests here", "digest helper"])
def test_a_published_staging_stores_the_old_events(
    pg_store: PostgresStore, helper: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real staging and COPY: the rows are the events EventSpool would have
    chained from the head, and the chain verifies."""
    monkeypatch.setenv(digester.ENV, helper)
    store = pg_store
    with store.transaction("root") as txn:
        txn.event("setup", "x", {"a": 1})
    seq, prev = store._read(
        lambda c: c.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    )
    old, _ = _spools("root")
    try:
        want = list(old.chained(seq, prev))
    finally:
        old.close()
    with store.staging("root") as st:
        clock = _clock()
        st._events._clock = clock  # the same instants as the reference spool's
        for i, (kind, entity, payload) in enumerate(EVENTS):
            st.event(kind, entity, payload)
            st.add("reports", f"R-{i}", _report(i))
        assert (st._events._digester is not None) == (helper == "1")
        st.publish()
    rows = store._read(
        lambda c: c.execute(
            "SELECT seq, at, actor, type, entity, payload, prev_hash, hash FROM events "
            "WHERE seq > %s ORDER BY seq",
            (seq,),
        ).fetchall()
    )
    assert [r[0] for r in rows] == [e["seq"] for e in want][: len(rows)]
    got = [
        {
            "seq": r[0],
            "at": r[1],
            "actor": decode_str(r[2]),
            "type": decode_str(r[3]),
            "entity": decode_str(r[4]),
            "payload": decode_json(r[5]),
            "prev_hash": r[6],
            "hash": r[7],
        }
        for r in rows
    ]
    staged = [e for e in got if e["type"] != "workspace.attested"]
    assert staged[-len(want) :] == want
    assert store.verify().ok


def test_a_stopped_digest_helper_fails_the_staging_and_stores_nothing(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = pg_store
    monkeypatch.setenv(digester.ENV, "1")
    before = store.count("reports"), store.count("events")
    with pytest.raises(StoreError, match="digest helper stopped"), store.staging("root") as st:
        for i in range(200):
            st.add("reports", f"K-{i}", _report(i))
        st._events._digester._proc.kill()
        for i in range(200, 3000):
            st.add("reports", f"K-{i}", _report(i))
        st.publish()
    assert (store.count("reports"), store.count("events")) == before
    assert store.verify().ok
