"""A style's mask: which of its pixels are the logo (white) and which the ground it was found on (a
cover's photograph or texture, black). From a file of the style's size, from the style's own alpha
channel, or found in the picture (:func:`find_lettering`). A mask is read at the style's working
size, as a float (H, W) array on 0-1."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from steel.errors import SteelError
from steel.io.images import border_ring
from steel.io.limits import check_file_pixels

#: the mask values that are not a file's path
ALPHA, AUTO = "alpha", "auto"
#: a mask keeping less than this share of the style, or more than 1 minus it, is refused: it leaves
#: no logo to take the style from, or keeps the ground it was meant to drop
MIN_SHARE = 0.01


def mask_spec(mask: str | Path | None) -> str | Path | None:
    """A mask as given: None, :data:`ALPHA`, :data:`AUTO` or a file's path."""
    if mask is None or str(mask) in (ALPHA, AUTO):
        return None if mask is None else str(mask)
    return Path(mask)


def read_mask(path: str | Path, image_size: tuple[int, int], size: tuple[int, int], what: str) -> np.ndarray:
    """A mask file (white = logo, any mode; its alpha, if any, ignored) of the style file's
    ``image_size`` (width, height), resized to the working ``size``; another size is one line."""
    path = Path(path)
    if not path.is_file():
        raise SteelError(f"the mask {path} of {what} does not exist; check the path")
    try:
        with warnings.catch_warnings():  # the size is checked from the header, below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened:
            check_file_pixels(opened.size, f"mask {path}")
            if opened.size != tuple(image_size):
                raise SteelError(
                    f"the mask {path} is {opened.width}x{opened.height} px but {what} is "
                    f"{image_size[0]}x{image_size[1]} px; give a mask of the image's own size"
                )
            grey = opened.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise SteelError(f"cannot read the mask {path} of {what} ({error}); use a PNG") from None
    return _at(grey, size)


def alpha_mask(path: str | Path, size: tuple[int, int], what: str) -> np.ndarray:
    """The style file's own alpha channel as its mask (opaque = logo), at the working ``size``."""
    path = Path(path)
    try:
        with Image.open(path) as opened:
            has_alpha = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
            alpha = opened.convert("RGBA").getchannel("A") if has_alpha else None
    except (OSError, ValueError) as error:
        raise SteelError(f"cannot read {what} ({error})") from None
    if alpha is None:
        raise SteelError(f"{what} has no alpha channel to mask it with; give a mask file or mask: auto")
    return _at(alpha, size)


def resized_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A mask (H, W on 0-1) at ``size`` (width, height)."""
    return _at(Image.fromarray(np.round(mask * 255).astype(np.uint8), "L"), size)


def _at(grey: Image.Image, size: tuple[int, int]) -> np.ndarray:
    if grey.size != tuple(size):
        grey = grey.resize(tuple(size), Image.Resampling.LANCZOS)  # as the style itself is
    return np.asarray(grey, dtype=np.float32) / 255.0


def check_share(mask: np.ndarray, what: str) -> float:
    """The share of the style a mask keeps; almost nothing or almost everything is one line."""
    share = float(mask.mean())
    if share < MIN_SHARE or share > 1 - MIN_SHARE:
        keeps = "almost nothing" if share < MIN_SHARE else "almost everything"
        raise SteelError(
            f"the mask of {what} keeps {share:.1%} of it ({keeps}); a mask keeps the logo (white) and "
            f"drops its ground (black): between {MIN_SHARE:.0%} and {1 - MIN_SHARE:.0%}"
        )
    return share


# --- finding the lettering -----------------------------------------------------------------------

#: the window that estimates the ground under the lettering, as a share of the shorter side: wide
#: enough that a letter's body holds less than half of it, so that the median is the ground's
#: (0.35 left IoU 0.84-0.86 on the made-up covers at 256 px, 0.6 and 1.0 0.92-0.95: docs/covers.md)
GROUND_WINDOW = 0.6
#: the lettering is looked for at most this wide (px)
MAX_ANALYSIS_WIDTH = 1024


def find_lettering(image: Image.Image) -> tuple[np.ndarray, dict]:
    """The lettering of a logo on a cover (a photograph, a texture, a gradient), as a 0/1 mask, and
    what was found: ``{"polarity": "light on dark" | "dark on light", "share": ...}``.

    The ground is estimated by a median over a window wider than any stroke
    (:data:`GROUND_WINDOW`); the lettering is what stands out of it, on the side (lighter or
    darker) where it stands out most, split from the rest by Otsu's threshold; specks smaller than
    a stroke are dropped by an opening and the letters' holes closed."""
    grey = image.convert("L")
    if grey.width > MAX_ANALYSIS_WIDTH:  # the lettering's shape does not need more pixels
        grey = grey.resize(
            (MAX_ANALYSIS_WIDTH, max(1, round(grey.height * MAX_ANALYSIS_WIDTH / grey.width))),
            Image.Resampling.BOX,
        )
    small_side = min(grey.size)
    window = max(3, int(GROUND_WINDOW * small_side) | 1)
    # the median at a reduced size: a wide median filter at full size is slow
    scale = max(1, window // 15)
    reduced = grey.resize((max(1, grey.width // scale), max(1, grey.height // scale)), Image.Resampling.BOX)
    ground = reduced.filter(ImageFilter.MedianFilter(min(window // scale | 1, 31)))
    ground = np.asarray(ground.resize(grey.size, Image.Resampling.BILINEAR), dtype=np.float32)
    difference = np.asarray(grey, dtype=np.float32) - ground
    light, dark = np.clip(difference, 0, None), np.clip(-difference, 0, None)
    # the polarity whose strongest tenth stands out more: the lettering is one solid side
    lighter = np.percentile(light, 90) >= np.percentile(dark, 90)
    strength = light if lighter else dark
    threshold = _otsu(strength)
    mask = Image.fromarray(((strength > threshold) * 255).astype(np.uint8), "L")
    mask = mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))  # specks out
    mask = mask.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))  # gaps closed
    found = np.asarray(mask, dtype=np.float32) / 255.0
    ring = border_ring(*found.shape)
    if found[ring].mean() > 0.5:  # the ground came out as the lettering: the other side
        found = 1.0 - found
    return found, {
        "polarity": "light on dark" if lighter else "dark on light",
        "share": round(float(found.mean()), 4),
        "threshold": round(float(threshold), 2),
    }


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of ``values`` (between-class variance at its largest), over 256 bins."""
    histogram, edges = np.histogram(values, bins=256)
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(histogram).astype(np.float64)
    total = weight[-1]
    mean = np.cumsum(histogram * centres)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight), 1e-12) * total
    return float(centres[int(np.argmax(between[:-1]))])
