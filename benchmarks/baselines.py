"""Reference points for one durable decide: stock TinyDB JSONStorage and plain sqlite3.

TinyDB's JSONStorage rewrites the whole JSON file on every insert (and never
fsyncs), so its cost grows with the table. sqlite3 in WAL mode with
synchronous=FULL, one insert + commit per decision, is the floor a durable
single-file store can hope for on this disk.
"""

from __future__ import annotations

import copy
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import JSONStorage

from benchmarks.measure import summarize

__all__ = ["tinydb_insert", "sqlite_insert"]


def _docs(template: dict[str, Any], n: int, start: int = 0) -> list[dict[str, Any]]:
    out = []
    for i in range(start, start + n):
        doc = copy.deepcopy(template)
        doc["decision_id"] = f"D-{i:07d}"
        out.append(doc)
    return out


def tinydb_insert(
    directory: Path, template: dict[str, Any], size: int, samples: int
) -> dict[str, Any]:
    """Insert one decision into a TinyDB(JSONStorage) table already holding `size` docs."""
    path = directory / f"tinydb-{size}.json"
    path.unlink(missing_ok=True)
    db = TinyDB(path, storage=JSONStorage)
    table = db.table("decisions")
    table.insert_multiple(_docs(template, size))
    times = []
    for doc in _docs(template, samples, start=size):
        t = time.perf_counter()
        table.insert(doc)
        times.append(time.perf_counter() - t)
    db.close()
    result = summarize(times)
    result["file_mb"] = round(path.stat().st_size / 2**20, 1)
    path.unlink()
    return result


def sqlite_insert(
    directory: Path, template: dict[str, Any], size: int, samples: int
) -> dict[str, Any]:
    """One INSERT + COMMIT per decision (WAL, synchronous=FULL) into a table of `size` rows."""
    path = directory / f"sqlite-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY, doc BLOB NOT NULL)")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO decisions VALUES (?, ?)",
        ((d["decision_id"], orjson.dumps(d)) for d in _docs(template, size)),
    )
    con.execute("COMMIT")
    times = []
    for doc in _docs(template, samples, start=size):
        t = time.perf_counter()
        con.execute("BEGIN")
        con.execute("INSERT INTO decisions VALUES (?, ?)", (doc["decision_id"], orjson.dumps(doc)))
        con.execute("COMMIT")
        times.append(time.perf_counter() - t)
    con.close()
    result = summarize(times)
    result["file_mb"] = round(
        sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
        / 2**20,
        1,
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return result
