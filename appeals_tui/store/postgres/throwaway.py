"""A throwaway local PostgreSQL cluster: data and socket in one temporary directory.

Why: the tests need a real server, and someone trying the Teams setup needs one
without touching a system install. PostgreSQL refuses to run as root, so as root
the server runs as the `postgres` OS user (`runuser`). It listens only on a Unix
socket in the temporary directory (no TCP), with `trust` auth: anyone who can
reach that socket may log in as any role, so the directory is only reachable by
its owner and root.

`python -m appeals_tui.store.postgres.throwaway` starts one, prints its URL and
stops it (deleting everything) on Ctrl-C.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PG_BIN", "ThrowawayCluster", "ClusterUnavailable", "find_bin"]

PG_BIN = Path(os.environ.get("APPEALS_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ClusterUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the server would not start."""


def find_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    for candidate in (PG_BIN, *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)):
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@dataclass
class ThrowawayCluster:
    """start() -> url of the superuser on a fresh cluster; stop() removes every file."""

    port: int = 5432
    fsync: bool = False
    root: Path | None = None
    _bin: Path | None = field(default=None, repr=False)
    _run_as: str | None = field(default=None, repr=False)
    _options: str = field(default="", repr=False)

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "not started"
        return self.root

    @property
    def superuser(self) -> str:
        return self._run_as or pwd.getpwuid(os.getuid()).pw_name

    def url(self, dbname: str = "postgres", user: str | None = None) -> str:
        """A libpq URL reaching the socket (the host is a directory, hence the query form)."""
        return (
            f"postgresql:///{dbname}?host={self.socket_dir}&port={self.port}"
            f"&user={user or self.superuser}"
        )

    def _cmd(self, *args: str) -> list[str]:
        if not self._run_as:
            return list(args)
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        return [runuser, "-u", self._run_as, "--", *args]

    def start(self) -> str:
        self._bin = find_bin()
        if self._bin is None:
            raise ClusterUnavailable(
                "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin "
                "or on PATH; set APPEALS_PG_BIN)"
            )
        self._run_as = "postgres" if os.getuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="appeals-pg-"))
        data = self.root / "data"
        if self._run_as:
            os.chown(self.root, pwd.getpwnam(self._run_as).pw_uid, -1)
        os.chmod(self.root, 0o700)
        try:
            self._run(
                str(self._bin / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                self.superuser,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            self._options = options = (
                f"-k {self.root} -p {self.port} -c listen_addresses='' "
                f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200"
            )
            self._run(
                str(self._bin / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        except BaseException:
            self.stop()
            raise
        return self.url()

    def _run(self, *args: str) -> None:
        try:
            subprocess.run(
                self._cmd(*args), check=True, capture_output=True, text=True, cwd=self.root
            )
        except FileNotFoundError as exc:
            raise ClusterUnavailable(f"cannot run {exc.filename}: {exc.strerror}") from None
        except subprocess.CalledProcessError as exc:
            log = self.root / "server.log" if self.root else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.is_file() else ""
            raise ClusterUnavailable(
                f"{Path(args[0]).name} failed ({exc.returncode}): {exc.stderr.strip()} {tail}"
            ) from None

    def pg_ctl(self, action: str, *extra: str) -> None:
        """Run `pg_ctl ACTION` on this cluster (stop/start/restart in tests)."""
        assert self._bin is not None and self.root is not None
        args = [str(self._bin / "pg_ctl"), "-D", str(self.root / "data"), "-w", *extra, action]
        if action in ("start", "restart"):
            args[-1:-1] = ["-l", str(self.root / "server.log"), "-o", self._options]
        self._run(*args)

    def stop(self) -> None:
        if self.root is None:
            return
        if self._bin is not None and (self.root / "data" / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(
                    str(self._bin / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ),
                capture_output=True,
                cwd=self.root,
            )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def main() -> int:
    """Start a cluster with an empty `appeals` database; print its URL; Ctrl-C removes it."""
    cluster = ThrowawayCluster(port=int(os.environ.get("APPEALS_PG_PORT", "5432")))
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE appeals")
    except (ClusterUnavailable, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        cluster.stop()
        return 1
    print(cluster.url("appeals"), flush=True)
    print(
        f"# throwaway PostgreSQL in {cluster.root} (owner role: {cluster.superuser}); e.g.\n"
        f"#   export APPEALS_DATABASE_URL='{cluster.url('appeals')}'\n"
        "#   appeals init --admin alice\n"
        f"#   appeals --database '{cluster.url('appeals', user='alice')}' users add minji "
        "--role moderator\n"
        "# Ctrl-C stops it and deletes everything.",
        file=sys.stderr,
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop like Ctrl-C
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
