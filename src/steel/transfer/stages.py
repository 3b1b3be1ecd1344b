"""A run's stages and what each optimises against: coarse to fine (``scales``), each stage at a
fraction of the width with targets of its own size; the start image; the clamp L-BFGS sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from steel.errors import SteelError
from steel.io.images import fit_on_white, to_pil, to_tensor
from steel.layers import ordered
from steel.settings import Settings
from steel.transfer.features import VGGFeatures
from steel.transfer.losses import StyleTransferLoss, luminance
from steel.transfer.styles import StyleBlend, as_blend

#: a coarse stage's shorter side may not fall below this (four poolings of the network)
MIN_STAGE_SIDE = 16


@dataclass(frozen=True)
class Stage:
    """One scale of a run: its size and its steps, counted over the whole run."""

    scale: float
    height: int
    width: int
    iterations: int
    first_step: int

    @property
    def end_step(self) -> int:
        return self.first_step + self.iterations


def stages(settings: Settings, height: int, width: int) -> list[Stage]:
    """The stages of a run on a ``height`` x ``width`` image: one per scale, the last full size."""
    found, first = [], 0
    for scale, iterations in zip(settings.scales, settings.stage_iterations, strict=True):
        size = (height, width) if scale == 1.0 else (round(height * scale), round(width * scale))
        if min(size) < MIN_STAGE_SIDE:
            raise SteelError(
                f"scale {scale:g} makes the {width}x{height} px image {size[1]}x{size[0]} px, smaller "
                f"than the network's {MIN_STAGE_SIDE} px; use a larger width or a larger first scale"
            )
        found.append(Stage(scale, *size, iterations, first))
        first += iterations
    return found


def resized(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``images`` (B, C, H, W) at another size: antialiased bilinear (none at the same size)."""
    if tuple(images.shape[2:]) == (height, width):
        return images
    return F.interpolate(images, size=(height, width), mode="bilinear", antialias=True, align_corners=False)


def at_scale(image: torch.Tensor, scale: float) -> torch.Tensor:
    """``image`` at ``scale`` of its size (itself at 1)."""
    if scale == 1.0:
        return image
    return resized(image, round(image.shape[2] * scale), round(image.shape[3] * scale))


def network_targets(
    style: torch.Tensor | StyleBlend, content: torch.Tensor, settings: Settings
) -> tuple[StyleBlend, torch.Tensor]:
    """The style (as a blend, :func:`steel.transfer.styles.as_blend`) and content images as the
    targets are computed from: grey logos for a grey run (a grey image cannot match colour Grams),
    else as they are."""
    style = as_blend(style)
    if settings.colour == "grey":
        return style.map(lambda image: luminance(image).expand(-1, 3, -1, -1)), luminance(content).expand(
            -1, 3, -1, -1
        )
    return style, content


def target_loss(
    extractor: VGGFeatures,
    style: torch.Tensor | StyleBlend,
    content: torch.Tensor,
    cells: Sequence[Mapping[str, float]],
    settings: Settings,
    scale: float = 1.0,
) -> StyleTransferLoss:
    """The loss of ``cells`` against the targets of ``style`` (an image or a blend) and ``content``
    (already at a stage's size, as :func:`network_targets` gives them); ``scale``: the stage's
    fraction of the width."""
    style_layers = ordered({name for c in cells for name in c})
    with torch.no_grad():
        style_features = [
            ({k: v for k, v in extractor(image).items() if k in style_layers}, weight)
            for image, weight in as_blend(style).weighted()
        ]
        content_features = extractor(content)
    return StyleTransferLoss(
        style_features,
        content_features,
        cells,
        content_layer=settings.content_layer,
        content_weight=settings.content_weight,
        tv_weight=settings.tv_weight,
        target_size={name: tuple(content_features[name].shape[2:]) for name in style_layers},
        normalise=settings.normalise,
        style_weight=settings.style_weight,
        shape_content=content if settings.shape_weight > 0 else None,
        shape_weight=settings.shape_weight,
        shape_reach=settings.shape_reach * scale,  # px at the working width
    )


def initial_image(init: str, content: torch.Tensor, style: torch.Tensor, seed: int) -> torch.Tensor:
    if init == "content":
        return content.clone()
    if init == "style":
        size = (content.shape[3], content.shape[2])
        return to_tensor(fit_on_white(to_pil(style), size)).to(content.device)
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(content.shape, generator=generator) * 255).to(content.device)


class _InwardClamp(torch.autograd.Function):
    """Forward: clamp to 0-255. Backward: the gradient wherever descent moves the pixel into the
    range or along it, 0 where it would push a pixel at or beyond a bound further out.

    torch's clamp has a zero gradient *at* the bounds too, which froze every pixel that starts at
    exactly 0 or 255 under L-BFGS (most pixels of a clean logo). A plain straight-through gradient
    lets L-BFGS push pixels ever further past a bound where the loss no longer changes, which
    breaks its curvature pairs.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(0, 255)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # descent moves x by -grad: at the lower bound only grad < 0 moves it inward, at the upper grad > 0
        blocked = ((x <= 0) & (grad > 0)) | ((x >= 255) & (grad < 0))
        return grad.masked_fill(blocked, 0.0)


def inward_clamp(x: torch.Tensor) -> torch.Tensor:
    return _InwardClamp.apply(x)
