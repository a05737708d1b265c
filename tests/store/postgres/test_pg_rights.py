"""What PostgreSQL itself refuses, role by role, with direct SQL as that role.

Why: on the team backend the rights must hold for someone who skips our program
and types SQL into psql with their own login. Each case below first shows the
statement is well-formed (the owner or a permitted role can run the comparable
statement, or the refusal names the privilege), then that the role is refused.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg import errors as pgerr

from appeals_tui.store.audit import GENESIS, make_event
from appeals_tui.store.postgres import migrations

LOGINS = {"moderator": "t_mod", "lead": "t_lead", "admin": "t_admin"}
NAMES = {"moderator": "minji", "lead": "seoyeon", "admin": "root"}


@pytest.fixture
def db(pg_cluster, pg_url):
    """A migrated database with one login per roster role and one of each record."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        migrations.apply_migrations(conn, "test")
        for role, login in LOGINS.items():
            conn.execute("SELECT appeals_sync_login(%s, %s::text[])", (login, [role]))
            conn.execute(
                "INSERT INTO users (name, role, login, version) VALUES (%s, %s, %s, 1)",
                (NAMES[role], role, login),
            )
        conn.execute(
            "INSERT INTO cases (case_id, status, version) VALUES ('C-000001', 'decided', 2)"
        )
        conn.execute(
            "INSERT INTO decisions (decision_id, case_id, moderator, action, reasoning, "
            "canonical, version) VALUES ('D-000001', 'C-000001', 'minji', 'label', "
            "'Labelled: narrative without solicitation.', false, 1)"
        )
        conn.execute(
            "INSERT INTO notes (note_id, entity, author, text, version) "
            "VALUES ('N-000001', 'case:C-000001', 'minji', 'private: reporter is my cousin', 1)"
        )
        conn.execute("INSERT INTO meta (key, value) VALUES ('config', '{}')")
        ev = make_event(
            seq=1,
            at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
            actor="root",
            type="case.opened",
            entity="case:C-000001",
            payload={},
            prev_hash=GENESIS,
        )
        _insert_event(conn, ev)
    return pg_cluster, pg_url.split("?")[0].rsplit("/", 1)[1]


def _insert_event(conn: psycopg.Connection, ev: dict) -> None:
    _insert_events(conn, [ev])


def _as(db, role: str | None) -> psycopg.Connection:
    cluster, name = db
    user = LOGINS[role] if role else None
    return psycopg.connect(cluster.url(name, user=user), autocommit=True)


def _refused(db, role, statement, params=(), error=pgerr.InsufficientPrivilege) -> str:
    with _as(db, role) as conn, pytest.raises(error) as info:
        conn.execute(statement, params)
    return str(info.value)


def _allowed(db, role, statement, params=()) -> None:
    with _as(db, role) as conn:
        conn.execute(statement, params)


# (who, statement) pairs the database refuses, with the comparable permitted statement
REFUSED = [
    # audit events: append-only for everyone
    ("moderator", "UPDATE events SET actor = 'someone' WHERE seq = 1"),
    ("lead", "DELETE FROM events WHERE seq = 1"),
    ("admin", "TRUNCATE events"),
    # decisions: the decided content never changes in place
    (
        "moderator",
        "UPDATE decisions SET reasoning = 'rewritten later' WHERE decision_id = 'D-000001'",
    ),
    ("lead", "UPDATE decisions SET action = 'no_action' WHERE decision_id = 'D-000001'"),
    ("moderator", "UPDATE decisions SET canonical = true WHERE decision_id = 'D-000001'"),
    ("admin", "INSERT INTO decisions (decision_id, version) VALUES ('D-999999', 1)"),
    ("admin", "UPDATE decisions SET appeal_outcome = 'overturned' WHERE decision_id = 'D-000001'"),
    # nothing is ever deleted
    ("lead", "DELETE FROM decisions WHERE decision_id = 'D-000001'"),
    ("moderator", "DELETE FROM cases WHERE case_id = 'C-000001'"),
    ("admin", "DELETE FROM users WHERE name = 'minji'"),
    # private notes: not readable (or writable) by admins
    ("admin", "SELECT text FROM notes"),
    ("admin", "INSERT INTO notes (note_id, version) VALUES ('N-999999', 1)"),
    # the roster and settings: admins only
    ("moderator", "UPDATE users SET role = 'lead' WHERE name = 'minji'"),
    ("lead", "INSERT INTO users (name, role, login, version) VALUES ('eve', 'admin', 'eve', 1)"),
    ("moderator", "UPDATE meta SET value = '{\"strike_threshold\": 99}' WHERE key = 'config'"),
    ("lead", "SELECT appeals_sync_login('eve', ARRAY['admin'])"),
    ("moderator", "CREATE ROLE eve LOGIN"),
    # stats' rollups: kept by the owner's triggers only (test_pg_rollups.py: every role)
    ("moderator", "UPDATE rollup_decision_days SET n = n + 1000"),
    # schema changes: owner only
    ("admin", "DROP TRIGGER events_append_only ON events"),
    ("lead", "ALTER TABLE decisions DROP COLUMN reasoning"),
]

ALLOWED = [
    ("moderator", "SELECT count(*) FROM notes"),
    ("lead", "UPDATE decisions SET canonical = true WHERE decision_id = 'D-000001'"),
    ("moderator", "UPDATE decisions SET appeal_outcome = 'upheld' WHERE decision_id = 'D-000001'"),
    ("admin", "UPDATE users SET role = 'lead' WHERE name = 'minji'"),
    ("admin", "SELECT count(*) FROM events"),
    ("moderator", "UPDATE cases SET status = 'decided' WHERE case_id = 'C-000001'"),
]


@pytest.mark.parametrize(("role", "statement"), REFUSED, ids=[f"{r}: {s[:40]}" for r, s in REFUSED])
def test_the_database_refuses(db, role, statement):
    _refused(db, role, statement)


@pytest.mark.parametrize(("role", "statement"), ALLOWED, ids=[f"{r}: {s[:40]}" for r, s in ALLOWED])
def test_the_database_allows_what_the_role_needs(db, role, statement):
    _allowed(db, role, statement)


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET actor = 'x'", "DELETE FROM events", "TRUNCATE events"]
)
def test_even_the_owner_cannot_change_audit_events(db, statement):
    message = _refused(db, None, statement)
    assert "append-only" in message
    with _as(db, None) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def _next_event(db, actor: str, seq: int = 2, prev: str | None = None) -> dict:
    with _as(db, None) as conn:
        head = conn.execute("SELECT hash FROM events WHERE seq = 1").fetchone()[0]
    return make_event(
        seq=seq,
        at=dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC),
        actor=actor,
        type="case.claimed",
        entity="case:C-000001",
        payload={},
        prev_hash=prev or head,
    )


def test_an_event_in_someone_elses_name_is_refused(db):
    with _as(db, "moderator") as conn, pytest.raises(pgerr.InsufficientPrivilege, match="refused"):
        _insert_event(conn, _next_event(db, actor="seoyeon"))
    with _as(db, "moderator") as conn:
        _insert_event(conn, _next_event(db, actor="minji"))


def test_an_event_that_does_not_continue_the_chain_is_refused(db):
    with _as(db, "moderator") as conn, pytest.raises(pgerr.SerializationFailure, match="chain"):
        _insert_event(conn, _next_event(db, actor="minji", seq=5))
    with _as(db, "moderator") as conn, pytest.raises(pgerr.SerializationFailure, match="chain"):
        _insert_event(conn, _next_event(db, actor="minji", prev="f" * 64))


def test_a_login_is_in_exactly_the_groups_of_its_roster_roles(db):
    cluster, name = db
    with _as(db, None) as conn:
        conn.execute("SELECT appeals_sync_login('t_mod', ARRAY['lead'])")
        groups = conn.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 't_mod' ORDER BY 1"
        ).fetchall()
        assert [g[0] for g in groups] == ["appeals_lead"]
        conn.execute("SELECT appeals_sync_login('t_mod', ARRAY['moderator'])")


# -- the chain trigger: checked per statement, and through names no session can shadow --


def _chain(db, actors: list[str], start: int = 2, prev: str | None = None) -> list[dict]:
    """Events continuing the chain from seq `start - 1` (whose hash is read, or `prev`)."""
    if prev is None:
        with _as(db, None) as conn:
            prev = conn.execute("SELECT hash FROM events WHERE seq = %s", (start - 1,)).fetchone()[
                0
            ]
    out = []
    for i, actor in enumerate(actors):
        ev = make_event(
            seq=start + i,
            at=dt.datetime(2026, 11, 20, 1, i, tzinfo=dt.UTC),
            actor=actor,
            type="case.claimed",
            entity="case:C-000001",
            payload={"i": i},
            prev_hash=prev,
        )
        out.append(ev)
        prev = ev["hash"]
    return out


def _insert_events(conn: psycopg.Connection, events: list[dict], table: str = "events") -> None:
    """One INSERT statement of several rows."""
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(events))
    params: list[object] = []
    for ev in events:
        params += [
            ev["seq"],
            ev["at"],
            ev["actor"],
            ev["type"],
            ev["entity"],
            psycopg.types.json.Jsonb(ev["payload"]),
            ev["prev_hash"],
            ev["hash"],
        ]
    conn.execute(
        f"INSERT INTO {table} (seq, at, actor, type, entity, payload, prev_hash, hash) "  # noqa: S608
        f"VALUES {values}",
        params,
    )


def _count_events(db) -> int:
    with _as(db, None) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_a_temporary_table_cannot_stand_in_for_the_roster(db):
    """A moderator's own temporary `users` (searched before the schema's) named them as
    the lead: the check must read the roster itself."""
    with _as(db, "moderator") as conn:
        conn.execute("CREATE TEMP TABLE users (name text, role text, login text)")
        conn.execute("INSERT INTO users VALUES ('seoyeon', 'lead', 't_mod')")
        with pytest.raises(pgerr.InsufficientPrivilege, match="refused"):
            _insert_events(conn, _chain(db, ["seoyeon"]), table="public.events")
    assert _count_events(db) == 1


def test_a_temporary_view_cannot_make_a_role_the_owner(db):
    """The owner's exemption (migrate copies others' history) must ask who owns the
    events table, not a `pg_tables` the role made up."""
    with _as(db, "moderator") as conn:
        conn.execute(
            "CREATE TEMP VIEW pg_tables AS SELECT 'public'::name AS schemaname, "
            "'events'::name AS tablename, 't_mod'::name AS tableowner"
        )
        with pytest.raises(pgerr.InsufficientPrivilege, match="refused"):
            _insert_events(conn, _chain(db, ["seoyeon"]), table="public.events")
    assert _count_events(db) == 1


def test_a_temporary_table_cannot_stand_in_for_the_chain_head(db):
    """A fake head (a temporary `events` holding seq 41) must not let seq 42 in."""
    fake = "e" * 64
    with _as(db, "moderator") as conn:
        conn.execute("CREATE TEMP TABLE events (seq bigint, hash text)")
        conn.execute("INSERT INTO events VALUES (41, %s)", (fake,))
        with pytest.raises(pgerr.SerializationFailure, match="chain"):
            _insert_events(conn, _chain(db, ["minji"], start=42, prev=fake), table="public.events")
    assert _count_events(db) == 1


def test_every_event_of_a_statement_must_continue_the_chain(db):
    """The check runs once per statement over all its rows: one bad row (a gap, a wrong
    link, a later seq than the rest allow) refuses the whole statement."""
    good = _chain(db, ["minji", "minji", "minji"])
    gap = [good[0], good[2]]
    wrong_link = [good[0], {**good[1], "prev_hash": "f" * 64}, good[2]]
    for events in (gap, wrong_link, good[1:]):
        with _as(db, "moderator") as conn, pytest.raises(pgerr.SerializationFailure, match="chain"):
            _insert_events(conn, events)
        assert _count_events(db) == 1
    with _as(db, "moderator") as conn:
        _insert_events(conn, good)
    assert _count_events(db) == 4
    again = (pgerr.UniqueViolation, pgerr.SerializationFailure)
    with _as(db, "moderator") as conn, pytest.raises(again):
        _insert_events(conn, _chain(db, ["minji"], start=4, prev=good[1]["hash"]))
    assert _count_events(db) == 4


def test_every_event_of_a_statement_must_be_in_the_roles_name(db):
    """One row in someone else's name among the role's own refuses the statement; a COPY
    is checked the same way."""
    mixed = _chain(db, ["minji", "seoyeon", "minji"])
    with _as(db, "moderator") as conn, pytest.raises(pgerr.InsufficientPrivilege, match="seoyeon"):
        _insert_events(conn, mixed)
    cols = "seq, at, actor, type, entity, payload, prev_hash, hash"
    with _as(db, "moderator") as conn, pytest.raises(pgerr.InsufficientPrivilege, match="seoyeon"):
        with conn.cursor().copy(f"COPY events ({cols}) FROM STDIN") as copy:  # noqa: S608
            for ev in mixed:
                copy.write_row([
                    ev["seq"], ev["at"], ev["actor"], ev["type"], ev["entity"],
                    psycopg.types.json.Jsonb(ev["payload"]), ev["prev_hash"], ev["hash"],
                ])  # fmt: skip
    assert _count_events(db) == 1
    with _as(db, "moderator") as conn:
        with conn.cursor().copy(f"COPY events ({cols}) FROM STDIN") as copy:  # noqa: S608
            for ev in _chain(db, ["minji", "minji"]):
                copy.write_row([
                    ev["seq"], ev["at"], ev["actor"], ev["type"], ev["entity"],
                    psycopg.types.json.Jsonb(ev["payload"]), ev["prev_hash"], ev["hash"],
                ])  # fmt: skip
    assert _count_events(db) == 3


def test_the_owner_writes_others_events_but_still_continues_the_chain(db):
    """`appeals migrate` (the owner) copies history in everyone's name; the chain still holds."""
    head = _chain(db, ["seoyeon"])[0]["prev_hash"]
    with _as(db, None) as conn, pytest.raises(pgerr.SerializationFailure, match="chain"):
        _insert_events(conn, _chain(db, ["seoyeon"], start=3, prev=head))
    with _as(db, None) as conn:
        _insert_events(conn, _chain(db, ["seoyeon", "minji"]))
    assert _count_events(db) == 3


def test_an_appender_waits_for_the_one_before_it_instead_of_being_refused(db):
    """The chain lock is taken before the first row: a second appender continuing the
    first one's (not yet committed) event waits for its commit, then goes in."""
    import threading

    first, second = _chain(db, ["minji", "minji"])
    errors: list[BaseException] = []
    with _as(db, "moderator") as a:
        a.execute("BEGIN")
        _insert_events(a, [first])

        def append() -> None:
            try:
                with _as(db, "moderator") as b:
                    _insert_events(b, [second])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        t = threading.Thread(target=append)
        t.start()
        t.join(0.5)
        assert t.is_alive()  # waiting for the chain lock
        a.execute("COMMIT")
        t.join(10)
    assert not errors and _count_events(db) == 3


def test_a_temporary_table_cannot_take_the_owners_trigger_writes(db):
    """The owner's SECURITY DEFINER triggers (cited clause ids, stats' rollups) write the
    schema's tables, not a moderator's temporary tables of the same names (searched
    first unless the function's search_path puts pg_temp last)."""
    with _as(db, "moderator") as conn:
        conn.execute("CREATE TEMP TABLE decision_clause_ids (v text PRIMARY KEY)")
        conn.execute(
            "CREATE TEMP TABLE rollup_decision_days (LIKE public.rollup_decision_days INCLUDING ALL)"
        )
        conn.execute("GRANT ALL ON decision_clause_ids, rollup_decision_days TO PUBLIC")
        conn.execute(
            "INSERT INTO public.decisions (decision_id, case_id, moderator, action, reasoning, "
            "decided_at, q_decided_day, q_clause_ids, canonical, version) VALUES ('D-000002', "
            "'C-000001', 'minji', 'label', 'Labelled: a second look.', "
            "'2026-11-20T02:00:00Z', '2026-11-20', ARRAY['CSS-TEMP'], false, 1)"
        )
        assert conn.execute("SELECT count(*) FROM pg_temp.decision_clause_ids").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pg_temp.rollup_decision_days").fetchone()[0] == 0
    with _as(db, None) as conn:
        seen = conn.execute("SELECT v FROM decision_clause_ids WHERE v = 'CSS-TEMP'").fetchall()
        counted = conn.execute(
            "SELECT coalesce(sum(n), 0) FROM rollup_decision_days WHERE k0 = 'minji'"
        ).fetchone()[0]
    assert seen == [("CSS-TEMP",)]
    assert counted == 2
