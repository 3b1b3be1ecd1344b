"""A blend's weights: several styles in one logo, each layer's Gram target the weighted mean of the
styles' targets. Checked and normalised here, the same for the command, the library and the
workflow's config."""

from __future__ import annotations

import math
from collections.abc import Sequence

from steel.errors import SteelError


def blend_weights(weights: Sequence[float], what: str = "the blend") -> tuple[float, ...]:
    """``weights`` normalised to sum 1, after the checks every surface shares: at least two
    members, each weight a finite number >= 0, at least one > 0. ``what`` names the blend in the
    one-line error."""
    if len(weights) < 2:
        raise SteelError(
            f"{what} has {len(weights)} member(s); a blend mixes two styles or more; give at least two"
        )
    numbers = []
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
            raise SteelError(f"{what} has the weight {weight!r}; give each member a finite number >= 0")
        if weight < 0:
            raise SteelError(f"{what} has the negative weight {weight}; give each member a weight >= 0")
        numbers.append(float(weight))
    try:
        total = math.fsum(numbers)
    except OverflowError:  # weights near the float limit: their ratios are what counts
        largest = max(numbers)
        numbers = [weight / largest for weight in numbers]
        total = math.fsum(numbers)
    if total == 0:
        raise SteelError(f"{what} has only zero weights; give at least one member a weight > 0")
    return tuple(weight / total for weight in numbers)
