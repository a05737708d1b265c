"""A PostgreSQL benchmark database of N decisions, copied with COPY from a kept workspace.

Why: building 1M decisions through the embedded builder (the services' own record
writers) would take hours on the reference machine and ~5 GB of workspace. The
records of a kept workspace of M decisions (built that way) are instead copied
N/M times into PostgreSQL with `COPY` (`store.transfer`'s own path: the same
columns, computed fields and versions as a transaction writes), each copy with
its ids renumbered (`C-000001` -> `C-1000001` for copy 1, ...) and its accounts,
subjects and contacts suffixed, so every copy is a separate population of cases
and accounts with the same shape, text and factor profiles as the original.

Each bench user logs in as the database role of its own name (`login` = name).
The audit chain is the original workspace's (events attest only the first copy's
records and the original logins), so `appeals verify` does not pass on such a
database: it is for timing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from appeals_tui.store.protocol import ChainHead, Doc
from appeals_tui.store.transfer import _into_database, _WorkspaceSource

__all__ = ["ScaledSource", "copy_scaled"]

_ID = re.compile(r"^([A-Z]{1,3})-(\d{6,7})$")
_SUFFIXED = re.compile(r"^(acct|bench|cliacct|imp)[0-9]")
_STEP = 10**6  # copy k's ids: k * 10**6 + the original number (6-digit originals)


def _remap(value: Any, k: int) -> Any:
    if isinstance(value, str):
        m = _ID.match(value)
        if m is not None:
            return f"{m.group(1)}-{k}{m.group(2)}"
        return f"{value}.{k}" if _SUFFIXED.match(value) else value
    if isinstance(value, list):
        return [_remap(v, k) for v in value]
    if isinstance(value, dict):
        return {name: _remap(v, k) for name, v in value.items()}
    return value


def _own_login(doc: Doc) -> Doc:
    """A bench user acts as the database role of its own name (the embedded builder
    maps every user to the OS login running it; on PostgreSQL identity is the role)."""
    return {**doc, "login": doc["name"]} if doc.get("name") else doc


def _remap_doc(table: str, doc: Doc, k: int) -> Doc:
    out = _remap(doc, k)
    if table in ("cases", "case_links") and out.get("contacts"):
        out["contacts"] = [f"{c}.{k}" for c in out["contacts"]]
    return out


class ScaledSource:
    """`store.transfer`'s source protocol over `copies` renumbered copies of a workspace."""

    def __init__(self, path: Path, copies: int) -> None:
        self.inner = _WorkspaceSource(path)
        self.copies = copies

    def tables(self) -> list[str]:
        return self.inner.tables()

    def records(self, table: str) -> Iterator[tuple[str, Doc]]:
        if table == "users":
            for key, doc in self.inner.records(table):
                yield key, _own_login(doc)
            return
        yield from self.inner.records(table)
        for k in range(1, self.copies):
            for key, doc in self.inner.records(table):
                new = _remap(key, k)
                if new != key:  # users, settings-like tables: one copy
                    yield new, _remap_doc(table, doc, k)

    def count(self, table: str) -> int:
        n = self.inner.count(table)
        some = next(self.inner.records(table), None)
        renamed = some is not None and _remap(some[0], 1) != some[0]
        return n * self.copies if renamed else n

    def meta(self) -> dict[str, Any]:
        meta = self.inner.meta()
        for key, value in list(meta.items()):
            if key.startswith("next_id:") and type(value) is int and value:
                meta[key] = (self.copies - 1) * _STEP + value
        return meta

    def events(self) -> Iterator[Doc]:
        return self.inner.events()

    def head(self) -> ChainHead:
        return self.inner.head()

    def close(self) -> None:
        self.inner.close()


def copy_scaled(path: Path, url: str, copies: int) -> dict[str, int]:
    """COPY `copies` renumbered copies of the workspace at `path` into the empty database
    at `url` (one transaction, then ANALYZE); returns rows per table."""
    src = ScaledSource(path, copies)
    try:
        tables = src.tables()
        counts = {t: src.count(t) for t in tables}
        _into_database(src, url, tables, None)
    finally:
        src.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have by then (visibility map)
    return counts
