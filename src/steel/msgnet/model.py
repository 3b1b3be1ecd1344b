"""MSG-Net (Zhang & Dana 2017, "Multi-style Generative Network for Real-time Transfer"), the
feed-forward baseline the paper compares with (its section 3.5), written for current PyTorch.

The generator, as in the public code (PyTorch-Multi-Style-Transfer, ``net.Net``): a 7x7 conv and
two stride-2 bottleneck blocks (the encoder, shared "Siamese" between content and style), the
CoMatch ("Inspiration") layer that matches the content's features to the Gram matrix of the
style's encoder features, six bottleneck blocks, two upsampling bottlenecks and a 7x7 conv out;
instance norm (no affine parameters) and reflection padding throughout. With ``ngf=128`` (the
public default) it has about 2.4 M parameters.

Pixels are on the 0-255 RGB scale in and out, like the rest of this package (and like the public
code, which feeds 0-255 images to the network). The module names follow the public code, so its
``.model`` files load after dropping the running statistics that old PyTorch versions saved for
instance norm (:func:`load_public_checkpoint`).

Any input size works: the image is padded with white to a multiple of 4 (the encoder halves it
twice) and the output cropped back, so wide logos keep their size and aspect.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from steel.errors import SteelError

#: channels out of a bottleneck block = planes * EXPANSION
EXPANSION = 4
#: the encoder halves the image twice, the decoder doubles it twice
STRIDE = 4
#: the public code's generator width (about 2.4 M parameters)
NGF = 128


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C), normalised by C*H*W as in the public code's ``GramMatrix``."""
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w)
    return f.bmm(f.transpose(1, 2)) / (c * h * w)


class ConvLayer(nn.Module):
    """Reflection padding then a convolution (the output keeps the size at stride 1)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(self.reflection_pad(x))


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour upsampling, reflection padding, convolution (no checkerboard of a
    transposed convolution)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, upsample: int):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample > 1:
            x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")
        return self.conv2d(self.reflection_pad(x))


class Bottleneck(nn.Module):
    """Pre-activation bottleneck: norm-ReLU-1x1, norm-ReLU-3x3 (stride), norm-ReLU-1x1, plus a
    residual (a strided 1x1 conv where the shape changes)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: bool = False):
        super().__init__()
        self.downsample = downsample
        if downsample:
            self.residual_layer = nn.Conv2d(inplanes, planes * EXPANSION, kernel_size=1, stride=stride)
        self.conv_block = nn.Sequential(
            nn.InstanceNorm2d(inplanes),
            nn.ReLU(inplace=True),
            nn.Conv2d(inplanes, planes, kernel_size=1, stride=1),
            nn.InstanceNorm2d(planes),
            nn.ReLU(inplace=True),
            ConvLayer(planes, planes, kernel_size=3, stride=stride),
            nn.InstanceNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes * EXPANSION, kernel_size=1, stride=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.residual_layer(x) if self.downsample else x
        return residual + self.conv_block(x)


class UpBottleneck(nn.Module):
    """A bottleneck that doubles the size: upsampling 1x1 residual, upsampling 3x3 in the block."""

    def __init__(self, inplanes: int, planes: int, stride: int = 2):
        super().__init__()
        self.residual_layer = UpsampleConvLayer(inplanes, planes * EXPANSION, 1, 1, upsample=stride)
        self.conv_block = nn.Sequential(
            nn.InstanceNorm2d(inplanes),
            nn.ReLU(inplace=True),
            nn.Conv2d(inplanes, planes, kernel_size=1, stride=1),
            nn.InstanceNorm2d(planes),
            nn.ReLU(inplace=True),
            UpsampleConvLayer(planes, planes, kernel_size=3, stride=1, upsample=stride),
            nn.InstanceNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes * EXPANSION, kernel_size=1, stride=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual_layer(x) + self.conv_block(x)


class Inspiration(nn.Module):
    """The CoMatch layer: ``y = (W G)^T x`` over the channels of every position, where ``G`` is the
    Gram matrix of the style's encoder features and ``W`` a learnt C x C matrix."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, channels, channels).uniform_(0.0, 0.02))
        # the target Gram (set by MSGNet.set_target); not a parameter and not saved
        self.G: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, gram: torch.Tensor | None = None) -> torch.Tensor:
        gram = self.G if gram is None else gram
        if gram is None:
            raise SteelError("MSG-Net has no style: call set_target(style) or pass the style's Gram")
        b, c, h, w = x.shape
        if gram.shape[1:] != (c, c) or gram.shape[0] not in (1, b):
            raise ValueError(
                f"style Gram of shape {tuple(gram.shape)} does not fit features {tuple(x.shape)}"
            )
        p = torch.matmul(self.weight, gram)  # (1 or B, C, C)
        return torch.matmul(p.transpose(1, 2).expand(b, c, c), x.reshape(b, c, h * w)).view_as(x)


class MSGNet(nn.Module):
    """The MSG-Net generator. ``forward(content, gram)`` with 0-255 RGB in and out; ``gram`` is
    :meth:`style_gram` of the style image (or set once with :meth:`set_target`)."""

    def __init__(self, ngf: int = NGF, n_blocks: int = 6):
        super().__init__()
        self.ngf = ngf
        self.model1 = nn.Sequential(  # the encoder, shared by content and style
            ConvLayer(3, 64, kernel_size=7, stride=1),
            nn.InstanceNorm2d(64),
            nn.ReLU(inplace=True),
            Bottleneck(64, 32, 2, downsample=True),
            Bottleneck(32 * EXPANSION, ngf, 2, downsample=True),
        )
        self.ins = Inspiration(ngf * EXPANSION)
        self.model = nn.Sequential(
            self.model1,
            self.ins,
            *[Bottleneck(ngf * EXPANSION, ngf, 1) for _ in range(n_blocks)],
            UpBottleneck(ngf * EXPANSION, 32, 2),
            UpBottleneck(32 * EXPANSION, 16, 2),
            nn.InstanceNorm2d(16 * EXPANSION),
            nn.ReLU(inplace=True),
            ConvLayer(16 * EXPANSION, 3, kernel_size=7, stride=1),
        )

    def style_gram(self, style: torch.Tensor) -> torch.Tensor:
        """Gram matrix (B, C, C) of the style's encoder features (the Siamese branch)."""
        return gram_matrix(self.model1(_pad_to_stride(style)[0]))

    def set_target(self, style: torch.Tensor) -> None:
        """Fix the style for later calls without a Gram (as the public code's ``setTarget``)."""
        self.ins.G = self.style_gram(style)

    def forward(self, content: torch.Tensor, gram: torch.Tensor | None = None) -> torch.Tensor:
        x, (h, w) = _pad_to_stride(content)
        x = self.model1(x)
        x = self.ins(x, gram)
        for module in list(self.model)[2:]:
            x = module(x)
        return x[:, :, :h, :w]


def _pad_to_stride(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (B, 3, H, W) with white on the right and bottom to multiples of :data:`STRIDE`."""
    h, w = x.shape[-2:]
    ph, pw = -h % STRIDE, -w % STRIDE
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), value=255.0)
    return x, (h, w)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_public_checkpoint(model: MSGNet, path: str | Path) -> MSGNet:
    """Initialise ``model`` from a public MSG-Net ``.model`` file (a state dict of ``net.Net``);
    the instance norms' running statistics that old PyTorch saved are dropped. A file that does not
    fit (another ``ngf``, not a state dict) is a one-line :class:`SteelError`."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as error:
        raise SteelError(
            f"cannot read MSG-Net checkpoint {path} ({error.strerror}); check the path"
        ) from None
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        # torch's own words advise loading the file in full, which would run any code it holds
        raise SteelError(
            f"cannot read MSG-Net checkpoint {path} ({error.__class__.__name__}); it must be a state "
            "dict of the public MSG-Net saved with torch.save"
        ) from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise SteelError(f"MSG-Net checkpoint {path} holds no state dict")
    state = {
        key: value
        for key, value in state.items()
        if not key.endswith(("running_mean", "running_var", "num_batches_tracked"))
    }
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = " ".join(str(error).split())[:300]
        raise SteelError(
            f"MSG-Net checkpoint {path} does not fit this network (ngf={model.ngf}): {first}"
        ) from None
    return model
