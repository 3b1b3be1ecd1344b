"""Cells of one pair grouped into stylize jobs of at most N cells, optimised as one batch.

Cells are grouped by the depth of the network they need (their deepest style layer or the content
layer), so that shallow cells never pay for deep ones, then filled into jobs in cell-id order. A
job is known by its depth and its rank, and its cells are named by their ids (the output paths),
never by a position in the config's lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from steel.layers import LAYER_INDEX, LAYERS, parse_cell_id


def deepest_layer(cell: str, content_layer: str = "conv4_2") -> str:
    """The last layer a cell's forward pass must reach."""
    return LAYERS[max(LAYER_INDEX[name] for name in [*parse_cell_id(cell), content_layer])]


def plan_batches(
    cells: Iterable[str], cells_per_job: int, content_layer: str = "conv4_2"
) -> dict[str, list[str]]:
    """Batch id (``{deepest layer}_{rank}``, e.g. ``conv4_3_1``) -> the cell ids it optimises."""
    if cells_per_job < 1:
        raise ValueError(f"cells_per_job must be at least 1, not {cells_per_job}")
    by_depth: dict[str, list[str]] = {}
    for cell in sorted(set(cells)):
        by_depth.setdefault(deepest_layer(cell, content_layer), []).append(cell)
    batches = {}
    for depth in sorted(by_depth, key=LAYER_INDEX.__getitem__):
        group = by_depth[depth]
        for rank, start in enumerate(range(0, len(group), cells_per_job), start=1):
            batches[f"{depth}_{rank}"] = group[start : start + cells_per_job]
    return batches
