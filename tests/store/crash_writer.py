"""Child process for the crash test: commits transactions until killed.

Prints each key only after its transaction returned (= acknowledged), and
"compacting"/"compacted" around periodic compactions so the parent can aim.
"""

from __future__ import annotations

import sys
from pathlib import Path

from appeals_tui.store import Workspace


def main() -> None:
    path, compact_every = Path(sys.argv[1]), int(sys.argv[2])
    ws = Workspace.open(path, auto_compact=False)
    print("ready", flush=True)
    n = 0
    while True:
        with ws.transaction("crash") as txn:
            key = txn.next_id("K")
            txn.insert("items", key, {"n": n, "pad": "x" * 300})
            counter = txn.get("counters", "c")
            if counter is None:
                txn.insert("counters", "c", {"n": 1})
            else:
                txn.update("counters", "c", {"n": counter["n"] + 1})
            txn.event("item.added", key, {"n": n})
        print(key, flush=True)
        n += 1
        if n % compact_every == 0:
            print("compacting", flush=True)
            ws.compact()
            print("compacted", flush=True)


if __name__ == "__main__":
    main()
