"""Child process for the concurrency tests: distinct inserts plus a contended counter.

Usage: concurrent_writer.py TARGET NAME COUNT COMPACT_EVERY, where TARGET is what
`open_store` accepts (a workspace directory or a database URL). Items go to the
declared "reports" table, the counter is the "cases" doc "shared".

The counter is read outside the transaction (as the UI does) and updated with
expected_version; on ConflictError the worker reloads and retries. Prints one
JSON summary line at the end.
"""

from __future__ import annotations

import json
import random
import sys
import time

from appeals_tui.domain.errors import ConflictError
from appeals_tui.store.factory import is_url, open_store


def main() -> None:
    target, name, count, compact_every = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    ws = open_store(target, **({} if is_url(target) else {"lock_timeout": 30}))
    updates = conflicts = 0
    for i in range(count):
        key = f"{name}-{i:04d}"
        with ws.transaction(name) as txn:
            txn.insert("reports", key, {"by": name, "i": i})
            txn.event("item.added", key, {"by": name})
        while True:
            current = ws.get("cases", "shared")
            assert current is not None
            time.sleep(random.uniform(0, 0.002))
            try:
                with ws.transaction(name) as txn:
                    txn.update(
                        "cases",
                        "shared",
                        {"n": current["n"] + 1, "last": name},
                        expected_version=current["version"],
                    )
                    txn.event("counter.bumped", "shared", {"to": current["n"] + 1})
                updates += 1
                break
            except ConflictError:
                conflicts += 1
        if compact_every and (i + 1) % compact_every == 0:
            ws.compact()
    ws.close()
    print(json.dumps({"name": name, "inserts": count, "updates": updates, "conflicts": conflicts}))


if __name__ == "__main__":
    main()
