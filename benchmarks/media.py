"""Media figures for `appeals bench --media`: PDQ hashing rate, match lookup at 100k, render time.

Why these three: hashing bounds import speed, the lookup runs on every Case
screen (and `appeals media match`), and rendering must never hold up a key (the
issue's budget: 200 ms for a 2000x2000 image). Each is timed in this process
after one warm-up call; medians and p95 over the samples, no assertions.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from appeals_tui.domain.pdq import DEFAULT_MATCH_DISTANCE, PdqIndex
from appeals_tui.services.images import display_image, inspect_image, make_preview

__all__ = ["run_media", "format_media"]


def _times(fn: Callable[[], Any], samples: int) -> list[float]:
    fn()  # warm-up: imports, caches
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "samples": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(p95, 3),
    }


def _picture(side: int, seed: int) -> bytes:
    """A synthetic picture with texture (noise over gradients), PNG-encoded."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side]
    base = np.stack([x * 255 // side, y * 255 // side, (x + y) * 127 // side], axis=-1)
    noisy = np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy, "RGB").save(buf, "PNG")
    return buf.getvalue()


def _render_halfcell(img: Image.Image, width: int = 70, height: int = 20) -> int:
    """Render through textual-image's half-block renderable, as the TUI draws it."""
    from rich.console import Console
    from textual_image.renderable.halfcell import Image as Halfcell

    console = Console(width=width, height=height, file=io.StringIO(), color_system="truecolor")
    options = console.options.update(height=height)
    return sum(1 for _ in console.render(Halfcell(img, width, height), options))


def run_media(n_hashes: int = 100_000, samples: int = 20) -> dict[str, Any]:
    small = _picture(480, 1)
    large = _picture(2000, 2)
    hash_small = _times(lambda: inspect_image(small, ""), samples)
    hash_large = _times(lambda: inspect_image(large, ""), max(5, samples // 4))

    rng = np.random.default_rng(3)
    raw = rng.integers(0, 256, size=(n_hashes, 32), dtype=np.uint8)
    build_start = time.perf_counter()
    index = PdqIndex((f"m{i}", raw[i].tobytes().hex()) for i in range(n_hashes))
    build_ms = (time.perf_counter() - build_start) * 1000
    probe = raw[n_hashes // 2].copy()
    probe[:2] ^= 0xFF  # 16 bits away from one stored hash
    probe_hex = probe.tobytes().hex()
    hits = index.search(probe_hex, DEFAULT_MATCH_DISTANCE)
    lookup = _times(lambda: index.search(probe_hex, DEFAULT_MATCH_DISTANCE), samples)

    preview_ms = _times(lambda: make_preview(large), max(5, samples // 4))
    preview = make_preview(large)
    assert preview is not None

    def render(data: bytes) -> Callable[[], None]:
        return lambda: _render_halfcell(display_image(data, blur=2, greyscale=False))

    render_ms = _times(render(preview), samples)
    render_original_ms = _times(render(large), max(5, samples // 4))
    return {
        "hash_480px": {**_summary(hash_small), "images_per_s": round(1000 / statistics.median(hash_small), 1)},
        "hash_2000px": {**_summary(hash_large), "images_per_s": round(1000 / statistics.median(hash_large), 1)},
        "lookup": {**_summary(lookup), "hashes": n_hashes, "build_ms": round(build_ms, 1), "hits": len(hits)},
        "preview_2000px": {**_summary(preview_ms), "bytes": len(preview), "original_bytes": len(large)},
        "render_2000px": _summary(render_ms),
        "render_2000px_without_preview": _summary(render_original_ms),
    }  # fmt: skip


def format_media(result: dict[str, Any]) -> str:
    h1, h2, lk, rd = (result[k] for k in ("hash_480px", "hash_2000px", "lookup", "render_2000px"))
    pv, raw = result["preview_2000px"], result["render_2000px_without_preview"]
    return "\n".join(
        [
            "media (this process, after one warm-up call):",
            f"  PDQ hash at import, 480 px PNG    {h1['images_per_s']:>8} images/s  "
            f"(median {h1['median_ms']} ms, p95 {h1['p95_ms']} ms)",
            f"  PDQ hash at import, 2000 px PNG   {h2['images_per_s']:>8} images/s  "
            f"(median {h2['median_ms']} ms, p95 {h2['p95_ms']} ms)",
            f"  match lookup, {lk['hashes']:,} hashes, d<=31  median {lk['median_ms']} ms, "
            f"p95 {lk['p95_ms']} ms (index built in {lk['build_ms']} ms; {lk['hits']} hit)",
            f"  display copy at import, 2000 px    median {pv['median_ms']} ms "
            f"({pv['original_bytes']:,} -> {pv['bytes']:,} bytes)",
            f"  render a 2000x2000 image as shown (display copy: decode, blur, half-blocks)  "
            f"median {rd['median_ms']} ms, p95 {rd['p95_ms']} ms",
            f"  same from the original file (no display copy)  median {raw['median_ms']} ms, "
            f"p95 {raw['p95_ms']} ms",
        ]
    )
