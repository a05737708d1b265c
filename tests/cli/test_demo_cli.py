"""`appeals demo` says where its workspace is and who is in it before the app opens;
`appeals demo --path` prints the path and nothing else."""

from __future__ import annotations

from click.testing import CliRunner

from appeals_tui.cli import cli


def test_demo_path_prints_only_the_path(tmp_path):
    ws = tmp_path / "demo"
    for _ in range(2):  # built the first time, reused the second
        r = CliRunner().invoke(cli, ["--data-dir", str(ws), "demo", "--path"])
        assert (r.exit_code, r.stdout, r.stderr) == (0, f"{ws}\n", "")
    assert (ws / "snapshot.jsonl").exists() or any(ws.iterdir())


def test_demo_prints_path_and_users_before_opening(tmp_path, monkeypatch):
    import appeals_tui.ui.launch as launch_module

    opened: list[tuple] = []

    def fake_launch(path, user, default=None):
        print("<app opens>")
        opened.append((path, user or default))

    monkeypatch.setattr(launch_module, "launch", fake_launch)
    ws = tmp_path / "demo"
    r = CliRunner().invoke(cli, ["--data-dir", str(ws), "demo"])
    assert r.exit_code == 0, r.output
    before, _, _ = r.stdout.partition("<app opens>")
    assert f"demo workspace {ws}" in before
    assert "demo users: minji (moderator), daniel (moderator), haruka (moderator), " \
           "seoyeon (lead), admin (admin)" in before  # fmt: skip
    assert opened == [(ws, "minji")]
