"""Media in report imports: each bad file kind refused with FILE:LINE: media:, nothing stored;
good files stored content-addressed, deduplicated, private, and checked by verify."""

from __future__ import annotations

import io
import os
import stat
import struct
import zlib

import pytest
from PIL import Image

from appeals_tui.domain.errors import ValidationError
from appeals_tui.services import intake
from appeals_tui.services.demo_images import render_demo_image
from appeals_tui.services.media import media_store, verify_media
from tests.conftest import report, write_jsonl


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def bomb_png(side: int) -> bytes:
    """A valid PNG header claiming side x side pixels with a tiny compressed body."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * side
    body = zlib.compress(row * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def huge_exif_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, "JPEG")
    data = buf.getvalue()
    segments = b""
    for _ in range(8):  # eight maximal APP1 segments: 512 KiB of "EXIF"
        payload = b"Exif\x00\x00" + b"\x00" * 65000
        segments += b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segments + data[2:]


def test_each_bad_file_kind_is_named_and_nothing_is_imported(sessions, tmp_path):
    minji = sessions("minji")
    files = tmp_path / "in"
    files.mkdir()
    (files / "ok.png").write_bytes(png_bytes())
    (files / "text.png").write_text("not an image at all")
    (files / "truncated.png").write_bytes(png_bytes((400, 300), "navy")[:-200])
    (files / "bomb.png").write_bytes(bomb_png(12_000))
    (files / "bomb2.png").write_bytes(bomb_png(9_999))
    (files / "exif.jpg").write_bytes(huge_exif_jpeg())
    (files / "big.png").write_bytes(b"\x89PNG" + b"\x00" * (20 * 1024 * 1024 + 1))
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(bmp, "BMP")
    (files / "pic.bmp").write_bytes(bmp.getvalue())
    (files / "folder.png").mkdir()
    (files / "link.png").symlink_to(files / "ok.png")
    outside = tmp_path / "outside.png"
    outside.write_bytes(png_bytes())
    names = [
        "text.png", "truncated.png", "bomb.png", "bomb2.png", "exif.jpg", "big.png",
        "pic.bmp", "folder.png", "link.png", "missing.png", "../outside.png", str(outside),
    ]  # fmt: skip
    rows = [report("R-M0", "M0", media=["ok.png"])]
    rows += [report(f"R-M{i}", f"M{i}", media=[name]) for i, name in enumerate(names, start=1)]
    path = write_jsonl(files / "bad.jsonl", rows)
    before = (minji.ws.count("reports"), minji.ws.count("media"))
    with pytest.raises(ValidationError) as err:
        intake.import_reports(minji, path)
    problems = err.value.problems
    expect = {
        2: "not an image", 3: "damaged image", 4: "the limit is 10,000 px a side",
        5: "decompression bomb", 6: "embedded metadata", 7: "the limit is 20,971,520",
        8: "not an image in an accepted format", 9: "not a regular file",
        10: "symbolic link", 11: "no such file", 12: "inside the import file's folder",
        13: "relative to the import file",
    }  # fmt: skip
    for line, words in expect.items():
        assert any(p.startswith(f"{path}:{line}: media: ") and words in p for p in problems), (
            line,
            words,
            problems,
        )
    assert len(problems) == len(expect)
    assert (minji.ws.count("reports"), minji.ws.count("media")) == before
    assert not media_store(minji.ws).root.exists()


def test_media_field_shape_problems(sessions, tmp_path):
    minji = sessions("minji")
    rows = [
        report("R-S1", "S1", media="a.png"),  # JSONL wants a list
        report("R-S2", "S2", media=["a.png", "a.png"]),
        report("R-S3", "S3", media=[f"{i}.png" for i in range(21)]),
    ]
    path = write_jsonl(tmp_path / "shape.jsonl", rows)
    (tmp_path / "a.png").write_bytes(png_bytes())
    with pytest.raises(ValidationError) as err:
        intake.import_reports(minji, path)
    problems = err.value.problems
    assert any(p.startswith(f"{path}:2: media: ") and "twice" in p for p in problems)
    assert any(p.startswith(f"{path}:3: media: ") and "at most 20" in p for p in problems)
    assert len(problems) == 2  # a string is a one-entry list (CSV style)


def test_good_media_stored_by_hash_deduplicated_private(sessions, tmp_path):
    minji = sessions("minji")
    comic = render_demo_image("comic-real-story.png")
    (tmp_path / "a.png").write_bytes(comic)
    (tmp_path / "copy-of-a.png").write_bytes(comic)
    (tmp_path / "b.jpg").write_bytes(render_demo_image("designer-bag.jpg"))
    rows = [
        report("R-G1", "G1", media=["a.png", "b.jpg"]),
        report("R-G2", "G2", media=["copy-of-a.png"]),
        report("R-G3", "G1", media=["a.png"]),  # same subject: joins G1's case
    ]
    path = write_jsonl(tmp_path / "good.jsonl", rows)
    result = intake.import_reports(minji, path)
    assert result.imported == 3 and result.media_stored == 2
    store = media_store(minji.ws)
    cases = {c["subject"]["subject_id"]: c for c in minji.ws.all("cases")}
    sha_a, sha_b = cases["G1"]["media"]
    assert cases["G2"]["media"] == [sha_a]
    assert store.path_for(sha_a).read_bytes() == comic
    assert store.path_for(sha_a) == store.root / sha_a[:2] / sha_a
    assert stat.S_IMODE(os.stat(store.path_for(sha_a)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.path_for(sha_a).parent).st_mode) == 0o700
    doc = minji.ws.get("media", sha_a)
    assert doc["format"] == "PNG" and (doc["width"], doc["height"]) == (480, 360)
    assert len(doc["pdq"]) == 64 and doc["pdq_quality"] >= 50
    assert doc["first_case"] == cases["G1"]["case_id"]
    report_doc = minji.ws.get("reports", "R-G1")
    assert report_doc["media"] == [sha_a, sha_b]
    events = [e for e in minji.ws.events() if e["type"] == "media.stored"]
    assert {e["entity"] for e in events} == {f"media:{sha_a}", f"media:{sha_b}"}
    assert verify_media(minji.ws).problems == [] and verify_media(minji.ws).checked == 2


def test_csv_media_semicolon_separated(sessions, tmp_path):
    minji = sessions("minji")
    (tmp_path / "x.png").write_bytes(png_bytes((50, 50), "red"))
    (tmp_path / "y.png").write_bytes(png_bytes((50, 50), "blue"))
    path = tmp_path / "r.csv"
    path.write_text(
        "report_id,reported_at,reporter,reason,platform,subject_type,subject_id,account,media\n"
        "R-C1,2026-11-19T09:00:00+09:00,u1,spam,instagram,post,CSV1,acct,x.png; y.png\n",
        encoding="utf-8",
    )
    intake.import_reports(minji, path)
    case = next(c for c in minji.ws.all("cases") if c["subject"]["subject_id"] == "CSV1")
    assert len(case["media"]) == 2


def test_verify_names_a_changed_or_missing_file(sessions, tmp_path):
    minji = sessions("minji")
    (tmp_path / "a.png").write_bytes(png_bytes())
    (tmp_path / "b.png").write_bytes(png_bytes((10, 10), "red"))
    path = write_jsonl(tmp_path / "v.jsonl", [report("R-V1", "V1", media=["a.png", "b.png"])])
    intake.import_reports(minji, path)
    store = media_store(minji.ws)
    sha_a, sha_b = minji.ws.get("reports", "R-V1")["media"]
    store.path_for(sha_a).write_bytes(png_bytes((64, 48), "black"))
    store.path_for(sha_b).unlink()
    problems = verify_media(minji.ws).problems
    assert [p.sha256 for p in problems] == sorted([sha_a, sha_b])
    texts = " ".join(p.problem for p in problems)
    assert "content changed" in texts and "missing" in texts


def test_media_store_follows_a_group_shared_workspace(tmp_path):
    from appeals_tui.store.media import MediaStore

    shared = tmp_path / "team-ws"
    shared.mkdir()
    os.chmod(shared, 0o2770)
    store = MediaStore(shared / "media")
    sha = store.put(png_bytes())
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o2770
    assert stat.S_IMODE(os.stat(store.path_for(sha).parent).st_mode) == 0o2770
    assert stat.S_IMODE(os.stat(store.path_for(sha)).st_mode) == 0o660
    assert store.put(png_bytes()) == sha and store.check(sha) is None


def test_large_images_get_a_display_copy_checked_like_the_original(sessions, tmp_path):
    from appeals_tui.services.media import MediaRecord, display_bytes, get_media

    minji = sessions("minji")
    big = io.BytesIO()
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(big, "PNG")
    (tmp_path / "big.png").write_bytes(big.getvalue())
    path = write_jsonl(tmp_path / "big.jsonl", [report("R-B1", "B1", media=["big.png"])])
    intake.import_reports(minji, path)
    sha = minji.ws.get("reports", "R-B1")["media"][0]
    doc = minji.ws.get("media", sha)
    record = get_media(minji, sha)
    assert isinstance(record, MediaRecord) and (record.sha256, record.preview) == (
        sha,
        doc["preview"],
    )
    assert (record.width, record.height, record.first_case) == (1600, 1200, doc["first_case"])
    shown = display_bytes(minji, sha)
    assert doc["preview"] and len(shown) < len(big.getvalue())
    assert Image.open(io.BytesIO(shown)).size == (640, 480)
    store = media_store(minji.ws)
    store.path_for(doc["preview"]).write_bytes(b"swapped")
    assert [p.sha256 for p in verify_media(minji.ws).problems] == [doc["preview"]]
    assert display_bytes(minji, sha) == big.getvalue()  # a bad copy is never shown
