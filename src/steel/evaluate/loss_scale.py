"""The loss's scale, measured on a run: under the paper's loss only the ratios of the coefficients
matter, so cells whose coefficients differ by one common factor should give (nearly) one image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from steel.evaluate.findings import value_label
from steel.evaluate.verdicts import UNTESTED, judged_at
from steel.layers import format_value, split_cell_id


def common_multiples(cells: Iterable[str]) -> list[tuple[str, str, float]]:
    """(cell a, cell b, k): cells of the same layers and the same loss settings named in their ids
    whose coefficients differ by one common factor k > 1 (every c_l of b is k times a's)."""
    groups: dict[tuple, list[tuple[str, dict[str, float]]]] = {}
    for cell in dict.fromkeys(cells):
        coefficients, loss = split_cell_id(cell)
        key = (tuple(coefficients), tuple((k, format_value(v)) for k, v in sorted(loss.items())))
        groups.setdefault(key, []).append((cell, coefficients))
    pairs = []
    for members in groups.values():
        for i, (a, ca) in enumerate(members):
            for b, cb in members[i + 1 :]:
                ratios = [cb[layer] / ca[layer] for layer in ca]
                if all(math.isclose(r, ratios[0], rel_tol=1e-9) for r in ratios) and ratios[0] != 1:
                    pairs.append((a, b, ratios[0]) if ratios[0] > 1 else (b, a, 1 / ratios[0]))
    return pairs


def normalise_of(cell: str, base_loss: Mapping) -> str:
    """The ``loss.normalise`` a cell ran under: its id's, else the config's."""
    return split_cell_id(cell)[1].get("normalise") or base_loss.get("normalise") or "paper"


def distinct_cells(cells: Iterable[str], base_loss: Mapping) -> int:
    """How many of ``cells`` can differ: under the paper loss (Adam ignores a common factor of the
    loss), cells that are common multiples of each other (:func:`common_multiples`) count once."""
    cells = list(dict.fromkeys(cells))
    parent = {cell: cell for cell in cells}

    def root(cell: str) -> str:
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    for a, b, _ in common_multiples(cells):
        if normalise_of(a, base_loss) == "paper":
            parent[root(a)] = root(b)
    return len({root(cell) for cell in cells})


def _pixels(path: str | Path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def scale_check(
    cells: Sequence[str],
    images: Mapping[str, str | Path],
    base_loss: Mapping,
    runs: Mapping | None = None,
) -> dict:
    """The loss-scale measurement: under the paper loss, the largest pixel difference (grey levels,
    0-255, any channel) between cells that differ by one common factor of all coefficients, which
    the loss's scale says give one image; and how many of the cells can differ at all."""
    pairs = [
        (a, b, k)
        for a, b, k in common_multiples(cells)
        if normalise_of(a, base_loss) == "paper" and a in images and b in images
    ]
    result = {
        "cells": len(dict.fromkeys(cells)),
        "distinct": distinct_cells(cells, base_loss),
        "columns": ["cell", "common multiple", "factor", "largest difference", "mean difference"],
        "rows": [],
        "largest": None,
        "judged_at": "not judged (no cells)",
    }
    if not pairs:
        result["verdict"] = UNTESTED
        result["reason"] = (
            "the config has no two cells of the same layers under the paper loss whose coefficients "
            "differ by one common factor"
        )
        return result
    measured = []
    for a, b, k in pairs:
        first, second = _pixels(images[a]), _pixels(images[b])
        if first.shape != second.shape:
            continue
        difference = abs(first - second)
        measured.append((a, b, k, int(difference.max()), float(difference.mean())))
    measured.sort(key=lambda row: (-row[3], -row[4]))
    result["rows"] = [[a, b, value_label(k), str(big), f"{mean:.3g}"] for a, b, k, big, mean in measured]
    result["judged_at"] = judged_at([c for a, b, *_ in measured for c in (a, b)], runs)
    if not measured:
        result["verdict"], result["reason"] = UNTESTED, "the images of the cells differ in size"
        return result
    a, b, k, big, mean = measured[0]
    result["largest"] = big
    result["verdict"] = "measured"
    result["reason"] = (
        f"mean {mean:.3g}, between {a} and its multiple by {value_label(k)}; "
        f"{len(measured)} pair(s) of cells that differ by one common factor"
    )
    return result
