"""The style loss's normalisations: each one entry, its name, its per-layer formula E_l and the global
style weight it takes when none is given. The settings table's choices, the config schema's enum and
the loss (:func:`steel.transfer.losses.style_layer_loss`) all read :data:`NORMALISATIONS`.

Torch-free: a formula is written with the tensor's own methods, so the command's ``--help`` and
the workflow's planning can import the names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from steel.errors import SteelError


@dataclass(frozen=True)
class Normalisation:
    name: str
    #: E_l per batch element from ``diff`` = G - A, (B, C, C), and the layer's maps' C, H, W
    layer_loss: Callable[[Any, int, int, int], Any]
    #: the global style weight w_s when ``loss.style_weight`` is not given
    style_weight: float
    help: str


NORMALISATIONS = {
    entry.name: entry
    for entry in (
        Normalisation(
            "paper",
            lambda diff, channels, height, width: diff.square().sum((1, 2)) / (4.0 * height**2 * width**2),
            # eq. 1 has no w_s: 1 multiplies every c_l by one, exactly
            1.0,
            "1 / (4 H^2 W^2) sum (A - G)^2, the paper's eq. 3 (Adam sees only the coefficients' ratios)",
        ),
        Normalisation(
            "gatys",
            lambda diff, channels, height, width: (
                diff.square().sum((1, 2)) / (4.0 * channels**2 * (height * width) ** 2)
            ),
            # chosen on the demo (docs/findings.md, "The loss's scale")
            1e-6,
            "1 / (4 N^2 M^2) sum (A - G)^2 per layer: --content-weight / --style-weight trade "
            "readability against style",
        ),
        Normalisation(
            "rrmina",
            lambda diff, channels, height, width: (
                (diff / (height * width)).square().mean((1, 2)) / channels**2
            ),
            # table 1's text: 1e5 times a layer weight
            1e5,
            "mean (A / M - G / M)^2 / C^2, table 1's baseline code (rrmina/neural-style-pytorch)",
        ),
    )
}


def normalisation(name: str) -> Normalisation:
    """The entry called ``name``; an unknown name is one line naming the known ones."""
    try:
        return NORMALISATIONS[name]
    except (KeyError, TypeError):
        raise SteelError(f"unknown loss normalise {name!r}; use one of {', '.join(NORMALISATIONS)}") from None
