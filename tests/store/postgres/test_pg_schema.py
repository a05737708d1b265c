"""The PostgreSQL schema: migrations, versions, and what the database itself refuses."""

from __future__ import annotations

import psycopg
import pytest

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.postgres import migrations


def test_migrations_apply_once_and_record_the_version(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrations.schema_version(conn) is None
        assert migrations.apply_migrations(conn, "test") == migrations.SCHEMA_VERSION
        assert migrations.apply_migrations(conn, "test") == migrations.SCHEMA_VERSION
        rows = conn.execute("SELECT version FROM appeals_schema ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in migrations.MIGRATIONS]


def test_the_newest_migration_gives_the_embedded_stores_record_layout():
    """Both backends report one `schema_version` (the records' layout): a migration of
    PostgreSQL's own objects (schema 4: the chain trigger) keeps the layout before it."""
    from appeals_tui.store.workspace import Workspace

    assert migrations.layout(migrations.SCHEMA_VERSION) == Workspace.SCHEMA_VERSION
    assert [migrations.layout(m.version) for m in migrations.MIGRATIONS][:6] == [1, 2, 3, 3, 3, 3]


def test_event_payloads_are_compressed_with_lz4_where_the_server_has_it(pg_url):
    """Big payloads (an import's record digests) compress ~10x faster than with pglz; a
    server built without lz4 still migrates, keeping pglz."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        migrations.apply_migrations(conn, "test")
        try:
            conn.execute("CREATE TEMP TABLE probe (v text COMPRESSION lz4)")
            has_lz4 = True
        except psycopg.errors.FeatureNotSupported:
            has_lz4 = False
        method = conn.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'events'::regclass AND attname = 'payload'"
        ).fetchone()[0]
    assert method == ("l" if has_lz4 else "")


def test_a_database_newer_than_the_program_is_refused(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        migrations.apply_migrations(conn, "test")
        conn.execute(
            "INSERT INTO appeals_schema (version, what) VALUES (%s, 'from the future')",
            (migrations.SCHEMA_VERSION + 1,),
        )
        with pytest.raises(StoreError, match="newer than this program supports"):
            migrations.check_version(conn, "test")
        with pytest.raises(StoreError, match="upgrade appeals-tui"):
            migrations.apply_migrations(conn, "test")


def test_a_database_made_before_the_reading_order_indexes_gains_them_on_open(pg_url):
    """Indexes the store reads in order (precedent ranking, history, queue) are added
    to an existing database the next time its owner opens it, and are used."""
    from appeals_tui.store.factory import create_store, open_store

    create_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in (
            "decisions_ranked",
            "decisions_stats",
            "decisions_profiles",
            "decisions_appealed",
            "cases_jurisdiction",
            "cases_platform",
            "decisions_moderator_history",
            "cases_priority",
            "cases_subject_id",
        ):
            conn.execute(f"DROP INDEX {name}")  # noqa: S608 - fixed names
        assert migrations.reading_order_missing(conn)
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert not migrations.reading_order_missing(conn)
        assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT decision_id FROM decisions WHERE superseded_by IS NULL"
            " AND appeal_outcome IS DISTINCT FROM 'overturned' AND factor_mask = 3"
            " AND q_canonical = false AND jurisdiction = 'KR'"
            ' ORDER BY decided_at DESC NULLS LAST, length(decision_id), decision_id COLLATE "C"'
            " LIMIT 5"
        ).fetchall()
    text = "\n".join(r[0] for r in plan)
    assert "Index Only Scan using decisions_ranked" in text and "Sort" not in text, text


def test_the_clause_ids_decisions_cite_are_kept_by_the_owners_trigger(pg_url):
    """A process's first `distinct(clause_ids)` reads `decision_clause_ids` (not every
    decision's ids); inserts keep it current, COPY included, and a database made before
    it gains it filled on the owner's next open."""
    from appeals_tui.store.factory import create_store, open_store

    store = create_store(pg_url)
    with store.transaction("t") as txn:
        for i, clauses in enumerate((["CSS-1"], ["CSS-2", "KR-1"], [])):
            txn.insert(
                "decisions",
                f"D-{i}",
                {"decision_id": f"D-{i}", "clauses": [{"id": c} for c in clauses]},
            )
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        got = {r[0] for r in conn.execute("SELECT v FROM decision_clause_ids")}
        assert got == {"CSS-1", "CSS-2", "KR-1"}
        conn.execute("DROP TABLE decision_clause_ids")
    with open_store(pg_url) as again:  # the owner's open makes and fills it again
        assert again.distinct("decisions", "clause_ids") == ["CSS-1", "CSS-2", "KR-1"]
        with again.transaction("t") as txn:
            txn.insert("decisions", "D-9", {"decision_id": "D-9", "clauses": [{"id": "AA-1"}]})
    with open_store(pg_url) as fresh:
        assert fresh.distinct("decisions", "clause_ids") == ["AA-1", "CSS-1", "CSS-2", "KR-1"]


def test_the_owners_triggers_of_an_older_database_get_a_search_path_pg_temp_cannot_lead(pg_url):
    """Schema 6 re-creates the owner's SECURITY DEFINER trigger functions on a database
    made before, with the schema first and pg_temp last (see test_pg_rights.py)."""
    from appeals_tui.store.factory import create_store, open_store

    create_store(pg_url).close()
    functions = "('appeals_note_clause_ids', 'appeals_rollup_decision_days')"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in ("appeals_note_clause_ids", "appeals_rollup_decision_days"):
            conn.execute(f"ALTER FUNCTION {name}() SET search_path FROM CURRENT")  # noqa: S608
        conn.execute("DELETE FROM appeals_schema WHERE version >= 6")  # made before 6
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        configs = conn.execute(
            f"SELECT proname, proconfig FROM pg_proc WHERE proname IN {functions}"  # noqa: S608
        ).fetchall()
        assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION
    assert len(configs) == 2
    for name, config in configs:
        assert config == ["search_path=public, pg_temp"], (name, config)
