"""PDQ matches across cases: the Case screen's list, precedents first, networks, `media match`."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from appeals_tui.domain.errors import ValidationError
from appeals_tui.services import intake, roster
from appeals_tui.services.demo_images import render_demo_image
from appeals_tui.services.media_match import (
    case_image_matches,
    image_links,
    match_file,
)
from appeals_tui.services.precedents import precedents_for_case
from tests.conftest import GLAMOUR, case_for, removal, report, write_jsonl


@pytest.fixture
def reposts(sessions, tmp_path):
    """The demo comic posted by S1's account, reposts (altered) by three others, a bag by a fourth."""
    minji = sessions("minji")
    for name in (
        "comic-real-story.png",
        "comic-repost-trimmed.png",
        "comic-repost-recoloured.jpg",
        "comic-repost-small.webp",
        "designer-bag.jpg",
    ):
        (tmp_path / name).write_bytes(render_demo_image(name))
    rows = [
        report("R-P1", "S1", media=["comic-real-story.png"]),
        report("R-P2", "RP2", account="repost_two", media=["comic-repost-trimmed.png"]),
        report("R-P3", "RP3", account="repost_three", media=["comic-repost-recoloured.jpg"]),
        report("R-P4", "RP4", account="repost_four", media=["comic-repost-small.webp"]),
        report("R-P5", "BAG", account="bag_shop", media=["designer-bag.jpg"]),
    ]
    intake.import_reports(minji, write_jsonl(tmp_path / "reposts.jsonl", rows))
    return minji


def test_case_lists_other_cases_with_the_same_picture_and_their_decisions(reposts):
    minji = reposts
    decision = removal(minji, "S1")
    matches = case_image_matches(minji, case_for(minji, "RP2"))
    assert {m.account for m in matches} == {"acct_S1", "repost_three", "repost_four"}
    original = next(m for m in matches if m.account == "acct_S1")
    assert original.decision_id == decision.decision_id
    assert original.action == "remove_content" and original.moderator == "minji"
    assert all(m.distance <= 31 for m in matches)
    assert [m.distance for m in matches] == sorted(m.distance for m in matches)
    assert case_image_matches(minji, case_for(minji, "BAG")) == []
    assert case_image_matches(minji, case_for(minji, "S2")) == []  # no media at all


def test_precedents_put_the_same_image_first(reposts):
    minji = reposts
    decision = removal(minji, "S1")
    ranked = precedents_for_case(minji, case_for(minji, "RP3"), dict(GLAMOUR), limit=5)
    assert ranked[0].decision["decision_id"] == decision.decision_id
    assert ranked[0].same_image and ranked[0].image_distance is not None
    assert [p.decision["decision_id"] for p in ranked].count(decision.decision_id) == 1
    # no draft factors: the same-image decision alone still answers
    only = precedents_for_case(minji, case_for(minji, "RP4"), None)
    assert [p.decision["decision_id"] for p in only] == [decision.decision_id]


def test_threshold_is_a_setting(reposts, sessions):
    minji = reposts
    case_id = case_for(minji, "RP2")
    assert case_image_matches(minji, case_id)
    roster.set_config(sessions("root"), "pdq_match_distance", "1")
    assert case_image_matches(minji, case_id) == []


def test_accounts_linked_by_matching_images(reposts):
    links = image_links(reposts)
    pairs = {(link.account_a, link.account_b) for link in links}
    accounts = {"acct_S1", "repost_two", "repost_three", "repost_four"}
    assert pairs == {(a, b) for a in accounts for b in accounts if a < b}
    assert not any("bag_shop" in pair for pair in pairs)


def test_a_case_links_show_the_accounts_with_a_matching_image(reposts):
    """#15: the Linked tab and `networks --case` list image matches like networks do."""
    from appeals_tui.services.networks import links_for_case

    minji = reposts
    decision = removal(minji, "S1")
    links = links_for_case(minji, case_for(minji, "RP2"))
    by_image = {
        x.account
        for x in links.linked
        if any(v.startswith("matching image (PDQ distance ") for v in x.via)
    }
    assert by_image == {"acct_S1", "repost_three", "repost_four"}
    original = next(x for x in links.linked if x.account == "acct_S1")
    assert (original.decision_id, original.action) == (decision.decision_id, "remove_content")
    bag = links_for_case(minji, case_for(minji, "BAG"))
    assert not any(v.startswith("matching image") for x in bag.linked for v in x.via)


def test_match_file_finds_a_crop_not_yet_imported(reposts, tmp_path):
    minji = reposts
    decision = removal(minji, "S1")
    img = Image.open(io.BytesIO(render_demo_image("comic-real-story.png")))
    w, h = img.size
    img.crop((4, 0, w, h - 4)).save(tmp_path / "crop.png")
    result = match_file(minji, tmp_path / "crop.png")
    assert not result.stored
    assert decision.decision_id in {m.decision_id for m in result.matches}
    assert result.to_dict()["decided_before"] is True
    same = match_file(minji, tmp_path / "comic-real-story.png")
    assert same.stored and same.matches[0].distance == 0
    (tmp_path / "junk.png").write_text("no")
    with pytest.raises(ValidationError, match="junk.png: not an image"):
        match_file(minji, tmp_path / "junk.png")
