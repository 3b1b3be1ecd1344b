"""Reading logos into 0-255 RGB tensors (aspect ratio kept) and writing them back.

torch is imported only by the functions that make or read tensors, so that the workflow's cheap
rules (sheets, tables) can read images without paying for it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from steel.errors import SteelError
from steel.io.limits import (
    check_aspect,
    check_file_pixels,
    check_image_size,
    check_pixels,
    check_upscale,
)
from steel.io.svg import is_svg, read_svg
from steel.setting_row import parse_invert

if TYPE_CHECKING:
    import torch


def read_image(path: str | Path, width: int | None = None) -> Image.Image:
    """Open an image file as RGB: turned upright as its EXIF orientation says, transparency composited
    onto white, grey scale expanded, 16-bit and 0-1 float grey brought to 0-255. An SVG is rasterised
    at ``width`` px (its own size if None); other formats are read at their size (``width`` unused:
    :func:`resize_to_width` scales them)."""
    path = Path(path)
    if not path.is_file():
        raise SteelError(f"image {path} does not exist; check the path")
    if is_svg(path):
        return read_svg(path, width)
    try:
        # the size comes from the header: a huge image is refused before it is decoded, and
        # Pillow's own bomb warning (which our lower limit makes moot) is not printed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened:
            check_file_pixels(opened.size, f"image {path}")
            check_aspect(opened.size, f"image {path} ({opened.width}x{opened.height} px)")
            opened.load()
            image = opened
    except (Image.DecompressionBombError, ValueError) as error:
        # ValueError: a compressed text or colour-profile chunk that inflates past Pillow's cap
        raise SteelError(f"image {path} is too large ({error}); use a smaller image") from None
    except (UnidentifiedImageError, OSError) as error:
        raise SteelError(f"cannot read image {path} ({error}); use PNG, JPEG, WebP, BMP or SVG") from None
    # a phone photo stores its pixels sideways and says so in EXIF
    image = ImageOps.exif_transpose(image) or image
    if image.mode == "F":
        image = _float_grey(image, path)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        # 16-bit grey: Pillow's convert("RGB") would clip 0-65535 at 255
        array = np.asarray(image, dtype=np.float64) / 257.0
        image = Image.fromarray(np.clip(np.round(array), 0, 255).astype(np.uint8), "L")
    return image.convert("RGB")


def _float_grey(image: Image.Image, path: Path) -> Image.Image:
    """A 32-bit float grey image (e.g. a float TIFF) on the 0-1 or the 0-255 scale, as 8-bit grey."""
    array = np.asarray(image, dtype=np.float64)
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 255:
        raise SteelError(
            f"image {path} holds float values outside 0-1 and 0-255 (or NaN); save it as an 8-bit PNG"
        )
    if array.max() <= 1.0:  # Pillow's convert would make 0-1 values all black
        array = array * 255.0
    return Image.fromarray(np.clip(np.round(array), 0, 255).astype(np.uint8), "L")


def resize_to_width(
    image: Image.Image, width: int | None, what: str = "image", *, raster: bool = False
) -> Image.Image:
    """Scale to ``width`` keeping the aspect ratio (logos are wide: never squash them square).
    ``raster``: the image is a raster file's pixels, enlarged at most
    :data:`~steel.io.limits.MAX_UPSCALE` times."""
    size = image.size
    if width is not None:
        size = (width, max(1, round(image.height * width / image.width)))
    check_pixels(size, what)
    check_image_size(size[1], size[0], what)
    if raster:
        check_upscale(image.size, width, what)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def fit_on_white(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale ``image`` to fit inside ``size`` (width, height) and centre it on white."""
    scale = min(size[0] / image.width, size[1] / image.height)
    inner = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    canvas = Image.new("RGB", size, (255, 255, 255))
    canvas.paste(inner, ((size[0] - inner.width) // 2, (size[1] - inner.height) // 2))
    return canvas


def read_logo(path: str | Path, width: int | None, what: str = "image") -> Image.Image:
    """A logo file as RGB at ``width`` px (aspect kept): an SVG drawn at that width, a raster file
    scaled to it (enlarged at most :data:`~steel.io.limits.MAX_UPSCALE` times)."""
    return resize_to_width(read_image(path, width), width, f"{what} {path}", raster=not is_svg(path))


def load_image(path: str | Path, width: int | None, what: str = "image") -> torch.Tensor:
    """Read, resize and return a (1, 3, H, W) float tensor on the 0-255 scale."""
    return to_tensor(read_logo(path, width, what))


def to_tensor(image: Image.Image) -> torch.Tensor:
    import torch

    array = np.asarray(image, dtype=np.float32)
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).contiguous()


def to_pil(image: torch.Tensor) -> Image.Image:
    """(3, H, W) or (1, 3, H, W) tensor on the 0-255 scale -> 8-bit RGB image."""
    if image.dim() == 4:
        image = image[0]
    array = image.detach().float().clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array, "RGB")


# --- dark backgrounds --------------------------------------------------------------------------

#: a logo's background is dark when the median brightness of its border ring is below this
DARK_LEVEL = 128
#: width of the border ring that decides the background, as a share of the shorter side (>= 1 px)
BORDER_SHARE = 0.02


def border_ring(height: int, width: int) -> np.ndarray:
    """(H, W) mask of an image's border ring, :data:`BORDER_SHARE` of the shorter side wide (at
    least 1 px): where a logo's ground is judged (its brightness, its colour, whether it is light)."""
    b = max(1, round(BORDER_SHARE * min(height, width)))
    ring = np.ones((height, width), dtype=bool)
    ring[b:-b, b:-b] = False
    return ring


def border_level(image: Image.Image | np.ndarray | torch.Tensor) -> float:
    """Median brightness (mean of R, G, B) of the image's border ring, on the 0-255 scale."""
    if isinstance(image, Image.Image):
        array = np.asarray(image.convert("RGB"), dtype=np.float32)
    elif isinstance(image, np.ndarray):
        array = image.astype(np.float32)
    else:  # a (1, 3, H, W) or (3, H, W) tensor
        tensor = image[0] if image.dim() == 4 else image
        array = tensor.detach().float().permute(1, 2, 0).cpu().numpy()
    grey = array.mean(axis=2) if array.ndim == 3 else array
    return float(np.median(grey[border_ring(*grey.shape)]))


def has_dark_background(image: Image.Image | np.ndarray | torch.Tensor) -> bool:
    """Light glyphs on a dark ground, judged by the border ring (:func:`border_level`)."""
    return border_level(image) < DARK_LEVEL


def should_invert(image: Image.Image | np.ndarray | torch.Tensor, invert: str | bool = "auto") -> bool:
    """Whether to optimise ``image`` inverted: ``invert`` True or False, or "auto" = by its border."""
    invert = parse_invert(invert)
    return has_dark_background(image) if invert == "auto" else invert


# --- a transparent result ----------------------------------------------------------------------


def background_colour(image: np.ndarray) -> np.ndarray:
    """The per-channel median of an (H, W, 3) image's border ring (:func:`border_ring`): its ground."""
    return np.median(image[border_ring(*image.shape[:2])].astype(np.float64), axis=0)


def with_alpha(image: Image.Image | np.ndarray, background: np.ndarray | None = None) -> Image.Image:
    """The logo with its ground made transparent, as an RGBA image ("colour to alpha").

    Each pixel's alpha is its distance from the ``background`` colour (default: the border's,
    :func:`background_colour`) relative to the furthest a channel could go in that direction, the
    largest over the channels; its colour is then un-mixed from the background, so that the RGBA
    image laid back on the background gives the pixel again (to rounding) and anti-aliased edges
    stay smooth. The ground itself is fully transparent, ink at the far end of the range
    (black on white, white on black) fully opaque.
    """
    rgb = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image, dtype=np.float64)
    bg = background_colour(rgb) if background is None else np.asarray(background, dtype=np.float64)
    difference = rgb - bg
    room = np.where(difference > 0, 255.0 - bg, bg)  # how far each channel could move that way
    share = np.divide(np.abs(difference), room, out=np.zeros_like(difference), where=room > 0)
    alpha = share.max(axis=2, keepdims=True).clip(0.0, 1.0)
    colour = bg + np.divide(difference, alpha, out=np.zeros_like(difference), where=alpha > 0)
    array = np.concatenate([colour.clip(0, 255), alpha * 255.0], axis=2)
    return Image.fromarray(np.round(array).astype(np.uint8), "RGBA")
