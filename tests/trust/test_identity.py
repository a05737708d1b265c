"""Finding 1: identity is bound to the OS login; workspace files are private.

Each test attacks the property through the real CLI on a real workspace.
"""

from __future__ import annotations

import grp
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals_tui.cli import cli
from appeals_tui.domain.errors import PermissionDenied
from appeals_tui.services import roster
from appeals_tui.services.session import Session, choose_identity, os_login
from appeals_tui.store import Workspace

ME = os_login()


@pytest.fixture
def team(tmp_path: Path):
    """root (admin, my login), minji (moderator, my login), lead1 (lead, someone else's)."""
    path = tmp_path / "ws"
    ws = roster.init_workspace(path, "root")
    admin = Session.open(ws, "root")
    roster.add_user(admin, "minji", "moderator", ME)
    roster.add_user(admin, "lead1", "lead", "someone-else")
    ws.close()
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(cli, ["--data-dir", str(path), *args], env=env or {})

    return path, run


def test_user_flag_cannot_pick_someone_elses_identity(team) -> None:
    _, run = team
    result = run("--user", "lead1", "cases", "list")
    assert result.exit_code == 3
    assert "may not act as 'lead1'" in result.output
    assert "--login" in result.output  # says how the mapping works
    assert "minji" in result.output and "root" in result.output  # and who you may be


def test_environment_cannot_pick_someone_elses_identity(team) -> None:
    _, run = team
    result = run("cases", "list", env={"APPEALS_USER": "lead1"})
    assert result.exit_code == 3
    assert "may not act as 'lead1'" in result.output


def test_user_and_logname_variables_do_not_change_the_login(team) -> None:
    path, run = team
    ws = Workspace.open(path)
    try:
        admin = Session.open(ws, "root")
        roster.add_user(admin, "spoof", "admin", "spoof")
    finally:
        ws.close()
    env = {"USER": "spoof", "LOGNAME": "spoof", "APPEALS_USER": "spoof"}
    assert run("users", "list", env=env).exit_code == 3


def test_global_flag_beats_environment_on_the_subcommand(team) -> None:
    _, run = team
    # minji (a moderator) in the environment, root (admin) on the command line:
    # adding a user needs admin, so it only works if the flag wins.
    result = run(
        "--user", "root", "users", "add", "x1", "--role", "moderator", env={"APPEALS_USER": "minji"}
    )
    assert result.exit_code == 0, result.output
    result = run(
        "--user", "minji", "users", "add", "x2", "--role", "moderator", env={"APPEALS_USER": "root"}
    )
    assert result.exit_code == 3


def test_global_data_dir_beats_environment(team, tmp_path: Path) -> None:
    path, run = team
    other = tmp_path / "elsewhere"
    result = run("--user", "root", "users", "list", env={"APPEALS_DATA_DIR": str(other)})
    assert result.exit_code == 0, result.output
    assert not other.exists()


def test_default_identity_is_the_one_mapped_to_the_login(tmp_path: Path) -> None:
    ws = roster.init_workspace(tmp_path / "ws", "boss")
    try:
        assert choose_identity(ws, None, ME).name == "boss"
        admin = Session.open(ws, "boss")
        roster.add_user(admin, "second", "moderator", ME)
        with pytest.raises(PermissionDenied, match="several roster users"):
            choose_identity(ws, None, ME)
        assert choose_identity(ws, None, ME, default="second").name == "second"
        with pytest.raises(PermissionDenied, match="no roster user is mapped"):
            choose_identity(ws, None, "stranger")
    finally:
        ws.close()


def test_init_maps_admin_to_running_login_and_add_defaults_to_name(team) -> None:
    _, run = team
    assert run("--user", "root", "users", "add", "kim", "--role", "lead").exit_code == 0
    people = {
        u["name"]: u for u in json.loads(run("--user", "root", "users", "list", "--json").output)
    }
    assert people["root"]["login"] == ME
    assert people["kim"]["login"] == "kim"
    assert people["lead1"]["login"] == "someone-else"


def _modes(path: Path) -> dict[str, int]:
    """Every file's mode, in the workspace and its folders (the index files a compaction
    saves under index/ included)."""
    return {
        str(p.relative_to(path)): stat.S_IMODE(p.stat().st_mode)
        for p in path.rglob("*")
        if p.is_file()
    }


def _dir_modes(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): stat.S_IMODE(p.stat().st_mode) for p in path.rglob("*/")}


def _write_and_compact(path: Path) -> None:
    with Workspace.open(path) as ws:
        with ws.transaction("root") as txn:
            txn.insert("notes", "n1", {"text": "private"})
        ws.compact()
        with ws.transaction("root") as txn:
            txn.insert("notes", "n2", {"text": "private"})


def test_workspace_is_private_to_its_owner(team) -> None:
    path, _ = team
    _write_and_compact(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    modes = _modes(path)
    assert modes and all(mode == 0o600 for mode in modes.values()), modes
    assert any(name.startswith("index/") for name in modes), modes
    assert all(mode == 0o700 for mode in _dir_modes(path).values()), _dir_modes(path)


def test_group_workspace_is_shared_with_the_group_only(tmp_path: Path) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    path = tmp_path / "team-ws"
    roster.init_workspace(path, "root", group=group).close()
    _write_and_compact(path)
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o2770 and st.st_gid == os.getgid()
    modes = _modes(path)
    assert modes and all(mode == 0o660 for mode in modes.values()), modes
    assert any(name.startswith("index/") for name in modes), modes
    dirs = _dir_modes(path)
    assert dirs and all(mode == 0o2770 for mode in dirs.values()), dirs


def test_unknown_group_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path / "ws"), "init", "--admin", "a", "--group", "no-such-grp-x"],
    )
    assert result.exit_code == 1
    assert "no such Unix group" in result.output
    assert not (tmp_path / "ws").exists()  # refused: nothing left behind


def test_init_on_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    """A --data-dir that names a file was `internal error (FileExistsError …)`."""
    a_file = tmp_path / "reports.jsonl"
    a_file.write_text("{}\n", encoding="utf-8")
    for target in (a_file, a_file / "ws"):
        result = CliRunner().invoke(cli, ["--data-dir", str(target), "init", "--admin", "a"])
        assert result.exit_code == 1, result.output
        assert result.output == f"error: {target}: not a folder (a file is in the way)\n"
    assert a_file.read_text(encoding="utf-8") == "{}\n"


def test_open_warns_about_loose_modes(team) -> None:
    path, run = team
    os.chmod(path, 0o755)
    os.chmod(path / "journal.log", 0o644)
    result = run("--user", "root", "users", "list")
    assert result.exit_code == 0
    assert "readable by every user" in result.output
    assert "journal.log" in result.output
