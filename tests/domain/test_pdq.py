"""PDQ matching: true matches under crops, recolours, resizes and new captions; unrelated not."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageOps

from appeals_tui.domain.pdq import DEFAULT_MATCH_DISTANCE, PdqIndex, hamming
from appeals_tui.services.demo_images import DEMO_IMAGES, comic, render_demo_image
from appeals_tui.services.images import inspect_image


def pdq(img: Image.Image) -> str:
    """As at import: the encoded file through inspect_image (decode, bound to 512 px, hash)."""
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return inspect_image(buf.getvalue(), "").pdq


def variants(img: Image.Image) -> dict[str, Image.Image]:
    w, h = img.size
    captioned = img.copy()
    ImageDraw.Draw(captioned).text((20, h - 40), "new caption!", fill="red", font_size=20)
    return {
        "crop 1% each side": img.crop((w // 100, h // 100, w - w // 100, h - h // 100)),
        "crop 2% from the bottom": img.crop((0, 0, w, h - 2 * h // 100)),
        "half size": img.resize((w // 2, h // 2)),
        "double size": img.resize((w * 2, h * 2)),
        "greyscale": ImageOps.grayscale(img).convert("RGB"),
        "recoloured": ImageOps.colorize(ImageOps.grayscale(img), "navy", "yellow"),
        "brighter": img.point(lambda v: min(255, v + 40)),
        "jpeg q40": Image.open(_jpeg(img, 40)),
        "new caption": captioned,
    }


def _jpeg(img: Image.Image, quality: int) -> io.BytesIO:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    "name", ["comic-real-story.png", "car-at-night.png", "salon-chair.png", "mirror-lamp.png"]
)
def test_altered_copies_match_and_unrelated_images_do_not(name):
    original = Image.open(io.BytesIO(render_demo_image(name))).convert("RGB")
    base = pdq(original)
    for label, img in variants(original).items():
        assert hamming(base, pdq(img)) <= DEFAULT_MATCH_DISTANCE, label
    others = [n for n in DEMO_IMAGES if n != name and not ("comic" in n and "comic" in name)]
    for other in others:
        facts = inspect_image(render_demo_image(other), "")
        if facts.pdq_quality >= 50:
            assert hamming(base, facts.pdq) > 2 * DEFAULT_MATCH_DISTANCE, other


def test_demo_reposts_match_the_original():
    base = pdq(comic())
    for name in (
        "comic-repost-trimmed.png",
        "comic-repost-recoloured.jpg",
        "comic-repost-small.webp",
    ):
        assert hamming(base, inspect_image(render_demo_image(name), "").pdq) <= 31, name


def test_index_search_nearest_first_and_threshold():
    a, b = "0" * 64, "0" * 63 + "f"  # distance 4
    c = "f" * 8 + "0" * 56  # distance 32 from a
    index = PdqIndex([("a", a), ("b", b), ("c", c), ("bad", "xyz")])
    assert len(index) == 3
    assert [(h.key, h.distance) for h in index.search(a)] == [("a", 0), ("b", 4)]
    assert [h.key for h in index.search(a, 32)] == ["a", "b", "c"]
    index.add("d", "0" * 62 + "01")
    assert [h.key for h in index.search(a, 1)] == ["a", "d"]
    assert PdqIndex().search(a) == []
