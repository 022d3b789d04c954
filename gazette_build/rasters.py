"""How many pixels a raster image (PNG, JPEG, GIF, WebP) holds, read from its header.

A file's size says little of what decoding it costs: a 480 KB PNG of 169 million pixels took the
print layout past 1.5 GB, with Pillow's own warning printed raw. An image above `MAX_PIXELS` is a
warning naming it, and the printed edition leaves it out (`printed/fetcher.py`); the web edition
still publishes it (a browser decodes what it shows). Only the header is read (Pillow opens an
image lazily), so checking costs nothing of the decoding.
"""
from __future__ import annotations

import io
import warnings

MAX_PIXELS = 40_000_000  # 8,000 × 5,000: far beyond any page of the gazette at 300 dpi
TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
# how a raster image's bytes start. A file named .png may hold anything: an SVG with a script
# was published as is (a browser that sniffs it, or a reader who opens it, runs it), and
# WeasyPrint, when Pillow cannot read an image, tries it as an SVG, never cleaned
# (printed/fetcher.py). A raster of another type than its name says (a PNG saved as .jpg, a WebP
# a browser saved as .jpg) is shown as browsers and Pillow show it: by its bytes
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
HEAD = 16  # bytes that tell them


def is_raster(head: bytes) -> bool:
    """Whether bytes starting with `head` are a PNG, JPEG, GIF or WebP image."""
    return head.startswith(SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def why_not_raster(suffix: str) -> str:
    return (f"its bytes are not a PNG, JPEG, GIF or WebP image (an SVG, a page or another "
            f"type saved as {suffix}?)")


def pixels(data: bytes) -> tuple[int, int] | None:
    """(width, height), or None where the header cannot be read; above Pillow's own limit of
    pixels (beyond `MAX_PIXELS`), (0, 0) marks an image too large to say how large."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.size
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return 0, 0
        except Exception:  # noqa: BLE001 — any way a header can be broken: not readable
            return None


def too_large(size: tuple[int, int] | None) -> bool:
    return size is not None and (size == (0, 0) or size[0] * size[1] > MAX_PIXELS)


def why_too_large(size: tuple[int, int]) -> str:
    shown = "more pixels than Pillow reads" if size == (0, 0) else \
        f"{size[0]:,} × {size[1]:,} pixels"
    return (f"the image has {shown}, more than {MAX_PIXELS // 1_000_000} million: the print "
            "layout would decode it whole, so it is left out of the PDFs; make it smaller")
