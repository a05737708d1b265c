"""`Store.server_on_host`: whether the database server shares this machine's cores.

Why it matters: during a bulk import a server on this machine needs a core of its
own, so the import starts no helper process to compete with it
(services/link_helper.py). It must say True for a Unix socket and loopback
addresses, False for anything else and for the embedded store.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from appeals_tui.services import roster
from appeals_tui.store.postgres.connect import server_on_host
from appeals_tui.store.postgres.store import PostgresStore


def _conn(host: str, hostaddr: str | Exception) -> Any:
    """A stand-in with the two `ConnectionInfo` fields `server_on_host` reads."""

    class Info:
        def __init__(self) -> None:
            self.host = host

        @property
        def hostaddr(self) -> str:
            if isinstance(hostaddr, Exception):
                raise hostaddr
            return hostaddr

    return SimpleNamespace(info=Info())


def test_a_server_over_the_unix_socket_is_on_this_host(pg_url):
    store = PostgresStore.create(pg_url)
    try:
        assert store.server_on_host
    finally:
        store.close()


def test_the_embedded_store_has_no_server(tmp_path: Path):
    ws = roster.init_workspace(tmp_path / "ws", "admin")
    try:
        assert ws.server_on_host is False
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("host", "hostaddr", "local"),
    [
        ("/var/run/postgresql", "", True),
        ("@abstract", "", True),
        ("localhost", "127.0.0.1", True),
        ("localhost", "::1", True),
        ("127.0.0.2", "127.0.0.2", True),
        ("db.example.org", "10.1.2.3", False),
        ("10.1.2.3", "10.1.2.3", False),
        ("2001:db8::7", "2001:db8::7", False),
        ("localhost", psycopg.NotSupportedError("libpq < 12"), True),
        ("db.example.org", psycopg.NotSupportedError("libpq < 12"), False),
    ],
)
def test_which_connections_reach_this_host(host, hostaddr, local):
    assert server_on_host(_conn(host, hostaddr)) is local
