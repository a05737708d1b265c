"""Versioned schema of the PostgreSQL backend: tables, indexes, grants, triggers.

Why: a team's database outlives the program version that created it. Each
migration is frozen SQL applied once, in order, inside one transaction that
also records it in `appeals_schema`; a database whose newest migration is
beyond what this program knows is refused with a clear message instead of
being written in a shape the program does not understand.

Rights are PostgreSQL's, not only ours: three group roles
(`appeals_moderator`, `appeals_lead`, `appeals_admin`) get exactly the
privileges their users' commands need, nobody gets DELETE, audit events are
INSERT-only (a trigger refuses UPDATE/DELETE/TRUNCATE even for the owner; only
a migration that drops the trigger could allow it), decisions change in place
only in the columns the services change, and private notes are not readable by
admins.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from appeals_tui.domain.errors import StoreError

__all__ = [
    "GROUPS",
    "MIGRATIONS",
    "Migration",
    "SCHEMA_VERSION",
    "schema_version",
    "check_version",
    "apply_migrations",
    "ensure_groups",
]

#: roster role -> PostgreSQL group role
GROUPS: dict[str, str] = {
    "moderator": "appeals_moderator",
    "lead": "appeals_lead",
    "admin": "appeals_admin",
}

#: advisory lock key serialising audit-chain appends (any role may take it)
CHAIN_LOCK = 0x61707065616C73  # "appeals"


@dataclass(frozen=True)
class Migration:
    version: int
    what: str
    sql: str


_V1 = r"""
CREATE TABLE meta (
    key text PRIMARY KEY,
    value jsonb NOT NULL
);
CREATE TABLE counters (
    prefix text PRIMARY KEY,
    n bigint NOT NULL CHECK (n >= 0)
);
CREATE TABLE users (
    name text PRIMARY KEY,
    role text CHECK (role IN ('moderator', 'lead', 'admin')),
    login text UNIQUE,
    added_at timestamptz,
    added_by text,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE cases (
    case_id text PRIMARY KEY,
    platform text, subject_type text, subject_id text, account text, url text,
    content_text text, media_description text, jurisdiction text,
    followers bigint, views bigint,
    report_ids text[],
    status text, assignee text, priority double precision,
    created_at timestamptz, updated_at timestamptz, first_reported_at timestamptz,
    linked_case text, escalated boolean, decision_id text,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX cases_subject ON cases (platform, subject_type, subject_id);
CREATE INDEX cases_account ON cases (account);
CREATE INDEX cases_status_priority ON cases (status, priority DESC, case_id);
CREATE INDEX cases_assignee ON cases (assignee) WHERE assignee IS NOT NULL;
CREATE INDEX cases_first_reported ON cases (first_reported_at);

CREATE TABLE reports (
    report_id text PRIMARY KEY,
    reported_at timestamptz, reporter text, reason text,
    platform text, subject_type text, subject_id text, account text,
    content_text text, media_description text, jurisdiction text,
    followers bigint, views bigint, url text,
    case_id text, imported_at timestamptz,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE decisions (
    decision_id text PRIMARY KEY,
    case_id text, moderator text, decided_at timestamptz, action text,
    clauses jsonb, factors jsonb, factor_mask integer,
    reasoning text, guidance jsonb, divergence_reason text,
    precedents_cited text[], supersedes text, superseded_by text, appeal_outcome text,
    canonical boolean, account text, jurisdiction text, diverged boolean,
    clause_ids text[],
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX decisions_case ON decisions (case_id, decided_at);
CREATE INDEX decisions_moderator ON decisions (moderator, decided_at DESC);
CREATE INDEX decisions_decided ON decisions (decided_at DESC, decision_id DESC);
CREATE INDEX decisions_action ON decisions (action, decided_at DESC);
CREATE INDEX decisions_account ON decisions (account);
CREATE INDEX decisions_mask ON decisions (factor_mask, decided_at DESC);
CREATE INDEX decisions_clause_ids ON decisions USING gin (clause_ids);
CREATE INDEX decisions_supersedes ON decisions (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE appeals (
    appeal_id text PRIMARY KEY,
    decision_id text, filed_at timestamptz, appellant text, grounds text,
    status text, reviewer text, outcome text, resolution_reasoning text,
    due_at timestamptz, new_information text, resolved_at timestamptz,
    new_decision_id text, case_id text,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX appeals_decision ON appeals (decision_id);
CREATE INDEX appeals_status_due ON appeals (status, due_at);
CREATE INDEX appeals_case ON appeals (case_id);

CREATE TABLE strikes (
    strike_id text PRIMARY KEY,
    account text, decision_id text, case_id text, weight integer,
    status text, at timestamptz, reason text, "by" text,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX strikes_account ON strikes (account, at);
CREATE INDEX strikes_decision ON strikes (decision_id);

CREATE TABLE notes (
    note_id text PRIMARY KEY,
    entity text, author text, at timestamptz, text text, kind text,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notes_entity ON notes (entity, at);

CREATE TABLE notices (
    notice_id text PRIMARY KEY,
    kind text, decision_id text, appeal_id text, case_id text, account text,
    template text, lang text, subject text, body text,
    edited boolean, sent boolean, not_sent_reason text, "by" text, at timestamptz,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notices_decision ON notices (decision_id);
CREATE INDEX notices_appeal ON notices (appeal_id) WHERE appeal_id IS NOT NULL;

CREATE TABLE qa_batches (
    batch_id text PRIMARY KEY,
    created_at timestamptz, created_by text, reviewer text,
    seed bigint, size integer, since timestamptz, until timestamptz,
    items jsonb,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX qa_reviewer ON qa_batches (reviewer);

-- records of tables a later feature adds before it gets its own columns
CREATE TABLE documents (
    tbl text NOT NULL,
    key text NOT NULL,
    version integer NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tbl, key)
);

CREATE TABLE events (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    at text NOT NULL,
    actor text NOT NULL,
    type text NOT NULL,
    entity text NOT NULL,
    payload jsonb NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL UNIQUE
);
CREATE INDEX events_entity ON events (entity, seq);

-- The audit log is append-only for everyone, the table owner included.
CREATE FUNCTION appeals_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION appeals_events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_events_refuse_change();

-- Each new event continues the chain, and is in the name of the role inserting it
-- (unless that role owns the schema: `appeals migrate` copies others' history).
CREATE FUNCTION appeals_events_check_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    me text;
BEGIN
    PERFORM pg_advisory_xact_lock(__CHAIN_LOCK__);
    SELECT seq, hash INTO last_seq, last_hash FROM events ORDER BY seq DESC LIMIT 1;
    IF NEW.seq <> coalesce(last_seq, 0) + 1
       OR NEW.prev_hash <> coalesce(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'audit event % does not continue the chain (head is %)',
            NEW.seq, coalesce(last_seq, 0) USING ERRCODE = 'serialization_failure';
    END IF;
    IF NOT pg_has_role(current_user, (SELECT tableowner FROM pg_tables
                                      WHERE schemaname = current_schema()
                                        AND tablename = 'events'), 'USAGE') THEN
        SELECT name INTO me FROM users WHERE login = current_user;
        IF me IS NULL OR NEW.actor <> me THEN
            RAISE EXCEPTION 'audit event by "%" refused: you are role "%" (roster user "%")',
                NEW.actor, current_user, coalesce(me, '?')
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION appeals_events_check_append();

-- Roles: everyone reads the shared record; nobody deletes anything.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO appeals_moderator, appeals_lead, appeals_admin;
GRANT SELECT ON meta, counters, users, cases, reports, decisions, appeals, strikes,
    notices, qa_batches, documents, events, appeals_schema
    TO appeals_moderator, appeals_lead, appeals_admin;
GRANT INSERT ON events TO appeals_moderator, appeals_lead, appeals_admin;
GRANT INSERT, UPDATE ON counters TO appeals_moderator, appeals_lead, appeals_admin;
GRANT INSERT, UPDATE ON documents TO appeals_moderator, appeals_lead, appeals_admin;
-- the roster and the settings: admins
GRANT INSERT, UPDATE ON users, meta TO appeals_admin;
-- intake (anyone on the roster imports) and the case workflow
GRANT INSERT ON cases, reports TO appeals_moderator, appeals_lead, appeals_admin;
GRANT UPDATE (content_text, media_description, jurisdiction, followers, views, report_ids,
              status, assignee, priority, updated_at, linked_case, escalated, decision_id,
              version, extra)
    ON cases TO appeals_moderator, appeals_lead, appeals_admin;
-- decisions: written once; afterwards only the appeal outcome and supersession change,
-- and only leads mark canonical precedents
GRANT INSERT ON decisions TO appeals_moderator, appeals_lead;
GRANT UPDATE (superseded_by, appeal_outcome, version) ON decisions
    TO appeals_moderator, appeals_lead;
GRANT UPDATE (canonical) ON decisions TO appeals_lead;
-- appeals: anyone files, moderators and leads review
GRANT INSERT ON appeals TO appeals_moderator, appeals_lead, appeals_admin;
GRANT UPDATE (status, reviewer, outcome, resolution_reasoning, resolved_at, new_decision_id,
              version, extra)
    ON appeals TO appeals_moderator, appeals_lead;
GRANT INSERT ON strikes, notices TO appeals_moderator, appeals_lead;
GRANT UPDATE (status, reason, version, extra) ON strikes TO appeals_moderator, appeals_lead;
GRANT INSERT ON qa_batches TO appeals_lead;
GRANT UPDATE (items, version) ON qa_batches TO appeals_moderator, appeals_lead;
-- private notes: moderators and leads only; admins can neither read nor write them
GRANT SELECT, INSERT ON notes TO appeals_moderator, appeals_lead;

-- Creating a user's login role needs CREATEROLE; admins get just this function.
CREATE FUNCTION appeals_create_login(login text, roster_role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    grp text := CASE roster_role WHEN 'moderator' THEN 'appeals_moderator'
                                 WHEN 'lead' THEN 'appeals_lead'
                                 WHEN 'admin' THEN 'appeals_admin' END;
    other text;
BEGIN
    IF grp IS NULL THEN
        RAISE EXCEPTION 'unknown role %', roster_role USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', login);
    END IF;
    -- exactly one appeals group per login: a changed roster role moves the login
    FOREACH other IN ARRAY ARRAY['appeals_moderator', 'appeals_lead', 'appeals_admin'] LOOP
        IF other <> grp AND EXISTS (
            SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = other AND u.rolname = login
        ) THEN
            EXECUTE format('REVOKE %I FROM %I', other, login);
        END IF;
    END LOOP;
    EXECUTE format('GRANT %I TO %I', grp, login);
END $$;
REVOKE ALL ON FUNCTION appeals_create_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION appeals_create_login(text, text) TO appeals_admin;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tables, indexes, grants, append-only audit log", _V1),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

_SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS appeals_schema (
    version integer PRIMARY KEY,
    what text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user
)
"""


def schema_version(conn: psycopg.Connection) -> int | None:
    """The newest applied migration, or None when the database has no appeals schema."""
    row = conn.execute("SELECT to_regclass('appeals_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    got = conn.execute("SELECT max(version) FROM appeals_schema").fetchone()
    return int(got[0]) if got and got[0] is not None else 0


def check_version(conn: psycopg.Connection, where: str) -> int:
    """Refuse a database without our schema, or one newer than this program."""
    version = schema_version(conn)
    if version is None:
        raise StoreError(
            f"no appeals database at {where}; run `appeals init --admin NAME --database URL` first"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database at {where} has schema {version}, newer than this program supports "
            f"({SCHEMA_VERSION}); upgrade appeals-tui"
        )
    return version


def ensure_groups(conn: psycopg.Connection) -> None:
    """The three group roles (cluster-wide; created once, shared by databases on the cluster)."""
    for group in GROUPS.values():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))


def apply_migrations(conn: psycopg.Connection, where: str) -> int:
    """Bring the schema up to SCHEMA_VERSION; one transaction per migration.

    The caller's connection must be in autocommit mode and own (or be allowed to
    create) the schema objects. Returns the version now in force.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK + 1,))
        ensure_groups(conn)
        conn.execute(_SCHEMA_TABLE)
        current = check_version(conn, where)
        for step in MIGRATIONS:
            if step.version <= current:
                continue
            conn.execute(step.sql.replace("__CHAIN_LOCK__", str(CHAIN_LOCK)))
            conn.execute(
                "INSERT INTO appeals_schema (version, what) VALUES (%s, %s)",
                (step.version, step.what),
            )
            current = step.version
    return current
