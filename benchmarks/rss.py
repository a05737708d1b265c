"""`python -m benchmarks.rss OUT CMD [ARG...]`: run CMD, then write its time, peak RSS and CPU to OUT.

Why: Linux carries a process's RSS high-water mark across fork and exec, so the
`ru_maxrss` of a command started by the benchmark process is at least the
benchmark's own peak (hundreds of MB after it has read a workspace), not the
command's. This small process starts the command instead, so only its own ~10 MB
high-water mark is inherited (a floor far below any appeals command), and it
times the command from spawn to exit. CMD's stdin/stdout/stderr are this
process's; the exit status is CMD's (128 + signal when killed by one).
"""

from __future__ import annotations

import os
import sys
import time


def main(argv: list[str]) -> int:
    out, cmd = argv[0], argv[1:]
    t = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - t
    with open(out, "w", encoding="utf-8") as fh:
        cpu = usage.ru_utime + usage.ru_stime  # the command's own CPU: what load can't inflate
        fh.write(f"{seconds} {usage.ru_maxrss} {cpu}\n")  # seconds, KiB, seconds
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
