"""Finding 5: a writer kept waiting says so, and a wait that times out is exit 4
("busy, try again") naming the holder's PID and command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_busy_workspace_is_exit_4_naming_the_holder(ws_path: Path) -> None:
    (ws_path.parent / "hold.py").write_text(HOLD)
    holder = subprocess.Popen(
        [sys.executable, "../hold.py", "workspace.lock"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ws_path,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "APPEALS_LOCK_TIMEOUT": "2"}
        claim = subprocess.run(
            [sys.executable, "-m", "appeals_tui", "--data-dir", str(ws_path), "--user",
             "minji", "claim", "C-000001"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert claim.returncode == 4, claim.stderr
    assert "waiting for the workspace lock, held by PID" in claim.stderr
    assert f"workspace busy: locked by PID {holder.pid} (../hold.py workspace.lock)" in claim.stderr
    assert "try again" in claim.stderr
    assert "Traceback" not in claim.stderr
