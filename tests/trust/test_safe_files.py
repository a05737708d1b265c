"""Finding 3: files are written safely; read-only workspaces can still be read."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.services import intake, roster
from appeals_tui.services.session import Session, os_login
from appeals_tui.store import Workspace
from tests.conftest import removal, report, write_jsonl


@pytest.fixture
def decided(ws_path: Path, sessions) -> Path:
    removal(sessions("minji"))
    sessions("minji").ws.close()
    return ws_path


def export(ws: Path, out: Path, *extra: str):
    args = ["--data-dir", str(ws), "--user", "seoyeon", "export", "decisions"]
    return CliRunner().invoke(cli, [*args, "--format", "csv", "--out", str(out), *extra])


def test_planted_part_symlink_is_not_followed(decided: Path, tmp_path: Path) -> None:
    journal = decided / "journal.log"
    before = journal.read_bytes()
    out = tmp_path / "v.csv"
    (tmp_path / "v.csv.part").symlink_to(journal)
    result = export(decided, out)
    assert result.exit_code == 0, result.output
    assert journal.read_bytes() == before
    assert out.read_text().startswith("decision_id") and not out.is_symlink()


def test_existing_file_is_replaced_only_with_force(decided: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.csv"
    out.write_text("keep me")
    result = export(decided, out)
    assert result.exit_code == 1
    assert "already exists; pass --force" in result.output
    assert out.read_text() == "keep me"
    assert export(decided, out, "--force").exit_code == 0
    assert out.read_text().startswith("decision_id")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_fifo_and_symlink_targets_are_refused(decided: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = export(decided, fifo, "--force")
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    result = export(decided, link, "--force")
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert victim.read_text() == "untouched"


def test_crash_log_is_private_per_user_and_never_follows_a_symlink(
    ws_path: Path, tmp_path: Path, monkeypatch
) -> None:
    from appeals_tui.services import roster as roster_service

    def boom(*_a, **_k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(roster_service, "list_users", boom)
    log = ws_path / f"appeals-crash-{os_login()}.log"
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    log.symlink_to(victim)
    args = ["--data-dir", str(ws_path), "--user", "root", "users", "list"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "internal error (RuntimeError: unexpected)" in result.output
    assert victim.read_text() == "untouched"
    log.unlink()
    result = CliRunner().invoke(cli, args)
    assert f"details in {log}" in result.output
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "RuntimeError: unexpected" in log.read_text()
    assert not Path(tempfile.gettempdir(), "appeals-crash.log").is_symlink()


def test_stale_temp_files_are_cleaned_on_open(ws_path: Path) -> None:
    stale = [ws_path / "snapshot.dat.tmp", ws_path / ".snapshot.dat.k3j2h1.tmp"]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    Workspace.open(ws_path).close()
    assert not any(path.exists() for path in stale)


@contextmanager
def as_reader() -> Iterator[None]:
    """Act as someone who may read the workspace but not write it: as root, the
    `nobody` account for a moment (root ignores modes); otherwise ourselves, with
    the files made read-only by the caller."""
    if os.geteuid() != 0:
        yield
        return
    # Python's own library may live where `nobody` cannot read (here /root/.pyenv, mode
    # 700): what the commands import lazily is imported before dropping the rights, as
    # an earlier test in the same process would have (rich.progress pulls in mmap).
    import rich.progress  # noqa: F401

    os.seteuid(pwd.getpwnam("nobody").pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)


def _reader_run(ws: Path, *args: str):
    with as_reader():
        return CliRunner().invoke(cli, ["--data-dir", str(ws), *args], env={"APPEALS_USER": ""})


def test_read_only_workspace_can_be_read_not_written() -> None:
    base = Path(tempfile.mkdtemp(prefix="appeals-ro-"))
    try:
        ws = base / "ws"
        store = roster.init_workspace(ws, "root")
        reader = "nobody" if os.geteuid() == 0 else os_login()
        admin = Session.open(store, "root")
        roster.add_user(admin, "reader", "moderator", reader)
        roster.add_user(admin, "writer", "moderator", os_login())
        rows = write_jsonl(base / "r.jsonl", [report("R-1", "S1")])
        intake.import_reports(Session.open(store, "writer"), rows)
        store.close()
        (ws / "workspace.lock").unlink()  # a read-only copy may not even have one
        os.chmod(base, 0o755)
        for path in ws.iterdir():
            os.chmod(path, 0o444)
        os.chmod(ws, 0o555)
        listed = _reader_run(ws, "--user", "reader", "cases", "list", "--json")
        assert listed.exit_code == 0, listed.output
        assert "C-000001" in listed.output and "read-only for you" in listed.output
        verified = _reader_run(ws, "verify")
        assert verified.exit_code == 0, verified.output
        claimed = _reader_run(ws, "--user", "reader", "claim", "C-000001")
        assert claimed.exit_code == 1
        assert "read-only" in claimed.output and "Traceback" not in claimed.output
    finally:
        os.chmod(base / "ws", 0o755)
        shutil.rmtree(base)
