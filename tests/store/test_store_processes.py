"""Real processes: SIGKILL at random moments, aimed also at compactions and torn tails.

The backend-neutral concurrency and kill -9 tests are in tests/store/contract/.

APPEALS_CRASH_RUNS sets the number of kills (default 40).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appeals_tui.store import Workspace
from appeals_tui.store.journal import JOURNAL, encode_line

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
KEY = re.compile(rb"^K-\d{6}$")
pytestmark = pytest.mark.slow


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def seed(path: Path) -> None:
    """A workspace with ballast so compactions take long enough to be hit."""
    ws = Workspace.create(path)
    for chunk in range(4):
        with ws.transaction("seed") as txn:
            for i in range(500):
                txn.insert("ballast", f"B-{chunk}-{i}", {"text": "lorem ipsum " * 40})
    ws.compact()
    ws.close()


def test_sigkill_never_loses_acknowledged_writes(tmp_path: Path) -> None:
    runs = int(os.environ.get("APPEALS_CRASH_RUNS", "40"))
    path = tmp_path / "ws"
    seed(path)
    rng = random.Random(int(os.environ.get("APPEALS_CRASH_SEED", "1234")))
    acked: set[str] = set()
    stats = {"runs": 0, "kills": 0, "in_compaction": 0, "acknowledged": 0, "torn_tails": 0}
    lost: set[str] = set()
    for run in range(runs):
        aim_compaction = run % 3 == 2
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "crash_writer.py"), str(path), str(rng.choice([10, 50]))],
            stdout=subprocess.PIPE,
            env=child_env(),
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        lines: list[bytes] = []
        if aim_compaction:
            while (line := proc.stdout.readline().strip()) != b"compacting":
                assert line, "writer died on its own"
                lines.append(line)
            lines.append(line)
            time.sleep(rng.uniform(0, 0.02))
        else:
            time.sleep(rng.uniform(0, 0.12))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        lines += rest.split(b"\n")
        stats["runs"] += 1
        stats["kills"] += 1
        if b"compacting" in lines:
            last = len(lines) - 1 - lines[::-1].index(b"compacting")
            stats["in_compaction"] += b"compacted" not in lines[last:]
        new = {line.decode() for line in lines if KEY.match(line)}
        stats["acknowledged"] += len(new)
        acked |= new
        data = (path / JOURNAL).read_bytes() if (path / JOURNAL).exists() else b""
        stats["torn_tails"] += bool(data) and not data.endswith(b"\n")
        if run % 4 == 1:  # SIGKILL cannot tear a pwrite; simulate a power cut's torn tail
            line = encode_line({"r": 10**6, "actor": "x", "ops": [], "events": []})
            with open(path / JOURNAL, "ab") as fh:
                fh.write(line[: rng.randrange(1, len(line) - 1)])
            stats["torn_tails"] += 1

        with Workspace.open(path) as ws:
            present = {doc.doc_id for doc in ws.db.table("reports").all()}
            lost |= acked - present
            counter = ws.get("cases", "c")
            assert counter is None or counter["n"] == len(present), "a transaction was split"
            result = ws.verify()
            assert result.ok, result.problem
            # the seed's writes logged no event: each got a "records.changed" one
            assert len([e for e in ws.events() if e["type"] == "item.added"]) == len(present)
    stats["losses"] = len(lost)
    print(f"\ncrash test: {json.dumps(stats)}")
    assert not lost, f"acknowledged but lost: {sorted(lost)[:10]}"
    assert stats["acknowledged"] > runs
