"""How large, small and elongated a logo may be, in pixels: the limits every reader of images and
SVGs checks (:mod:`steel.io.images`, :mod:`steel.io.svg`), each a one-line :class:`SteelError`.
Numpy-, Pillow- and torch-free."""

from __future__ import annotations

from steel.errors import SteelError
from steel.layers import MIN_SIDE, POOLING_STAGES

#: refuse images larger than this many pixels after resizing (a 50,000-step run would never end)
MAX_PIXELS = 4_000_000
#: refuse an image file whose header declares more pixels than this, before decoding it (a logo
#: at print resolution, 8000 x 5000, is read; Pillow's own warning starts at 89 M pixels)
MAX_FILE_PIXELS = 40_000_000
#: the most elongated image any working width can make valid: :data:`MIN_SIDE` px on its short
#: side leaves at most :data:`MAX_PIXELS` / MIN_SIDE^2 (about 3906) times as many on its long side
MAX_ASPECT = MAX_PIXELS / MIN_SIDE**2
#: refuse to enlarge a raster logo file more than this many times to the working width: its
#: pixels would be blown up into blocks (drawn words and SVGs are drawn at size)
MAX_UPSCALE = 8


def check_image_size(height: int, width: int, what: str) -> None:
    """Refuse images whose sides cannot survive VGG16's five pooling stages."""
    if min(height, width) < MIN_SIDE:
        raise SteelError(
            f"{what} is {width}x{height} px; VGG16's {POOLING_STAGES} pooling stages need at least "
            f"{MIN_SIDE} px on each side: use a larger --width or a less extreme aspect ratio"
        )


def check_pixels(size: tuple[int, int], what: str) -> None:
    """Refuse a (width, height) over :data:`MAX_PIXELS`, in one line."""
    if size[0] * size[1] > MAX_PIXELS:
        raise SteelError(
            f"{what} is {size[0]}x{size[1]} px, over the limit of {MAX_PIXELS:,} pixels; "
            "choose a smaller width"
        )


def check_file_pixels(size: tuple[int, int], what: str) -> None:
    """Refuse a (width, height) declared by an image file over :data:`MAX_FILE_PIXELS`, in one line."""
    if size[0] * size[1] > MAX_FILE_PIXELS:
        raise SteelError(
            f"{what} is {size[0]}x{size[1]} px, over the limit of {MAX_FILE_PIXELS:,} pixels for "
            "a logo file; save it smaller (a few thousand px wide is plenty)"
        )


def check_aspect(size: tuple[float, float], what: str) -> None:
    """Refuse a (width, height) more elongated than :data:`MAX_ASPECT` either way (no working width
    makes it a valid image), in one line: from a file's header or an SVG's declared size, before
    anything is decoded or drawn."""
    width, height = size
    ratio = max(width / height, height / width) if width > 0 and height > 0 else float("inf")
    if not ratio <= MAX_ASPECT:  # also NaN
        raise SteelError(
            f"{what} has an aspect ratio of {ratio:.3g}:1; no width makes it a "
            f"valid image (VGG16 needs {MIN_SIDE} px on each side, and {MAX_PIXELS:,} pixels is the "
            f"limit: at most {MAX_ASPECT:.0f}:1): crop it to the logo"
        )


def check_upscale(size: tuple[int, int], width: int | None, what: str) -> None:
    """Refuse to enlarge a raster file of (width, height) ``size`` more than :data:`MAX_UPSCALE`
    times to ``width``, in one line."""
    if width is not None and width > MAX_UPSCALE * size[0]:
        raise SteelError(
            f"{what} is only {size[0]}x{size[1]} px: scaling it to {width} px wide would enlarge it "
            f"{width / size[0]:.0f}-fold (at most {MAX_UPSCALE}); use a larger image, an SVG, or a "
            "smaller width"
        )
