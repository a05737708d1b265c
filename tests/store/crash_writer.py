"""Child process for the crash test: commits transactions until killed.

Prints each key only after its transaction returned (= acknowledged), and
"compacting"/"compacted" around periodic compactions so the parent can aim.
Usage: crash_writer.py TARGET COMPACT_EVERY (TARGET: what `open_store` accepts).
Items go to the declared "reports" table, the counter is the "cases" doc "c".
`crash_writer.py TARGET staged N`: stagings of N items each (protocol v5), printing
"publishing" before each publish and the batch's first key once it returned.
"""

from __future__ import annotations

import sys

from appeals_tui.store.factory import is_url, open_store


def staged(target: str, n: int) -> None:
    ws = open_store(target)
    print("ready", flush=True)
    while True:
        with ws.staging("crash") as st:
            keys = [st.next_id("K") for _ in range(n)]
            for i, key in enumerate(keys):
                st.add("reports", key, {"n": i, "pad": "x" * 300})
                st.event("item.added", key, {"n": i})

            def finish(txn) -> None:
                counter = txn.get("cases", "c")
                if counter is None:
                    txn.insert("cases", "c", {"n": n})
                else:
                    txn.update("cases", "c", {"n": counter["n"] + n})

            print("publishing", flush=True)
            st.publish(finish)
        print(keys[0], flush=True)


def main() -> None:
    if sys.argv[2] == "staged":
        staged(sys.argv[1], int(sys.argv[3]))
        return
    target, compact_every = sys.argv[1], int(sys.argv[2])
    ws = open_store(target, **({} if is_url(target) else {"auto_compact": False}))
    print("ready", flush=True)
    n = 0
    while True:
        with ws.transaction("crash") as txn:
            key = txn.next_id("K")
            txn.insert("reports", key, {"n": n, "pad": "x" * 300})
            counter = txn.get("cases", "c")
            if counter is None:
                txn.insert("cases", "c", {"n": 1})
            else:
                txn.update("cases", "c", {"n": counter["n"] + 1})
            txn.event("item.added", key, {"n": n})
        print(key, flush=True)
        n += 1
        if n % compact_every == 0:
            print("compacting", flush=True)
            ws.compact()
            print("compacted", flush=True)


if __name__ == "__main__":
    main()
