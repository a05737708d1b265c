"""A throwaway PostgreSQL cluster per test session, and an empty database per test.

Why: the PostgreSQL backend is only shown to work against a real server. Locally,
without PostgreSQL installed, these tests skip; CI sets APPEALS_PG_REQUIRED=1, which
turns a missing or broken server into an error, and the session's closing hook
fails the run if no PostgreSQL test passed or any was skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from appeals_tui.store.postgres.throwaway import ClusterUnavailable, ThrowawayCluster

PG_REQUIRED = os.environ.get("APPEALS_PG_REQUIRED") == "1"
MARK = "postgres"

_counts = {"passed": 0, "skipped": 0, "failed": 0}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster()
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        if PG_REQUIRED:
            pytest.fail(f"APPEALS_PG_REQUIRED=1 but no PostgreSQL server could start: {exc}")
        pytest.skip(f"no PostgreSQL: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


def create_database(cluster: ThrowawayCluster) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(cluster: ThrowawayCluster, name: str) -> None:
    if cluster.root is None:
        return
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    except psycopg.OperationalError:
        pass  # the server was stopped by the test; the cluster goes at session end


@pytest.fixture
def pg_url(pg_cluster: ThrowawayCluster) -> Iterator[str]:
    """URL (as the cluster's superuser) of a fresh, empty database."""
    name = create_database(pg_cluster)
    yield pg_cluster.url(name)
    drop_database(pg_cluster, name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_cluster" in getattr(item, "fixturenames", ()) or "[postgresql" in item.nodeid:
            item.add_marker(MARK)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if MARK not in report.keywords:
        return
    if report.failed:
        _counts["failed"] += 1
    elif report.skipped:
        _counts["skipped"] += 1
    elif report.when == "call" and report.passed:
        _counts["passed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller counts
        return
    out = os.environ.get("APPEALS_PG_REPORT")
    if out:
        Path(out).write_text(
            f"passed={_counts['passed']} skipped={_counts['skipped']} failed={_counts['failed']}\n"
        )
    if PG_REQUIRED and (_counts["passed"] == 0 or _counts["skipped"]):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    line = (
        f"postgresql tests: {_counts['passed']} passed, {_counts['skipped']} skipped, "
        f"{_counts['failed']} failed"
    )
    if PG_REQUIRED and (_counts["passed"] == 0 or _counts["skipped"]):
        line += " - APPEALS_PG_REQUIRED=1: PostgreSQL tests must run and pass"
    terminalreporter.write_line(line)
