"""`appeals import` with media, `appeals media match`, `appeals verify` over media files."""

from __future__ import annotations

import io
import json

from PIL import Image

from appeals_tui.services.demo_images import render_demo_image
from tests.conftest import os_login, report, write_jsonl


def _init(run, tmp_path):
    assert run("init", "--admin", "root", user=None).exit_code == 0
    added = run("users", "add", "minji", "--role", "moderator", "--login", os_login(), user="root")
    assert added.exit_code == 0, added.output
    (tmp_path / "comic.png").write_bytes(render_demo_image("comic-real-story.png"))
    (tmp_path / "bag.jpg").write_bytes(render_demo_image("designer-bag.jpg"))


def test_bad_media_exit_1_one_line_each_nothing_imported(run, tmp_path):
    _init(run, tmp_path)
    (tmp_path / "fake.png").write_text("<html>")
    rows = [report("R-1", "S1", media=["comic.png"]), report("R-2", "S2", media=["fake.png"])]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    result = run("import", "reports", str(path))
    assert result.exit_code == 1
    assert f"{path}:2: media: fake.png: not an image" in result.stderr
    assert "Traceback" not in result.stderr
    listed = run("cases", "list", "--json")
    assert json.loads(listed.stdout) == []
    assert not (tmp_path / "ws" / "media").exists()


def test_match_verify_and_json(run, tmp_path):
    _init(run, tmp_path)
    rows = [report("R-1", "S1", media=["comic.png", "bag.jpg"])]
    imported = run("import", "reports", str(write_jsonl(tmp_path / "r.jsonl", rows)), "--json")
    assert imported.exit_code == 0 and json.loads(imported.stdout)["media_stored"] == 2
    img = Image.open(io.BytesIO(render_demo_image("comic-real-story.png")))
    img.crop((0, 5, img.width - 5, img.height)).save(tmp_path / "crop.png")
    matched = run("media", "match", str(tmp_path / "crop.png"), "--json")
    assert matched.exit_code == 0, matched.stderr
    payload = json.loads(matched.stdout)
    assert payload["stored"] is False and payload["decided_before"] is False
    assert [m["account"] for m in payload["matches"]] == ["acct_S1"]
    human = run("media", "match", str(tmp_path / "crop.png"))
    assert "acct_S1" in human.stdout and "not decided (open)" in human.stdout
    missing = run("media", "match", str(tmp_path / "nope.png"))
    assert missing.exit_code == 1 and "no such file" in missing.stderr

    ok = run("verify", user="root")
    assert ok.exit_code == 0 and "2 media files verified" in ok.stdout
    stored = sorted((tmp_path / "ws" / "media").glob("*/*"))
    assert len(stored) == 2
    stored[0].write_bytes(b"tampered")
    bad = run("verify", user="root")
    assert bad.exit_code == 1
    assert f"error: media: {stored[0]}: content changed" in bad.stderr
