"""A result as a vector logo: traced with vtracer (splines), its ground left out so it is transparent.

A result whose colours are all grey (every pixel's channels within :data:`GREY_SPREAD` of each
other, or a grey run) is traced in vtracer's binary mode: one ink shape, the word's outlines. Any
other result is traced in colour mode with its ground keyed out: pixels within the metrics'
visibility threshold (:data:`steel.evaluate.ocr.VISIBLE_DELTA` levels per channel) of the border's
colour become transparent, so the ground is no path at all and coloured artefacts stay visible as
what they are. (Tracing :func:`steel.io.images.with_alpha`'s soft alpha instead draws faint ground
pixels as opaque, saturated specks: vtracer keys alpha, it does not blend it.)
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from steel.settings import BY_NAME

if TYPE_CHECKING:
    pass

#: a pixel is grey when its channels differ by at most this many levels (JPEG-like noise and
#: anti-aliasing stay within it; a visible tint does not)
GREY_SPREAD = 12
#: the share of pixels that must be grey for the binary trace (a few stray pixels may differ)
GREY_SHARE = 0.999
MODES = ("binary", "color")


@dataclass(frozen=True)
class TraceSettings:
    """vtracer's settings that matter for logos (defaults: :data:`steel.settings.SETTINGS`)."""

    filter_speckle: int = BY_NAME["filter_speckle"].default  # px: smaller patches are dropped
    corner_threshold: int = BY_NAME["corner_threshold"].default  # degrees: sharper turns stay corners
    color_precision: int = BY_NAME["color_precision"].default  # bits per channel in colour mode
    path_precision: int = BY_NAME["path_precision"].default  # decimals of the SVG's coordinates

    @classmethod
    def from_options(cls, options: Mapping) -> TraceSettings:
        """From :func:`steel.config.vector_options` (its ``svg`` switch aside)."""
        return cls(**{name: int(options[name]) for name in cls.__dataclass_fields__})


DEFAULT_TRACE = TraceSettings()


def is_grey(image: Image.Image) -> bool:
    """All colours grey within :data:`GREY_SPREAD` (for at least :data:`GREY_SHARE` of the pixels)."""
    array = np.asarray(image.convert("RGB"), dtype=np.int16)
    spread = array.max(axis=2) - array.min(axis=2)
    return float((spread <= GREY_SPREAD).mean()) >= GREY_SHARE


def trace_mode(image: Image.Image, grey_run: bool = False) -> str:
    return "binary" if grey_run or is_grey(image) else "color"


def ground_keyed(image: Image.Image) -> Image.Image:
    """RGBA: the image with its ground (the border's colour, within ``VISIBLE_DELTA``) transparent."""
    from steel.evaluate.ocr import VISIBLE_DELTA
    from steel.io.images import background_colour

    array = np.asarray(image.convert("RGB"), dtype=np.int16)
    ground = np.abs(array - background_colour(array)).max(axis=2) <= VISIBLE_DELTA
    alpha = np.where(ground, 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([array.astype(np.uint8), alpha]), "RGBA")


def trace(
    image: Image.Image, settings: TraceSettings = DEFAULT_TRACE, mode: str | None = None
) -> tuple[str, str]:
    """``(svg, mode)``: the image traced as an SVG of its own pixel size, ground transparent."""
    import vtracer

    mode = mode or trace_mode(image)
    source = image.convert("L").convert("RGBA") if mode == "binary" else ground_keyed(image)
    buffer = io.BytesIO()
    source.save(buffer, format="PNG")
    svg = vtracer.convert_raw_image_to_svg(
        buffer.getvalue(),
        img_format="png",
        colormode=mode,
        hierarchical="stacked",
        mode="spline",
        filter_speckle=settings.filter_speckle,
        color_precision=settings.color_precision,
        corner_threshold=settings.corner_threshold,
        path_precision=settings.path_precision,
    )
    return svg, mode


def settings_record(settings: TraceSettings, mode: str) -> dict:
    """What the trace used, for the file beside it."""
    return {"mode": mode, "grey_spread": GREY_SPREAD, "grey_share": GREY_SHARE, **asdict(settings)}
