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
