"""The style a run reads: one image, or a blend of several with their weights (summing to 1), whose
Gram targets are the weighted mean of the images' (:class:`steel.transfer.losses.StyleTransferLoss`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from steel.io.images import to_pil
from steel.io.masks import MaskedPicture


@dataclass(frozen=True)
class StyleBlend:
    images: tuple[torch.Tensor, ...]  # each (1, 3, H, W), 0-255, at the run's style width
    weights: tuple[float, ...]  # normalised (steel.blend.blend_weights); one image: (1.0,)
    #: each image's mask (1, 1, H, W) on 0-1 at its full working size (1: the logo, 0: the ground
    #: its Grams leave out), or None; empty: none masked
    masks: tuple[torch.Tensor | None, ...] = ()

    def map(self, change: Callable[[torch.Tensor], torch.Tensor]) -> StyleBlend:
        """The same blend with ``change`` applied to every image (a resize, a device, grey); the
        masks stay at their size (each layer reads its own size of them)."""
        return dataclasses.replace(self, images=tuple(change(image) for image in self.images))

    def mask(self, i: int) -> torch.Tensor | None:
        return self.masks[i] if self.masks else None

    @property
    def leading(self) -> torch.Tensor:
        """The image of the largest weight (the first on ties): what a start from the style starts from."""
        return self.images[max(range(len(self.weights)), key=lambda i: (self.weights[i], -i))]

    def weighted(self) -> Iterator[tuple[torch.Tensor, float, torch.Tensor | None]]:
        """(image, weight, mask) of the images that count: a weight of 0 adds nothing to a target."""
        return (
            (image, weight, self.mask(i))
            for i, (image, weight) in enumerate(zip(self.images, self.weights, strict=True))
            if weight > 0
        )


def as_blend(style: torch.Tensor | StyleBlend) -> StyleBlend:
    """A style image as a blend of one (weight 1), a blend as it is."""
    return style if isinstance(style, StyleBlend) else StyleBlend((style,), (1.0,))


def as_pictures(style: torch.Tensor | StyleBlend):
    """The style as the metrics take it (:data:`steel.evaluate.metrics.StyleInput`): a picture, or
    a blend's ``[(picture, weight), ...]``."""
    if not isinstance(style, StyleBlend):
        return to_pil(style)
    pictures = [_picture(image, style.mask(i)) for i, image in enumerate(style.images)]
    if len(pictures) == 1 and style.weights == (1.0,):
        return pictures[0]
    return list(zip(pictures, style.weights, strict=True))


def _picture(image: torch.Tensor, mask: torch.Tensor | None):
    picture = to_pil(image)
    return picture if mask is None else MaskedPicture(picture, mask[0, 0].cpu().numpy())
