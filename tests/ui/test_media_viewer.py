"""Images on the Case and Decide screens: blurred by default, revealed by a key for one image only,
each moderator's own greyscale/hide/blur preferences, paging, matches with the earlier decision."""

from __future__ import annotations

import numpy as np
import pytest
from textual.widgets import Static

from appeals_tui.services import decisions
from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.services.demo_images import render_demo_image
from appeals_tui.services.media_prefs import get_prefs
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.widgets.media_viewer import MediaViewer
from tests.conftest import GLAMOUR, case_for, report

from .conftest import import_rows, settle

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


@pytest.fixture
def with_images(minji, tmp_path):
    for name in ("comic-real-story.png", "comic-repost-trimmed.png", "car-at-night.png"):
        (tmp_path / name).write_bytes(render_demo_image(name))
    import_rows(
        minji,
        tmp_path,
        [
            report("R-I1", "IMG1", account="first_poster", media=["comic-real-story.png"]),
            report(
                "R-I2",
                "IMG2",
                account="reposter",
                media=["comic-repost-trimmed.png", "car-at-night.png"],
            ),
        ],
    )
    return minji


def sharpness(img) -> float:
    """Mean absolute difference between neighbouring pixels: high when sharp, low when blurred."""
    a = np.asarray(img.convert("L"), dtype=np.int16)
    return float(np.abs(np.diff(a, axis=1)).mean())


async def open_case(pilot, case_id: str) -> CaseScreen:
    await pilot.app.push_screen(CaseScreen(case_id))
    await settle(pilot)
    return pilot.app.screen


async def test_blurred_by_default_reveal_is_one_image_only(app, with_images):
    cid = case_for(with_images, "IMG2")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, cid)
        viewer = screen.query_one(MediaViewer)
        assert viewer.hashes and viewer.shown is not None
        caption = str(screen.query_one("#media-caption", Static).render())
        assert "Image 1/2 · blurred (level 2)" in caption
        blurred = sharpness(viewer.shown)
        await pilot.press("v")
        await settle(pilot)
        assert viewer.revealed
        assert "revealed" in str(screen.query_one("#media-caption", Static).render())
        assert sharpness(viewer.shown) > 3 * blurred
        viewer.focus()
        await pilot.press("right")  # moving on blurs again
        await settle(pilot)
        assert viewer.index == 1 and not viewer.revealed
        assert "Image 2/2 · blurred" in str(screen.query_one("#media-caption", Static).render())
        await pilot.press("v")
        await settle(pilot)
        assert viewer.revealed
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_case(pilot, case_for(with_images, "IMG1"))
        other = screen.query_one(MediaViewer)
        assert not other.revealed  # never carries over to the next case
        assert "blurred" in str(screen.query_one("#media-caption", Static).render())


async def test_preferences_are_each_moderators_own_and_stored(app, with_images, session_for):
    cid = case_for(with_images, "IMG1")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, cid)
        viewer = screen.query_one(MediaViewer)
        await pilot.press("g")
        await settle(pilot)
        shown = np.asarray(viewer.shown)
        assert (shown[..., 0] == shown[..., 1]).all()  # greyscale pixels
        viewer.focus()
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert "unblurred (your blur level is 0)" in str(
            screen.query_one("#media-caption", Static).render()
        )
        await pilot.press("m")
        await settle(pilot)
        assert viewer.shown is None
        assert "Media hidden" in str(screen.query_one("#media-note", Static).render())
        await pilot.press("v")  # nothing to reveal while hidden
        await settle(pilot)
        assert viewer.shown is None
    mine = get_prefs(session_for("minji"))
    assert (mine.blur, mine.greyscale, mine.hidden) == (0, True, True)
    theirs = get_prefs(session_for("daniel"))
    assert (theirs.blur, theirs.greyscale, theirs.hidden) == (2, False, False)


async def test_case_shows_the_same_picture_decided_for_another_account(app, with_images):
    first = case_for(with_images, "IMG1")
    decisions.decide(
        with_images, first, DecisionDraft("geo_block", ["KR-1"], dict(GLAMOUR), REASON)
    )
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, case_for(with_images, "IMG2"))
        text = str(screen.query_one("#case-matches", Static).render())
        assert "Same image seen in 1 other case" in text
        assert first in text and "first_poster" in text
        assert "decided geo_block by minji" in text
        precedents = screen.view.precedents
        assert precedents and precedents[0].same_image
        assert precedents[0].decision["case_id"] == first


async def test_linked_tab_lists_the_account_with_the_matching_image(app, with_images):
    """#15: the Linked tab shows image links as networks count them."""
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, case_for(with_images, "IMG2"))
        linked = str(screen.query_one("#case-linked", Static).render())
        assert "first_poster" in linked and "matching image (PDQ distance " in linked
        label = str(screen.query_one("#case-tabs").get_tab("tab-linked").label)
        assert label == f"Linked ({screen.view.links.account_total})"


async def test_damaged_stored_file_is_reported_in_place_not_a_crash(app, with_images):
    from appeals_tui.services.media import media_store

    cid = case_for(with_images, "IMG1")
    sha = with_images.ws.get("cases", cid)["media"][0]
    media_store(with_images.ws).path_for(sha).write_bytes(b"\x89PNG broken")
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, cid)
        note = str(screen.query_one("#media-note", Static).render())
        assert "content changed" in note
        assert screen.query_one(MediaViewer).shown is None


async def test_decide_screen_shows_the_images_blurred_beside_the_form(app, with_images):
    from appeals_tui.ui.screens.decide import DecideScreen

    cid = case_for(with_images, "IMG1")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(DecideScreen(cid))
        await settle(pilot)
        screen = pilot.app.screen
        viewer = screen.query_one(MediaViewer)
        assert viewer.shown is not None and not viewer.revealed
        assert "blurred (level 2)" in str(screen.query_one("#media-caption", Static).render())
        viewer.focus()
        await pilot.press("v")
        await settle(pilot)
        assert viewer.revealed
        assert screen.form.draft().reasoning == ""  # the key went to the images, not the form


def test_case_images_snapshot(snap_compare, app, with_images):
    """The half-block rendering of a blurred comic and the matches under it."""
    cid = case_for(with_images, "IMG2")

    async def ready(pilot):
        await settle(pilot)
        await pilot.app.push_screen(CaseScreen(cid))
        await settle(pilot)
        pilot.app.set_focus(None)

    assert snap_compare(app, terminal_size=(100, 44), run_before=ready)
