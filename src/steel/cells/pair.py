"""A style and a content as a run reads them: each at its working width, and inverted where its
glyphs are light on a dark ground (the method assumes dark glyphs on white)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steel.config import working_style_width
from steel.io.images import has_dark_background, load_image, parse_invert, should_invert

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Pair:
    style: torch.Tensor  # (1, 3, H, W), 0-255, as the network sees it
    content: torch.Tensor
    #: the ``invert`` setting and whether the content and the style were inverted
    inverted: dict


def load_pair(
    style: str | Path,
    content: str | Path,
    width: int | None,
    style_width: int | None = None,
    invert: str | bool = False,
) -> Pair:
    """The pair's images: the content at ``width``, the style at ``style_width`` (none: ``width``,
    :func:`steel.config.working_style_width`), aspect kept (``width`` none: the files' sizes).
    ``invert``: "auto" inverts an image whose border is dark, True the content always (the style
    still by its border), False (the default: the images as they are) nothing."""
    content_image = load_image(content, width, "content image")
    invert = parse_invert(invert)
    style_image, style_inverted = load_style(style, width, style_width, invert)
    inverted = {"setting": invert, "content": should_invert(content_image, invert), "style": style_inverted}
    if inverted["content"]:
        content_image = 255.0 - content_image
    return Pair(style_image, content_image, inverted)


def load_style(
    style: str | Path, width: int | None, style_width: int | None = None, invert: str | bool = "auto"
) -> tuple[torch.Tensor, bool]:
    """The style as a run reads it, and whether it was inverted: at ``style_width`` (none:
    ``width``), inverted where its border is dark unless ``invert`` is False."""
    image = load_image(style, working_style_width(width, style_width), "style image")
    inverted = parse_invert(invert) is not False and has_dark_background(image)
    return (255.0 - image if inverted else image), inverted
