"""`appeals migrate`: copy a whole store to an empty one of the other kind.

Why: a team moves from one host's workspace directory to PostgreSQL (and may
need to move back). Records, settings, id counters and the audit chain are
copied verbatim, in insertion order, so every count matches and both sides
verify with the same chain head; a target that already holds anything is
refused, never merged into. The copy into PostgreSQL is one transaction
(COPY): it lands whole or not at all. A directory target that fails part way is
removed again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.protocol import ChainHead, Doc
from appeals_tui.store.schema import SCHEMA

__all__ = ["TransferResult", "transfer", "is_database"]

Progress = Callable[[str, int], None]
CHUNK = 5000


def is_database(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@dataclass
class TransferResult:
    """What was copied, and the proof: equal counts and the same chain head both sides."""

    source: str
    target: str
    counts: dict[str, int] = field(default_factory=dict)
    target_counts: dict[str, int] = field(default_factory=dict)
    events: int = 0
    head: str = ""
    target_head: str = ""
    verified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "counts": self.counts,
            "target_counts": self.target_counts,
            "events": self.events,
            "head": self.head,
            "target_head": self.target_head,
            "verified": self.verified,
        }


class _Source(Protocol):
    def tables(self) -> list[str]: ...
    def records(self, table: str) -> Iterator[tuple[str, Doc]]: ...
    def count(self, table: str) -> int: ...
    def meta(self) -> dict[str, Any]: ...
    def events(self) -> Iterator[Doc]: ...
    def head(self) -> ChainHead: ...
    def close(self) -> None: ...


class _WorkspaceSource:
    def __init__(self, path: Path) -> None:
        from appeals_tui.store.workspace import Workspace

        self.ws = Workspace.open(path)

    def tables(self) -> list[str]:
        self.ws.refresh()
        names = [n for n in self.ws._rep.names() if self.ws._rep.docs(n)]
        declared = [t.name for t in SCHEMA.tables]
        return [n for n in declared if n in names] + sorted(n for n in names if n not in declared)

    def records(self, table: str) -> Iterator[tuple[str, Doc]]:
        self.ws.refresh()
        for key, doc in list(self.ws._rep.docs(table).items()):  # insertion order
            yield str(key), dict(doc)

    def count(self, table: str) -> int:
        self.ws.refresh()
        return len(self.ws._rep.docs(table))

    def meta(self) -> dict[str, Any]:
        self.ws.refresh()
        return dict(self.ws._rep.meta)

    def events(self) -> Iterator[Doc]:
        yield from self.ws.events(0)

    def head(self) -> ChainHead:
        return self.ws.head()

    def close(self) -> None:
        self.ws.close()


class _DatabaseSource:
    def __init__(self, url: str) -> None:
        from appeals_tui.store.postgres.store import PostgresStore

        self.url = url
        self.store = PostgresStore.open(url)

    def tables(self) -> list[str]:
        from appeals_tui.store.postgres.bulk import record_tables

        names = self.store._read(record_tables)
        return [n for n in names if self.count(n)]

    def records(self, table: str) -> Iterator[tuple[str, Doc]]:
        from appeals_tui.store.postgres.bulk import iter_records

        yield from iter_records(self.url, table)

    def count(self, table: str) -> int:
        return self.store.count(table)

    def meta(self) -> dict[str, Any]:
        from appeals_tui.store.postgres.bulk import read_meta

        meta: dict[str, Any] = self.store._read(read_meta)
        return meta

    def events(self) -> Iterator[Doc]:
        yield from self.store.iter_events()

    def head(self) -> ChainHead:
        return self.store.head()

    def close(self) -> None:
        self.store.close()


def _open_source(source: str | Path) -> _Source:
    if is_database(source):
        return _DatabaseSource(str(source))
    from appeals_tui.store.workspace import Workspace

    if not Workspace.exists(Path(source)):
        raise StoreError(f"no workspace at {source}")
    return _WorkspaceSource(Path(source))


def _head_text(head: ChainHead) -> str:
    return f"{head.seq}:{head.hash}"


def transfer(
    source: str | Path, target: str | Path, progress: Progress | None = None
) -> TransferResult:
    """Copy `source` into the empty `target`; StoreError if it is not empty or the
    copy does not match afterwards."""
    if str(source) == str(target):
        raise StoreError("migrate: source and target are the same")
    src = _open_source(source)
    try:
        result = TransferResult(source=_show(source), target=_show(target))
        tables = src.tables()
        result.counts = {t: src.count(t) for t in tables}
        head = src.head()
        result.head, result.events = _head_text(head), head.seq
        if is_database(target):
            _into_database(src, str(target), tables, progress)
        else:
            _into_directory(src, Path(target), tables, progress)
    finally:
        src.close()
    check = _open_source(target)
    try:
        result.target_counts = {t: check.count(t) for t in tables}
        result.target_head = _head_text(check.head())
    finally:
        check.close()
    _copy_media(source, target)
    from appeals_tui.store.factory import verify_store

    verdict = verify_store(str(target))
    result.verified = verdict.ok
    if result.target_counts != result.counts or result.target_head != result.head:
        raise StoreError(
            f"migrate: the copy at {result.target} does not match: counts {result.target_counts} "
            f"vs {result.counts}, head {result.target_head} vs {result.head}"
        )
    if not verdict.ok:
        raise StoreError(f"migrate: the copy at {result.target} fails verify: {verdict.problem}")
    return result


def _copy_media(source: str | Path, target: str | Path) -> None:
    """Image bytes (content-addressed files) go along with the records that name them."""
    from appeals_tui.store.factory import open_store

    with open_store(source) as src, open_store(target) as dst:
        there, here = Path(src.media_dir), Path(dst.media_dir)
    if there.is_dir() and there != here:
        shutil.copytree(there, here, dirs_exist_ok=True)


def _show(target: str | Path) -> str:
    if is_database(target):
        from appeals_tui.store.postgres.connect import redact

        return redact(str(target))
    return str(target)


def _into_database(src: _Source, url: str, tables: list[str], progress: Progress | None) -> None:
    from appeals_tui.store.postgres import bulk, migrations
    from appeals_tui.store.postgres.connect import connect, redact, translate_errors
    from appeals_tui.store.postgres.store import provision_login

    where = redact(url)
    conn = connect(url, autocommit=True)
    try:
        with translate_errors(where):
            version = migrations.schema_version(conn)
            if version is not None and _database_holds_anything(conn):
                raise StoreError(f"migrate: {where} is not empty; migrate only into a new database")
            migrations.apply_migrations(conn, where)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (migrations.CHAIN_LOCK,))
                if _database_holds_anything(conn):
                    raise StoreError(f"migrate: {where} is not empty")
                bulk.write_meta(conn, src.meta())
                for table in tables:
                    step = (lambda n, t=table: progress(t, n)) if progress else None
                    bulk.copy_records(conn, table, src.records(table), step)
                for _, user in src.records("users") if "users" in tables else ():
                    provision_login(conn, user)
                events_step = (lambda n: progress("events", n)) if progress else None
                bulk.copy_events(conn, src.events(), events_step)
            conn.execute("ANALYZE")  # plans for the freshly loaded tables
    finally:
        conn.close()


def _database_holds_anything(conn: Any) -> bool:
    for t in ("events", "users", "cases", "decisions", "documents", "meta", "counters"):
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]:  # noqa: S608
            return True
    return False


def _into_directory(src: _Source, path: Path, tables: list[str], progress: Progress | None) -> None:
    from appeals_tui.store.workspace import Workspace

    if Workspace.exists(path) or (path.exists() and any(path.iterdir())):
        raise StoreError(f"migrate: {path} is not empty; migrate only into a new directory")
    created = not path.exists()
    ws = Workspace.create(path, auto_compact=True)
    ok = False
    try:
        meta = {k: v for k, v in src.meta().items() if k != "schema_version"}
        with ws.transaction("migrate") as txn:
            _verbatim(txn)
            txn._meta_puts.update(meta)
        for table in tables:
            batch: list[tuple[str, Doc]] = []
            for key, doc in src.records(table):
                batch.append((key, doc))
                if len(batch) >= CHUNK:
                    _put(ws, table, batch, progress)
                    batch = []
            _put(ws, table, batch, progress)
        events: list[Doc] = []
        for ev in src.events():
            events.append(ev)
            if len(events) >= CHUNK:
                _append(ws, events, progress)
                events = []
        _append(ws, events, progress)
        ws.compact()
        ok = True
    finally:
        ws.close()
        if not ok:
            shutil.rmtree(path, ignore_errors=True) if created else _empty(path)


def _empty(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _verbatim(txn: Any) -> None:
    """The copied chain already attests these records: add no event of our own."""
    txn._attest = lambda *_: None


def _put(ws: Any, table: str, batch: list[tuple[str, Doc]], progress: Progress | None) -> None:
    """Records verbatim (their versions kept) as one journaled transaction."""
    if not batch:
        return
    with ws.transaction("migrate") as txn:
        _verbatim(txn)
        for key, doc in batch:
            txn._puts[(table, key)] = doc
    if progress:
        progress(table, len(batch))


def _append(ws: Any, events: list[Doc], progress: Progress | None) -> None:
    """Audit events verbatim: the copied chain continues exactly where it was."""
    if not events:
        return
    with ws.transaction("migrate") as txn:
        _verbatim(txn)
        if events[0]["seq"] != txn._seq + 1 or events[0]["prev_hash"] != txn._hash:
            raise StoreError(f"migrate: event {events[0]['seq']} does not continue the chain")
        txn._events.extend(events)
        txn._seq, txn._hash = events[-1]["seq"], events[-1]["hash"]
    if progress:
        progress("events", len(events))
