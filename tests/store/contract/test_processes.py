"""Contract: several writer processes, and kill -9 in the middle of writing.

Reuses the child writers of tests/store (concurrent_writer.py, crash_writer.py),
which open the target through `open_store`. The embedded backend's own crash test
(aimed at compactions and torn journal tails) is tests/store/test_store_processes.py.
"""

from __future__ import annotations

import json
import random
import re
import signal
import time

import pytest

from appeals_tui.store.factory import create_store, open_store
from appeals_tui.store.protocol import Store

pytestmark = pytest.mark.slow
KEY = re.compile(rb"^K-\d{6}$")


def test_concurrent_writers_lose_nothing(target: str, spawn) -> None:
    workers, per_worker = 3, 60
    with create_store(target) as store, store.transaction("setup") as txn:
        txn.insert("cases", "shared", {"n": 0})
    procs = [
        spawn("concurrent_writer.py", target, f"w{i}", str(per_worker), str(25 if i == 0 else 0))
        for i in range(workers)
    ]
    summaries = []
    for proc in procs:
        out, _ = proc.communicate(timeout=180)
        assert proc.returncode == 0
        summaries.append(json.loads(out.splitlines()[-1]))
    updates = sum(s["updates"] for s in summaries)
    conflicts = sum(s["conflicts"] for s in summaries)
    with open_store(target) as store:
        assert store.count("reports") == workers * per_worker
        counter = store.get("cases", "shared")
        assert counter is not None
        assert counter["n"] == updates == workers * per_worker
        assert counter["version"] == updates + 1
        # + the setup's "records.changed" (it logged no event of its own)
        assert len(store.events()) == 2 * workers * per_worker + 1
        result = store.verify()
        assert result.ok, result.problem
    print(f"\n{workers} processes: {updates} contended updates, {conflicts} conflicts retried")
    assert conflicts > 0  # the optimistic versions were really contended


def test_kill_9_never_loses_acknowledged_writes(target: str, spawn) -> None:
    with create_store(target):
        pass
    rng = random.Random(11)
    acked: set[str] = set()
    for _ in range(8):
        proc = spawn("crash_writer.py", target, str(rng.choice([7, 25])))
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        # one acknowledged write first: a slow (loaded) server still gets killed mid-stream
        first = proc.stdout.readline().strip()
        assert KEY.match(first), first
        acked.add(first.decode())
        time.sleep(rng.uniform(0.01, 0.15))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        acked |= {line.decode() for line in rest.split(b"\n") if KEY.match(line)}
        with open_store(target) as store:
            _check_whole(store, acked)
    assert len(acked) >= 8


def test_kill_9_during_staged_publishes_leaves_whole_batches(target: str, spawn) -> None:
    """A staging is all or nothing whenever it is killed, its publish included."""
    n = 3000
    with create_store(target):
        pass
    rng = random.Random(5)
    acked: set[str] = set()
    for _ in range(6):
        proc = spawn("crash_writer.py", target, "staged", str(n))
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        assert proc.stdout.readline().strip() == b"publishing"
        time.sleep(rng.uniform(0.0, 0.6))  # somewhere in (or just after) the publish
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
        acked |= {line.decode() for line in rest.split(b"\n") if KEY.match(line)}
        with open_store(target) as store:
            present = store.count("reports")
            assert present % n == 0, "a staging was split"
            assert len(store.get_many("reports", acked)) == len(acked), "acknowledged but lost"
            counter = store.get("cases", "c")
            assert (counter or {"n": 0})["n"] == present
            result = store.verify()
            assert result.ok, result.problem


def _check_whole(store: Store, acked: set[str]) -> None:
    present = store.count("reports")
    assert len(store.get_many("reports", acked)) == len(acked), "acknowledged but lost"
    counter = store.get("cases", "c")
    assert counter is None or counter["n"] == present, "a transaction was split"
    assert len(store.events()) == present
    result = store.verify()
    assert result.ok, result.problem
