"""The paper's losses (Ter-Sarkisov 2020, eq. 1-3), computed per image of a batch.

Every function returns one value per batch element, so that a batch of cells optimised together
gets exactly the gradients each cell would get alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence

import torch
from torch import nn

from steel.normalisations import normalisation
from steel.settings import DEFAULT_SETTINGS, DEFAULT_STYLE_WEIGHTS, check_normalise

#: TF32 tensor cores for the Gram matrices' matmuls on CUDA. ``None`` (the default) follows the
#: convolutions: cuDNN runs them in TF32 unless ``torch.backends.cudnn.allow_tf32`` is switched
#: off (it is on by default), and then the Gram matmuls use TF32 too, whatever
#: ``torch.backends.cuda.matmul.allow_tf32`` says (off by default). ``True``/``False`` force it.
#: No effect on a CPU. See benchmarks/README.md for what it costs and gains.
GRAM_TF32: bool | None = None


def _convolutions_use_tf32() -> bool:
    try:
        return bool(torch.backends.cudnn.allow_tf32)
    except RuntimeError:  # the legacy and the new (fp32_precision) flags were mixed
        return getattr(torch.backends.cudnn.conv, "fp32_precision", "ieee") == "tf32"


@contextlib.contextmanager
def _gram_precision(tensor: torch.Tensor) -> Iterator[None]:
    """Matmuls inside run in TF32 on CUDA where :data:`GRAM_TF32` asks for it (see there)."""
    if tensor.device.type != "cuda":
        yield
        return
    wanted = _convolutions_use_tf32() if GRAM_TF32 is None else GRAM_TF32
    flags = torch.backends.cuda.matmul
    try:
        saved = flags.allow_tf32
    except RuntimeError:  # mixed legacy/new flags: leave the user's setting alone
        yield
        return
    flags.allow_tf32 = wanted
    try:
        yield
    finally:
        flags.allow_tf32 = saved


class _Gram(torch.autograd.Function):
    """G = F F^T over (B, C, N) with the backward dF = (dG + dG^T) F in one matmul.

    Autograd's own backward of ``flat @ flat.transpose(1, 2)`` runs two matmuls and then adds a
    transposed (C, N) gradient, a strided pass that on the CPU costs more than the matmuls (it was
    most of the loop's overhead over the bare network: benchmarks/README.md). On CUDA both
    matmuls use TF32 like the convolutions (:data:`GRAM_TF32`).
    """

    @staticmethod
    def forward(ctx, flat):
        ctx.save_for_backward(flat)
        with _gram_precision(flat):
            return torch.bmm(flat, flat.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        with _gram_precision(flat):
            return torch.bmm(grad + grad.transpose(1, 2), flat)


def gram(features: torch.Tensor) -> torch.Tensor:
    """G_ij = f_i . f_j over the flattened maps of (B, C, H, W) features -> (B, C, C) (eq. 2)."""
    return _Gram.apply(features.flatten(2))


def style_layer_loss(
    grams: torch.Tensor, target: torch.Tensor, height: int, width: int, normalise: str = "paper"
) -> torch.Tensor:
    """One layer's style loss per batch element, from (B, C, C) Gram matrices G and a target A, by
    the normalisation ``normalise`` (:data:`steel.normalisations.NORMALISATIONS`: ``paper`` is
    eq. 3, E_l = 1 / (4 H^2 W^2) * sum_ij (A_ij - G_ij)^2)."""
    return normalisation(normalise).layer_loss(grams - target, grams.shape[1], height, width)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error between feature maps, per batch element."""
    return (features - target).square().mean((1, 2, 3))


def tv_loss(images: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference of vertical plus of horizontal neighbours, per image.

    The paper's "regularization constant 0.001" is read as the weight of this term, as in the
    public neural-style code its setup follows. Pixels are on the 0-255 scale.
    """
    dy = (images[:, :, 1:, :] - images[:, :, :-1, :]).square().mean((1, 2, 3))
    dx = (images[:, :, :, 1:] - images[:, :, :, :-1]).square().mean((1, 2, 3))
    return dy + dx


#: a content pixel belongs to a glyph when its darkness (255 - luminance) is above this
GLYPH_LEVEL = 128.0


def luminance(images: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, 1, H, W) luminance, ITU-R 601 weights (as Pillow's mode L); C = 1 is grey."""
    if images.shape[1] == 1:
        return images
    # Python floats, no tensor made per call: this runs inside a captured CUDA graph step
    return 0.299 * images[:, 0:1] + 0.587 * images[:, 1:2] + 0.114 * images[:, 2:3]


def darkness(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) on 0-255 -> (B, 1, H, W) ink: 255 - luminance."""
    return 255.0 - luminance(images)


def glyph_distance(content: torch.Tensor, limit: int) -> torch.Tensor:
    """Chessboard distance in px from each pixel to the content's nearest glyph pixel, up to ``limit``.

    (1, C, H, W) -> (1, 1, H, W). The glyph mask is :data:`GLYPH_LEVEL`; the distance grows by one
    per 3x3 max-pool dilation of it (no scipy needed), and pixels further than ``limit`` (or every
    pixel, when the content has no glyph) get ``limit``. Computed once, outside the loop.
    """
    mask = (darkness(content[:1].float()) > GLYPH_LEVEL).float()
    distance = torch.full_like(mask, float(limit))
    reached = mask
    for step in range(int(limit)):
        distance[(reached > 0) & (distance > step)] = float(step)
        reached = nn.functional.max_pool2d(reached, 3, stride=1, padding=1)
    return distance


def shape_weights(content: torch.Tensor, reach: float) -> torch.Tensor:
    """Per-pixel weight of ink in the shape term: 0 within ``reach`` px of the glyphs, then growing
    by 1 per px of distance (up to the image's longer side)."""
    limit = max(content.shape[2], content.shape[3])
    return (glyph_distance(content, limit) - float(reach)).clamp(min=0.0)


def shape_loss(images: torch.Tensor, content_ink: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The shape term (after Atarsaikhan, Iwana and Uchida), per image: the mean over pixels of ink
    added beyond the content's own, times the distance weight (:func:`shape_weights`), on 0-255.

    Zero for the content itself and for any ink near the glyphs; ink far from them costs more the
    further out it lies. ``content_ink`` is :func:`darkness` of the content.
    """
    added = (darkness(images) - content_ink).clamp(min=0.0)
    return (added * weights).mean((1, 2, 3))


class StyleTransferLoss(nn.Module):
    """L = w_c L_content + w_s sum_l c_l E_l + w_tv TV (eq. 1), with a row of coefficients per image.

    ``coefficients`` holds one mapping ``layer -> c_l`` per batch element; a layer that is zero
    for every element is never computed. Targets are computed once, outside the loop.
    ``style_features``: one style's features, or ``(features, weight)`` of each style of a blend
    (weights summing to 1): each layer's target is then the weighted mean of the styles' Gram
    matrices (each rescaled to the synthesized size), the statistics of a style between them. The
    mean of Grams, not the Gram of a collage: a collage's Gram holds each style's statistics too,
    but weighted by the area it gives each, and it matches the synthesized image only at the
    collage's size; the mean weighs the styles as asked at any size.
    ``normalise`` picks E_l (:func:`style_layer_loss`); ``style_weight`` w_s (``None``: the
    normalisation's default, :data:`DEFAULT_STYLE_WEIGHTS`) multiplies every c_l; the paper has
    none (w_s = 1, which leaves its results bit for bit as they were).
    """

    def __init__(
        self,
        style_features: Mapping[str, torch.Tensor] | Sequence[tuple[Mapping[str, torch.Tensor], float]],
        content_features: Mapping[str, torch.Tensor],
        coefficients: Sequence[Mapping[str, float]],
        *,
        content_layer: str,
        content_weight: float,
        tv_weight: float,
        target_size: Mapping[str, tuple[int, int]],
        normalise: str = DEFAULT_SETTINGS.normalise,
        style_weight: float | None = DEFAULT_SETTINGS.style_weight,
        shape_content: torch.Tensor | None = None,
        shape_weight: float = DEFAULT_SETTINGS.shape_weight,
        shape_reach: float = DEFAULT_SETTINGS.shape_reach,
    ):
        super().__init__()
        # the shape term only where it is on: off, the loss (and losses.tsv) is what it always was
        self.shape_weight = float(shape_weight) if shape_content is not None else 0.0
        if self.shape_weight > 0:
            self.register_buffer("shape_ink", darkness(shape_content[:1].float()))
            self.register_buffer("shape_weights", shape_weights(shape_content, shape_reach))
        self.normalise = check_normalise(normalise)
        # the formula looked up once, not at every step
        self.layer_loss = normalisation(normalise).layer_loss
        self.style_weight = DEFAULT_STYLE_WEIGHTS[normalise] if style_weight is None else float(style_weight)
        members = [(style_features, 1.0)] if isinstance(style_features, Mapping) else list(style_features)
        self.style_layers = [name for name in members[0][0] if any(c.get(name, 0) for c in coefficients)]
        self.content_layer = content_layer
        self.content_weight = content_weight
        self.tv_weight = tv_weight
        # the style image may differ in size from the synthesized one: rescale its Gram matrix to
        # the synthesized image's H*W so that eq. 3 compares like with like (exact when equal)
        for name in self.style_layers:
            height, width = target_size[name]
            target = None
            for member, weight in members:
                if weight == 0:  # adds nothing: a blend at 1/0 is its first style's target exactly
                    continue
                features = member[name]
                term = gram(features) * ((height * width) / (features.shape[2] * features.shape[3]))
                term = term if weight == 1 else term * weight
                target = term if target is None else target + term
            self.register_buffer(f"gram_{name}", target)
        self.register_buffer("content_target", content_features[content_layer])
        self.register_buffer(
            "coefficients",
            torch.tensor([[c.get(name, 0.0) for name in self.style_layers] for c in coefficients])
            * self.style_weight,
        )

    def forward(self, features: Mapping[str, torch.Tensor], images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-image losses: ``total``, ``content``, ``style``, ``tv`` and each weighted layer loss."""
        layer_losses = []
        for name in self.style_layers:
            f = features[name].float()
            grams = gram(f)
            diff = grams - getattr(self, f"gram_{name}")
            layer_losses.append(self.layer_loss(diff, grams.shape[1], f.shape[2], f.shape[3]))
        weighted = torch.stack(layer_losses, 1) * self.coefficients
        style = weighted.sum(1)
        content = content_loss(features[self.content_layer].float(), self.content_target)
        tv = tv_loss(images)
        total = self.content_weight * content + style + self.tv_weight * tv
        parts = {"total": total, "content": content, "style": style, "tv": tv}
        if self.shape_weight > 0:
            parts["shape"] = shape_loss(images.float(), self.shape_ink, self.shape_weights)
            parts["total"] = total = total + self.shape_weight * parts["shape"]
        for i, name in enumerate(self.style_layers):
            parts[name] = weighted[:, i]
        return parts
