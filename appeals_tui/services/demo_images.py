"""Synthetic illustrations for the demo, drawn with Pillow (no photos, nothing explicit).

Why drawn, not shipped: a dozen small PNGs made at build time keep the package
small and make plain that no real person is depicted. The comic is reposted by
three accounts, each copy altered the way reposts are (a trimmed edge, other
colours, a new caption), so the demo shows PDQ matching on first run.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["DEMO_IMAGES", "render_demo_image"]

W, H = 480, 360
Draw = ImageDraw.ImageDraw


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    column = Image.new("RGB", (1, H))
    for y in range(H):
        t = y / (H - 1)
        column.putpixel(
            (0, y), tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize((W, H))


def _finish(img: Image.Image) -> Image.Image:
    """Soften hard edges a little: an illustration, and a steadier perceptual hash."""
    return img.filter(ImageFilter.GaussianBlur(1.2))


def _person(d: Draw, x: int, y: int, scale: float, fill: tuple[int, int, int]) -> None:
    r = int(22 * scale)
    d.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    d.rounded_rectangle(
        [x - int(34 * scale), y + r, x + int(34 * scale), y + r + int(110 * scale)],
        radius=int(20 * scale),
        fill=fill,
    )


def _salon_chair(d: Draw, x: int, y: int, colour: tuple[int, int, int]) -> None:
    d.rounded_rectangle([x, y, x + 90, y + 120], radius=18, fill=colour)
    d.rounded_rectangle([x - 10, y + 100, x + 100, y + 140], radius=10, fill=colour)
    d.rectangle([x + 38, y + 140, x + 52, y + 190], fill=(70, 70, 80))
    d.ellipse([x - 5, y + 185, x + 95, y + 205], fill=(70, 70, 80))


def _car(d: Draw, x: int, y: int, body: tuple[int, int, int]) -> None:
    d.rounded_rectangle([x, y + 40, x + 260, y + 100], radius=20, fill=body)
    d.polygon([(x + 50, y + 42), (x + 90, y), (x + 190, y), (x + 225, y + 42)], fill=body)
    d.polygon(
        [(x + 70, y + 38), (x + 98, y + 10), (x + 180, y + 10), (x + 205, y + 38)],
        fill=(40, 50, 70),
    )
    for cx in (x + 60, x + 200):
        d.ellipse([cx - 26, y + 78, cx + 26, y + 130], fill=(15, 15, 20))
    d.ellipse([x + 238, y + 52, x + 258, y + 66], fill=(255, 240, 170))


def comic() -> Image.Image:
    """Three panels: a waiting room, a salon chair, a phone; a caption box below."""
    img = Image.new("RGB", (W, H), (248, 240, 226))
    d = ImageDraw.Draw(img)
    panels = [(12, 12, 160, 262), (166, 12, 314, 262), (320, 12, 468, 262)]
    fills = [(255, 214, 170), (196, 214, 250), (120, 90, 140)]
    for (x0, y0, x1, y1), fill in zip(panels, fills, strict=True):
        d.rectangle([x0, y0, x1, y1], fill=fill, outline=(30, 30, 30), width=3)
    d.ellipse([30, 30, 90, 90], fill=(255, 250, 220))
    _person(d, 86, 110, 1.0, (70, 50, 60))
    _salon_chair(d, 196, 60, (170, 40, 60))
    d.rounded_rectangle([360, 60, 430, 200], radius=12, fill=(25, 25, 35))
    d.rounded_rectangle([368, 72, 422, 180], radius=6, fill=(120, 200, 255))
    d.rounded_rectangle([372, 90, 416, 110], radius=6, fill=(255, 255, 255))
    d.rectangle([12, 272, 468, 348], fill=(255, 255, 255), outline=(30, 30, 30), width=3)
    d.text((26, 290), "Based on a real story.", fill=(20, 20, 20), font_size=22)
    return _finish(img)


def repost_trimmed() -> Image.Image:
    """The comic with its bottom edge trimmed and a new caption."""
    img = comic()
    d = ImageDraw.Draw(img)
    d.rectangle([16, 276, 464, 344], fill=(255, 255, 255))
    d.text((26, 290), "She waits for the call.", fill=(20, 20, 20), font_size=22)
    return img.crop((0, 0, W, H - 5))


def repost_recoloured() -> Image.Image:
    """The comic in other colours (warm tint), caption changed, a little smaller."""
    img = comic()
    d = ImageDraw.Draw(img)
    d.rectangle([16, 276, 464, 344], fill=(255, 255, 255))
    d.text((26, 290), "Touching real-life story", fill=(20, 20, 20), font_size=22)
    tinted = ImageOps.colorize(ImageOps.grayscale(img), (40, 10, 60), (255, 235, 200))
    return tinted.resize((400, 300))


def repost_resized() -> Image.Image:
    """The comic scaled down and re-encoded with a faint overlay label."""
    img = comic().resize((360, 270))
    d = ImageDraw.Draw(img)
    d.text((250, 250), "@repost", fill=(90, 90, 90), font_size=12)
    return img


def car_at_night() -> Image.Image:
    img = _gradient((10, 14, 40), (40, 30, 70))
    d = ImageDraw.Draw(img)
    d.ellipse([360, 30, 420, 90], fill=(240, 240, 210))
    d.rectangle([0, 260, W, H], fill=(30, 30, 36))
    d.rectangle([70, 80, 78, 262], fill=(90, 90, 100))
    d.ellipse([50, 60, 100, 100], fill=(255, 210, 120))
    _car(d, 150, 160, (150, 20, 30))
    return _finish(img)


def salon_chair() -> Image.Image:
    img = _gradient((250, 225, 230), (200, 170, 190))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle(
        [150, 30, 330, 200], radius=90, fill=(230, 240, 250), outline=(150, 120, 90), width=8
    )
    _salon_chair(d, 195, 130, (60, 60, 70))
    d.rectangle([0, 330, W, H], fill=(120, 100, 90))
    return _finish(img)


def designer_bag() -> Image.Image:
    img = _gradient((245, 240, 230), (215, 205, 190))
    d = ImageDraw.Draw(img)
    d.arc([170, 60, 310, 200], 180, 360, fill=(120, 70, 30), width=14)
    d.rounded_rectangle([130, 130, 350, 300], radius=24, fill=(170, 100, 50))
    d.rectangle([225, 170, 255, 200], fill=(230, 200, 90))
    return _finish(img)


def skyline() -> Image.Image:
    img = _gradient((20, 10, 50), (230, 90, 80))
    d = ImageDraw.Draw(img)
    x = 0
    for i, (w, h) in enumerate(
        [(60, 160), (50, 220), (80, 140), (40, 260), (70, 180), (60, 120), (90, 200), (30, 150)]
    ):
        d.rectangle([x, H - h, x + w, H], fill=(25 + i * 3, 20, 40))
        x += w
    return _finish(img)


def neon_sign() -> Image.Image:
    img = Image.new("RGB", (W, H), (15, 10, 25))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([90, 110, 390, 250], radius=30, outline=(255, 60, 180), width=10)
    d.text((150, 150), "OPEN 24h", fill=(120, 240, 255), font_size=48)
    return img.filter(ImageFilter.GaussianBlur(2))


def corridor() -> Image.Image:
    img = Image.new("RGB", (W, H), (60, 40, 35))
    d = ImageDraw.Draw(img)
    d.polygon([(0, 0), (W, 0), (300, 140), (180, 140)], fill=(200, 180, 150))
    d.polygon([(0, H), (W, H), (300, 220), (180, 220)], fill=(120, 30, 40))
    d.rectangle([180, 140, 300, 220], fill=(250, 230, 180))
    for x in (40, 110, 370, 430):
        d.rectangle([x, 120, x + 25, 250], fill=(90, 60, 40))
    return _finish(img)


def cafe_table() -> Image.Image:
    img = _gradient((240, 220, 190), (180, 140, 110))
    d = ImageDraw.Draw(img)
    d.ellipse([80, 200, 400, 300], fill=(110, 70, 50))
    for x in (170, 270):
        d.rounded_rectangle([x, 170, x + 50, 230], radius=8, fill=(250, 250, 250))
        d.ellipse([x + 5, 165, x + 45, 180], fill=(90, 55, 30))
    return _finish(img)


def phone_chat() -> Image.Image:
    img = _gradient((200, 230, 250), (150, 190, 230))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([160, 20, 320, 340], radius=24, fill=(20, 20, 30))
    d.rectangle([172, 50, 308, 310], fill=(245, 245, 245))
    for i, left in enumerate((True, False, True, False)):
        y = 70 + i * 56
        x0 = 180 if left else 230
        d.rounded_rectangle(
            [x0, y, x0 + 70, y + 36], radius=12, fill=(210, 210, 215) if left else (90, 170, 250)
        )
    return _finish(img)


def bouquet() -> Image.Image:
    img = _gradient((250, 250, 240), (220, 235, 220))
    d = ImageDraw.Draw(img)
    d.polygon([(200, 330), (280, 330), (320, 180), (160, 180)], fill=(200, 170, 230))
    for x, y, c in (
        (200, 130, (230, 60, 90)),
        (260, 110, (250, 170, 60)),
        (240, 160, (240, 90, 150)),
        (180, 170, (250, 220, 80)),
        (300, 150, (200, 50, 70)),
    ):
        d.ellipse([x - 30, y - 30, x + 30, y + 30], fill=c)
    return _finish(img)


def beach_sunset() -> Image.Image:
    img = _gradient((255, 150, 90), (120, 60, 120))
    d = ImageDraw.Draw(img)
    d.ellipse([180, 150, 300, 270], fill=(255, 220, 120))
    d.rectangle([0, 230, W, H], fill=(30, 60, 110))
    d.rectangle([0, 300, W, H], fill=(230, 200, 150))
    return _finish(img)


def mirror_lamp() -> Image.Image:
    img = _gradient((90, 70, 60), (50, 40, 35))
    d = ImageDraw.Draw(img)
    d.ellipse([60, 40, 220, 300], fill=(190, 210, 220), outline=(200, 160, 60), width=10)
    d.polygon([(330, 120), (410, 120), (390, 60), (350, 60)], fill=(250, 220, 150))
    d.rectangle([365, 120, 375, 290], fill=(40, 30, 25))
    d.ellipse([330, 285, 410, 305], fill=(40, 30, 25))
    return _finish(img)


#: name -> drawing function; names are what the demo reports list in `media`
DEMO_IMAGES: dict[str, Callable[[], Image.Image]] = {
    "comic-real-story.png": comic,
    "comic-repost-trimmed.png": repost_trimmed,
    "comic-repost-recoloured.jpg": repost_recoloured,
    "comic-repost-small.webp": repost_resized,
    "car-at-night.png": car_at_night,
    "salon-chair.png": salon_chair,
    "designer-bag.jpg": designer_bag,
    "skyline.png": skyline,
    "neon-sign.png": neon_sign,
    "corridor.jpg": corridor,
    "cafe-table.png": cafe_table,
    "phone-chat.png": phone_chat,
    "bouquet.webp": bouquet,
    "beach-sunset.jpg": beach_sunset,
    "mirror-lamp.png": mirror_lamp,
}

_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}


def render_demo_image(name: str) -> bytes:
    """The encoded file for one demo image (deterministic for a given Pillow)."""
    img = DEMO_IMAGES[name]()
    buf = io.BytesIO()
    fmt = _FORMATS[name.rsplit(".", 1)[1]]
    img.save(buf, fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}))
    return buf.getvalue()
