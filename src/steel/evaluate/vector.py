"""How faithful a traced vector logo is to its raster: the SVG rendered back on white at the
raster's size, its ink against the raster's (ink as the metrics see it: visibly darker than white
on a light ground, :func:`steel.evaluate.metrics.on_light`), its size, and whether OCR still reads
the word."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from steel.evaluate.ocr import ink_mask


def rendered(svg: str, size: tuple[int, int]) -> Image.Image:
    """``svg`` drawn by resvg at ``size`` (width, height) on white, RGB."""
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, width=size[0], height=size[1], background="#ffffff")
    with Image.open(io.BytesIO(bytes(png))) as opened:
        return opened.convert("RGB")


def ink_iou(a: Image.Image, b: Image.Image) -> float | None:
    """Intersection over union of the two images' ink (None when neither has any)."""
    from steel.evaluate.metrics import on_light

    ink_a, ink_b = ink_mask(on_light(a)), ink_mask(on_light(b))
    union = np.logical_or(ink_a, ink_b).sum()
    if union == 0:
        return None
    return round(float(np.logical_and(ink_a, ink_b).sum() / union), 4)


def vector_metrics(svg: str, raster: Image.Image, content: Image.Image | None, text: str | None) -> dict:
    """``vector_iou``, ``vector_paths``, ``vector_bytes`` and ``vector_cer`` (OCR of the rendered-back
    SVG against ``text`` on ``content``'s word box; None without a text), and ``vector_ink``: the
    rendered-back ink's share of the image (0: the trace is empty; 1: all ink)."""
    from steel.evaluate.metrics import on_light, readability

    back = rendered(svg, raster.size)
    ink = ink_mask(on_light(back))
    cer = None
    if text and content is not None:
        cer = readability(back, content, text)["cer"]
    return {
        "vector_iou": ink_iou(back, raster),
        "vector_paths": svg.count("<path"),
        "vector_bytes": len(svg.encode("utf-8")),
        "vector_cer": None if cer is None else round(cer, 4),
        "vector_ink": round(float(ink.mean()), 4),
    }
