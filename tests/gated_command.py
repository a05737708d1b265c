"""Child process: the `appeals` command, held once at a chosen call until told to go on.

Why: tests that act on a command while it works (others write while an import stages,
Ctrl-C during an export) timed that with sleeps or by racing it, which depended on
the machine's speed: a quick or quiet machine finished the work first. Here the
command runs unchanged, except that the AT-th call of TARGET (`module:Class.method`)
first creates the file HERE and waits until the file GO exists.
Usage: gated_command.py TARGET AT HERE GO APPEALS-ARGS...
"""

from __future__ import annotations

import importlib
import runpy
import sys
import time
from pathlib import Path
from typing import Any

#: seconds a held command waits for GO before giving up (the test failed meanwhile)
WAIT = 300


def main() -> None:
    target, at, here, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    module, _, attr = target.partition(":")
    owner_name, _, method = attr.rpartition(".")
    owner = getattr(importlib.import_module(module), owner_name)
    real = getattr(owner, method)
    seen = 0

    def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        seen += 1
        if seen == at:
            here.touch()
            deadline = time.monotonic() + WAIT
            while not go.exists():
                if time.monotonic() > deadline:
                    raise SystemExit("gated_command: never told to go on")
                time.sleep(0.01)
        return real(*args, **kwargs)

    setattr(owner, method, held)
    sys.argv = ["appeals", *sys.argv[5:]]
    runpy.run_module("appeals_tui", run_name="__main__")


if __name__ == "__main__":
    main()
