"""Exports carry the media: CSV/JSONL list the image hashes, SoR's content_type follows the images."""

from __future__ import annotations

import csv
import io
import json

from appeals_tui.domain.sor import content_type_for
from appeals_tui.services import decisions, intake
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.demo_images import render_demo_image
from appeals_tui.services.export import export_decisions
from tests.conftest import GLAMOUR, case_for, removal, report, write_jsonl

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def _decided_with_images(minji, tmp_path, *, remove: bool = False):
    (tmp_path / "a.png").write_bytes(render_demo_image("comic-real-story.png"))
    (tmp_path / "b.jpg").write_bytes(render_demo_image("designer-bag.jpg"))
    row = report(
        "R-E1",
        "EXP1",
        media=["a.png", "b.jpg"],
        media_description="AI-generated webtoon about a salon",
    )
    intake.import_reports(minji, write_jsonl(tmp_path / "e.jsonl", [row]))
    cid = case_for(minji, "EXP1")
    if remove:  # a removal needs a statement of reasons (a KR geo-block is outside the EEA)
        return cid, removal(minji, "EXP1")
    decision = decisions.decide(
        minji, cid, DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
    )
    return cid, decision


def test_decision_keeps_the_images_it_was_about(sessions, tmp_path):
    minji = sessions("minji")
    cid, decision = _decided_with_images(minji, tmp_path)
    assert decision.media == minji.ws.get("cases", cid)["media"] and len(decision.media) == 2


def test_csv_and_jsonl_carry_media_hashes(sessions, tmp_path):
    minji = sessions("minji")
    cid, decision = _decided_with_images(minji, tmp_path)
    out = io.StringIO()
    export_decisions(minji, "csv", out)
    rows = {r["decision_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows[decision.decision_id]["media"] == ";".join(decision.media)
    out = io.StringIO()
    export_decisions(minji, "jsonl", out)
    docs = {d["decision_id"]: d for d in map(json.loads, out.getvalue().splitlines())}
    assert docs[decision.decision_id]["media"] == decision.media


def test_sor_content_type_from_the_media_present(sessions, tmp_path):
    minji = sessions("minji")
    cid, decision = _decided_with_images(minji, tmp_path, remove=True)
    out = io.StringIO()
    export_decisions(minji, "sor", out)
    statements = [json.loads(line) for line in out.getvalue().splitlines()]
    ours = next(s for s in statements if s["puid"].endswith(decision.decision_id))
    assert ours["content_type"] == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"]


def test_content_type_rules():
    sha = "a" * 64
    photo = {"subject": {"subject_type": "post"}, "media": [sha], "media_description": "a photo"}
    assert content_type_for(photo) == ["CONTENT_TYPE_IMAGE"]
    ai = {**photo, "media_description": "AI-generated comic"}
    assert content_type_for(ai) == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"]
    reel = {**ai, "subject": {"subject_type": "reel"}}
    assert content_type_for(reel) == [
        "CONTENT_TYPE_IMAGE",
        "CONTENT_TYPE_VIDEO",
        "CONTENT_TYPE_SYNTHETIC_MEDIA",
    ]
    # no image attached: as before, from the subject and the description
    assert content_type_for({**ai, "media": []}) == ["CONTENT_TYPE_SYNTHETIC_MEDIA"]
