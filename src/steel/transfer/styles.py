"""The style a run reads: one image, or a blend of several with their weights (summing to 1), whose
Gram targets are the weighted mean of the images' (:class:`steel.transfer.losses.StyleTransferLoss`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from steel.io.images import to_pil


@dataclass(frozen=True)
class StyleBlend:
    images: tuple[torch.Tensor, ...]  # each (1, 3, H, W), 0-255, at the run's style width
    weights: tuple[float, ...]  # normalised (steel.blend.blend_weights); one image: (1.0,)

    def map(self, change: Callable[[torch.Tensor], torch.Tensor]) -> StyleBlend:
        """The same blend with ``change`` applied to every image (a resize, a device, grey)."""
        return dataclasses.replace(self, images=tuple(change(image) for image in self.images))

    @property
    def leading(self) -> torch.Tensor:
        """The image of the largest weight (the first on ties): what a start from the style starts from."""
        return self.images[max(range(len(self.weights)), key=lambda i: (self.weights[i], -i))]

    def weighted(self) -> Iterator[tuple[torch.Tensor, float]]:
        """(image, weight) of the images that count: a weight of 0 adds nothing to a target."""
        pairs = zip(self.images, self.weights, strict=True)
        return ((image, weight) for image, weight in pairs if weight > 0)


def as_blend(style: torch.Tensor | StyleBlend) -> StyleBlend:
    """A style image as a blend of one (weight 1), a blend as it is."""
    return style if isinstance(style, StyleBlend) else StyleBlend((style,), (1.0,))


def as_pictures(style: torch.Tensor | StyleBlend):
    """The style as the metrics take it (:data:`steel.evaluate.metrics.StyleInput`): a picture, or
    a blend's ``[(picture, weight), ...]``."""
    if not isinstance(style, StyleBlend):
        return to_pil(style)
    return [(to_pil(image), weight) for image, weight in zip(style.images, style.weights, strict=True)]
