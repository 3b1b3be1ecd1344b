"""How faithful a traced vector logo is to its raster: the SVG rendered back at the raster's size on
the raster's own ground colour, its ink against the raster's (ink: visibly off that ground, on any
ground colour), how much of the picture its paths cover, its size, and whether OCR still reads the
word."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from steel.evaluate.ocr import VISIBLE_DELTA


def rendered(svg: str, size: tuple[int, int], background: str | None = "#ffffff") -> Image.Image:
    """``svg`` drawn by resvg at ``size`` (width, height) on ``background`` (None: transparent,
    RGBA); RGB otherwise."""
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, width=size[0], height=size[1], background=background)
    with Image.open(io.BytesIO(bytes(png))) as opened:
        return opened.convert("RGB" if background else "RGBA")


def ground_hex(image: Image.Image) -> str:
    """The raster's ground (its border's colour) as ``#rrggbb``."""
    from steel.io.images import background_colour

    r, g, b = (int(np.round(c)) for c in background_colour(np.asarray(image.convert("RGB"))))
    return f"#{r:02x}{g:02x}{b:02x}"


def ink_iou(a: Image.Image, b: Image.Image) -> float | None:
    """Intersection over union of the two images' ink (None when neither has any): the pixels that
    differ visibly from ``b``'s ground (its border's colour), in any channel. On white that is the
    OCR's ink (:func:`steel.evaluate.ocr.ink_mask`); on a dark or coloured ground, ink measured
    against white would be the whole picture, and any two pictures would score 1."""
    from steel.io.images import background_colour

    ground = background_colour(np.asarray(b.convert("RGB")))
    ink_a, ink_b = (_off_ground(image, ground) for image in (a, b))
    union = np.logical_or(ink_a, ink_b).sum()
    if union == 0:
        return None
    return round(float(np.logical_and(ink_a, ink_b).sum() / union), 4)


def _off_ground(image: Image.Image, ground: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels more than :data:`steel.evaluate.ocr.VISIBLE_DELTA` from ``ground`` in a channel."""
    array = np.asarray(image.convert("RGB"), dtype=np.float64)
    return np.abs(array - ground).max(axis=2) > VISIBLE_DELTA


def vector_metrics(
    svg: str,
    raster: Image.Image,
    content: Image.Image | None,
    text: str | None,
    on_white: Image.Image | None = None,
) -> dict:
    """``vector_iou`` (the rendered-back ink against the raster's; None when neither has ink),
    ``vector_coverage`` (the share of the picture the paths cover: 0 = an empty trace, 1 = all of it),
    ``vector_paths``, ``vector_bytes`` and ``vector_cer`` (OCR of the SVG rendered back on white
    against ``text`` on ``content``'s word box; None without a text). ``on_white``: that drawing,
    when the caller has made it already."""
    from steel.evaluate.metrics import readability

    back = rendered(svg, raster.size, ground_hex(raster))
    coverage = np.asarray(rendered(svg, raster.size, None))[:, :, 3] >= 128
    cer = None
    if text and content is not None:
        on_white = on_white if on_white is not None else rendered(svg, raster.size)
        cer = readability(on_white, content, text)["cer"]
    return {
        "vector_iou": ink_iou(back, raster),
        "vector_coverage": round(float(coverage.mean()), 4),
        "vector_paths": svg.count("<path"),
        "vector_bytes": len(svg.encode("utf-8")),
        "vector_cer": None if cer is None else round(cer, 4),
    }
