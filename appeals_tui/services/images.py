"""Checking an image file before it enters the store, and its PDQ hash.

Why here: this is the one place that decodes untrusted image bytes. Pillow only
gets the four formats we accept, the file's size and each side are bounded
before any pixel is decoded, Pillow's decompression-bomb limit is an error, and
the whole image is decoded once (a truncated file fails here, at import, not
later on a moderator's screen). PDQ (Meta's perceptual hash, via `pdqhash`) is
computed from the same decoded pixels.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_SIDE",
    "MAX_PIXELS",
    "MAX_METADATA",
    "ImageFacts",
    "ImageRejected",
    "inspect_image",
    "pdq_of",
    "decode_first_frame",
    "display_image",
    "make_preview",
    "DISPLAY_SIDE",
]

#: Pillow format names we accept (GIF: first frame only)
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_BYTES = 20 * 1024 * 1024
MAX_SIDE = 10_000
#: Pillow's own decompression-bomb threshold (~89.5 MP, ~270 MB as RGB)
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
_BOMB = f"too many pixels (over {MAX_PIXELS:,}): a decompression bomb?"
#: EXIF/XMP/ICC together; a camera's EXIF is a few KiB, a JPEG segment at most 64 KiB
MAX_METADATA = 256 * 1024
#: PDQ works on a 64x64 downsample; hashing from a 512-px copy gives the same bits
#: for practical purposes and bounds the cost of a 10,000-px image
_PDQ_SIDE = 512


class ImageRejected(ValueError):
    """The bytes are not an image we accept; the message says why, for `FILE:LINE: media:`."""


@dataclass(frozen=True)
class ImageFacts:
    sha256: str
    size: int
    format: str
    width: int
    height: int
    pdq: str
    pdq_quality: int

    def to_dict(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
        }


def _metadata_bytes(img: Image.Image) -> int:
    total = 0
    for value in img.info.values():
        if isinstance(value, bytes | str):
            total += len(value)
    return total


def _open_checked(data: bytes) -> Image.Image:
    """Open (header only) and check size, sides, pixel count and metadata before decoding."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
        try:
            img = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise ImageRejected(
                f"not an image in an accepted format ({', '.join(FORMATS)})"
            ) from None
        except Image.DecompressionBombError:
            raise ImageRejected(_BOMB) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejected(f"damaged image ({exc})") from None
    if img.width > MAX_SIDE or img.height > MAX_SIDE:
        raise ImageRejected(f"{img.width}x{img.height} px; the limit is {MAX_SIDE:,} px a side")
    if img.width * img.height > MAX_PIXELS:
        raise ImageRejected(_BOMB)
    if _metadata_bytes(img) > MAX_METADATA:
        raise ImageRejected(
            f"embedded metadata is {_metadata_bytes(img):,} bytes; the limit is {MAX_METADATA:,}"
        )
    return img


def decode_first_frame(data: bytes, *, max_side: int | None = None) -> Image.Image:
    """Decode (first frame, EXIF orientation applied) to RGB; raise ImageRejected if unsafe.

    `max_side` asks JPEG for a reduced-scale decode (cheap) and then shrinks to fit.
    """
    img = _open_checked(data)
    try:
        if max_side is not None and img.format == "JPEG":
            img.draft("RGB", (max_side, max_side))
        img.seek(0)
        img.load()
        frame = ImageOps.exif_transpose(img) or img
        rgb = frame.convert("RGB")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"damaged image ({exc})") from None
    if max_side is not None:
        rgb.thumbnail((max_side, max_side))
    return rgb


def pdq_of(img: Image.Image) -> tuple[str, int]:
    """PDQ hash as 64 hex digits (bit 0 first, as `pdqhash` returns it) and its quality 0-100."""
    bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex(), int(quality)


def inspect_image(data: bytes, sha256: str) -> ImageFacts:
    """Facts about an accepted image, or ImageRejected with the reason."""
    head = _open_checked(data)
    fmt, width, height = str(head.format), head.width, head.height
    full = decode_first_frame(data)  # decodes every byte: a truncated file fails here
    full.thumbnail((_PDQ_SIDE, _PDQ_SIDE))
    pdq, quality = pdq_of(full)
    return ImageFacts(sha256, len(data), fmt, width, height, pdq, quality)


#: Gaussian radius per blur level, as a fraction of the shown image's longer side
_BLUR_FRACTION = {0: 0.0, 1: 0.015, 2: 0.04, 3: 0.09}
#: enough pixels for a terminal (Sixel/Kitty at ~10x20 px a cell across ~60 cells)
DISPLAY_SIDE = 640


def display_image(
    data: bytes, *, blur: int, greyscale: bool, max_side: int = DISPLAY_SIDE
) -> Image.Image:
    """The picture as a moderator's settings say to show it: bounded, blurred, greyscale.

    Runs in a worker: decoding is bounded by the same checks as import (JPEG is
    decoded at reduced scale), and blurring works on the small copy.
    """
    img = decode_first_frame(data, max_side=max_side)
    if greyscale:
        img = ImageOps.grayscale(img).convert("RGB")
    fraction = _BLUR_FRACTION.get(blur, _BLUR_FRACTION[3])
    if fraction:
        img = img.filter(ImageFilter.GaussianBlur(max(1.0, fraction * max(img.size))))
    return img


def make_preview(data: bytes) -> bytes | None:
    """A display copy (at most DISPLAY_SIDE px, JPEG) of an image larger than that.

    Made once at import, so showing a 10 MB, 2000-px picture decodes ~100 KB
    instead (the render budget is 200 ms). None when the original is small enough
    to show as it is.
    """
    head = _open_checked(data)
    if max(head.size) <= DISPLAY_SIDE:
        return None
    img = decode_first_frame(data, max_side=DISPLAY_SIDE)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()
