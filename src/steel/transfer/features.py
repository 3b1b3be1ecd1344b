"""A frozen VGG16 that returns named feature maps, truncated after the deepest one requested."""

from __future__ import annotations

import copy
from collections.abc import Iterable

import torch
from torch import nn

from steel.errors import SteelError
from steel.layers import LAYER_INDEX, ordered
from steel.transfer.weights import Weights


class VGGFeatures(nn.Module):
    """Map 0-255 RGB images (B, 3, H, W) to ``{layer name: feature map}``."""

    def __init__(self, weights: Weights, layers: Iterable[str]):
        super().__init__()
        self.layers = ordered(layers)
        if not self.layers:
            raise SteelError("no feature layers requested")
        depth = max(LAYER_INDEX[name] for name in self.layers) + 1
        # a copy: moving, converting or switching the ReLUs of this extractor must leave the
        # caller's Weights as they are (they may serve another extractor, e.g. for metrics)
        self.body = copy.deepcopy(nn.Sequential(*list(weights.features)[:depth]))
        for module in self.body:
            if isinstance(module, nn.ReLU):
                # torchvision's ReLUs work in place and would overwrite the pre-ReLU conv outputs
                module.inplace = False
        self.requires_grad_(False).eval()
        self._wanted = {LAYER_INDEX[name]: name for name in self.layers}
        convention = weights.convention
        self.convention = convention
        self.register_buffer("mean", torch.tensor(convention.mean).view(1, 3, 1, 1))
        self.register_buffer("inv_std", 1.0 / torch.tensor(convention.std).view(1, 3, 1, 1))

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        if self.convention.bgr:
            images = images.flip(1)
        return (images - self.mean) * self.inv_std

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.preprocess(images)
        out: dict[str, torch.Tensor] = {}
        for index, module in enumerate(self.body):
            x = module(x)
            name = self._wanted.get(index)
            if name is not None:
                out[name] = x
        return out
