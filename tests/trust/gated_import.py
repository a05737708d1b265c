"""Child process: the `appeals` command, whose import stops once mid-staging until told to go on.

Why: tests/trust/test_staged_import.py shows that other users' commands run while an
import stages. Timed with a sleep, that depended on the machine's speed: a 20k-report
import took ~6 s here at load 6 and might take ~2 s on a quiet, faster machine, ending
before the other commands ran. Here the import runs unchanged, except that its AT-th
staged record first creates the file HERE and waits until the file GO exists.
Usage: gated_import.py HERE GO AT APPEALS-ARGS...
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path
from typing import Any

from appeals_tui.store.staging import WorkspaceStaging

#: seconds a gated import waits for GO before giving up (the test failed meanwhile)
WAIT = 300


def main() -> None:
    here, go, at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    add = WorkspaceStaging.add
    seen = 0

    def gated(self: WorkspaceStaging, table: str, key: str, doc: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == at:
            here.touch()
            deadline = time.monotonic() + WAIT
            while not go.exists():
                if time.monotonic() > deadline:
                    raise SystemExit("gated_import: never told to go on")
                time.sleep(0.01)
        add(self, table, key, doc)

    WorkspaceStaging.add = gated  # type: ignore[method-assign]  # the gate, in this process only
    sys.argv = ["appeals", *sys.argv[4:]]
    runpy.run_module("appeals_tui", run_name="__main__")


if __name__ == "__main__":
    main()
