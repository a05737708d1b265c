"""COPY lines made by copytext.py store exactly the rows `to_row` + psycopg's `write_row` store.

Why: bulk COPY (staged imports, `appeals migrate`) writes records as pre-encoded text
lines instead of psycopg's per-value dumpers; the rows must be indistinguishable
(same column values, same `extra`), for any record, hostile text included, and a value
the lines cannot write identically must go the old way.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from psycopg import sql
from test_pg_roundtrip import docs, value

from appeals_tui.store.postgres.bulk import copy_encoded, copy_events, encode_record, encoder
from appeals_tui.store.postgres.columns import AUTO, TABLES, spec_for
from appeals_tui.store.postgres.copytext import event_line
from appeals_tui.store.postgres.store import PostgresStore

_keys = iter(range(10**9))


@pytest.fixture(scope="module")
def pg_store(pg_cluster):
    from pgserver import create_database, drop_database

    name = create_database(pg_cluster)
    store = PostgresStore.create(pg_cluster.url(name))
    yield store
    store.close()
    drop_database(pg_cluster, name)


def _rows(store: PostgresStore, table: str, keys: list[str]) -> list[tuple[object, ...]]:
    """Every column but the key and `ins` of the rows with these keys, in key order."""
    enc = encoder(table)
    spec = spec_for(table)
    cols = [c for c in enc.columns if c not in (spec.key, "tbl", "key")]
    key_col = "key" if spec.sql == "documents" else spec.key
    stmt = sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s) ORDER BY {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sql.Identifier(spec.sql),
        sql.Identifier(key_col),
        sql.Identifier(key_col),
    )
    return store._read(lambda conn: conn.execute(stmt, (keys,)).fetchall())


def _copy_both(store: PostgresStore, table: str, doc: dict) -> tuple[str, str]:
    """The doc COPYed once as `to_row` values, once as a line (when it has one)."""
    old_key, new_key = f"K-{next(_keys)}", f"K-{next(_keys)}"
    enc = encoder(table)
    with store._conn.transaction():
        copy_encoded(store._conn, table, [enc.row(old_key, doc)])
    with store._conn.transaction():
        copy_encoded(store._conn, table, [encode_record(table, new_key, doc)])
    return old_key, new_key


TABLE_NAMES = sorted(set(TABLES) - {"users"}) + sorted(AUTO)[:2] + ["no_such_table"]


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_copy_line_stores_the_row_to_row_stores(pg_store, table):
    spec = TABLES.get(table)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(docs(table) if spec else st.dictionaries(st.sampled_from(["a", "b", "v"]), value))
    def check(doc):
        key = spec_for(table).key
        doc = {k: v for k, v in doc.items() if k != key}  # the two keys differ
        try:
            old_key, new_key = _copy_both(pg_store, table, doc)
        except psycopg.Error as exc:  # e.g. a version past int4: refused the same way
            with pytest.raises(type(exc)), pg_store._conn.transaction():
                copy_encoded(pg_store._conn, table, [encode_record(table, "K-x", doc)])
            return
        old, new = _rows(pg_store, table, [old_key]), _rows(pg_store, table, [new_key])
        assert len(old) == len(new) == 1
        assert new == old

    check()


def test_the_records_an_import_writes_go_as_lines(pg_store):
    report = {
        "report_id": "R-1",
        "reported_at": "2026-11-20T01:00:00+00:00",
        "content_text": "연락 \t탭\\역슬래시\n줄바꿈 \x00 NUL",
        "followers": 5,
        "media": [],
        "version": 1,
    }
    case = {
        "case_id": "C-1",
        "subject": {"platform": "x", "subject_id": "s", "account": "a"},
        "report_ids": ["R-1", 'quote"d', "back\\slash"],
        "status": "open",
        "priority": 1e16,
        "version": 1,
    }
    assert type(encode_record("reports", "R-1", report)) is bytes
    assert type(encode_record("cases", "C-1", case)) is bytes
    for table, doc in (("reports", report), ("cases", case)):
        old_key, new_key = _copy_both(pg_store, table, doc)
        assert _rows(pg_store, table, [old_key]) == _rows(pg_store, table, [new_key])
        assert pg_store.get(table, new_key) == doc


@pytest.mark.parametrize(
    "odd",
    [2**70, "\ud800", float("nan")],
    ids=["big int", "lone surrogate", "nan"],
)
def test_a_value_lines_cannot_write_as_psycopg_does_goes_the_old_way(pg_store, odd):
    doc = {"case_id": "C-odd", "odd": odd, "version": 1}
    if isinstance(odd, float) and math.isnan(odd):
        # stdlib JSON writes NaN, which jsonb refuses: the line must fail the same way
        line = encode_record("cases", "C-odd", doc)
        assert type(line) is bytes and b"NaN" in line
        return
    assert type(encode_record("cases", "C-odd", doc)) is list  # to_row's values


def test_a_record_to_row_refuses_is_refused_the_same_way():
    doc = {"case_id": "C-odd", "odd": {1: "an int key"}, "version": 1}
    with pytest.raises(TypeError):
        encoder("cases").row("C-odd", doc)
    with pytest.raises(TypeError):
        encode_record("cases", "C-odd", doc)


def test_event_lines_store_what_write_row_stored(pg_store):
    store = pg_store
    head = store._read(
        lambda c: c.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    )
    seq, prev = (head[0], head[1]) if head else (0, "0" * 64)
    events = []
    for i, payload in enumerate(
        [
            {"records": {"reports/R-1": "ab:cd:ef"}, "n": 3, "f": 0.5, "big": 1e16},
            {"text": "탭\t줄\n역\\ NUL\x00 \x01mark", "none": None, "list": [1, "a", None]},
        ]
    ):
        events.append(
            {
                "seq": seq + 1 + i,
                "at": "2026-11-20T01:00:00.000001+00:00",
                "actor": "root",
                "type": "test.event",
                "entity": "x:\x01y",
                "payload": payload,
                "prev_hash": prev,
                "hash": f"{i:064x}",
            }
        )
        prev = f"{i:064x}"
    assert all(event_line(ev) is not None for ev in events)
    with store._conn.transaction():
        copy_events(store._conn, events)
    got = store._read(
        lambda c: c.execute(
            "SELECT seq, at, actor, type, entity, payload, prev_hash, hash FROM events "
            "WHERE seq > %s ORDER BY seq",
            (seq,),
        ).fetchall()
    )
    from appeals_tui.store.postgres.pgtext import decode_json, decode_str

    for row, ev in zip(got, events, strict=True):
        assert (
            row[0] == ev["seq"] and row[1] == ev["at"] and row[6:] == (ev["prev_hash"], ev["hash"])
        )
        assert tuple(decode_str(v) for v in row[2:5]) == (ev["actor"], ev["type"], ev["entity"])
        assert decode_json(row[5]) == ev["payload"]


@settings(max_examples=300, deadline=None)
@given(value)
def test_json_values_are_made_safe_as_pgtext_does(v):
    from appeals_tui.store.postgres.copytext import _ready
    from appeals_tui.store.postgres.pgtext import encode_json

    got = _ready(v)
    assert got == encode_json(v)
    assert repr(got) == repr(encode_json(v))  # the same types (a float kept as text stays so)


def _plain_text() -> st.SearchStrategy[str]:
    """Text without the characters COPY escapes or pgtext changes (and without `"`)."""
    return st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters='"\\'))


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_plain_record_gives_the_line_a_searched_one_gives(table):
    """PgStaging.add tells `line` a record is plain when its canonical JSON holds no
    backslash; the line must be the one made by searching every text value."""
    from appeals_tui.store.attest import canonical

    spec = TABLES.get(table)
    enc = encoder(table)
    strategy = docs(table) if spec else st.dictionaries(st.sampled_from(["a", "b", "v"]), value)
    plain_docs = st.dictionaries(
        st.sampled_from([c.field_path[0] for c in spec.columns] if spec else ["a", "b"]),
        st.one_of(_plain_text(), st.none()),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(strategy, plain_docs))
    def check(doc):
        try:
            whole = canonical(doc)
        except TypeError:
            return
        searched = enc.line("K-1", doc)
        if b"\\" in whole:
            return
        assert enc.line("K-1", doc, True) == searched

    check()


@pytest.mark.parametrize("char", ["\\", "\t", "\n", "\r", "\x00", "\x01", '"'])
def test_what_a_plain_line_would_miss_puts_a_backslash_in_the_canonical_json(char):
    from appeals_tui.store.attest import canonical

    for doc in ({"a": f"x{char}y"}, {"a": {"b": [char]}}, {f"k{char}": 1}):
        assert b"\\" in canonical(doc)
    # and the line of such a record is not the plain one: the search matters
    if char not in '"':
        doc = {"case_id": "C-1", "content_text": f"{char}x{char}y", "version": 1}
        assert encoder("cases").line("C-1", doc) != encoder("cases").line("C-1", doc, True)


def _reference_nonfinite(v: object) -> bool:
    if isinstance(v, float):
        return not math.isfinite(v)
    if isinstance(v, dict):
        return any(_reference_nonfinite(x) for x in v.values())
    if isinstance(v, list | tuple):
        return any(_reference_nonfinite(x) for x in v)
    return False


_floaty = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(_floaty)
def test_a_nan_or_an_infinity_is_found_anywhere(v):
    """copytext._nonfinite decides whether a jsonb text goes the stdlib's way (NaN)."""
    from appeals_tui.store.postgres.copytext import _nonfinite

    assert _nonfinite(v) == _reference_nonfinite(v)
