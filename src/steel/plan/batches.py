"""Cells of one pair grouped into stylize jobs of at most N cells, optimised as one batch.

Only cells with the same loss settings share a job (a cell id names the settings in which it
differs from the config's loss, :func:`steel.layers.cell_id`). Within those, cells are grouped by
the depth of the network they need (their deepest style layer or the content layer), so that
shallow cells never pay for deep ones, then filled into jobs in cell-id order. A job is known by its
depth, its rank and, for cells under a loss of their own, a digest of that loss; its cells are named
by their ids (the output paths), never by a position in the config's lists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from steel.layers import CELL_SEPARATOR, LAYER_INDEX, LAYERS, format_value, split_cell_id


def deepest_layer(cell: str, content_layer: str = "conv4_2") -> str:
    """The last layer a cell's forward pass must reach (its own content layer if its id names one)."""
    coefficients, loss = split_cell_id(cell)
    content_layer = loss.get("content_layer") or content_layer
    return LAYERS[max(LAYER_INDEX[name] for name in [*coefficients, content_layer])]


def loss_key(cell: str) -> str:
    """The loss settings a cell id names, as text ("" for a cell under the config's loss)."""
    loss = split_cell_id(cell)[1]
    return CELL_SEPARATOR.join(f"{name}-{format_value(loss[name])}" for name in sorted(loss))


def plan_batches(
    cells: Iterable[str], cells_per_job: int, content_layer: str = "conv4_2"
) -> dict[str, list[str]]:
    """Batch id -> the cell ids it optimises: ``{deepest layer}_{rank}`` (e.g. ``conv4_3_1``) for
    cells under the config's loss, ``{deepest layer}_{rank}_loss{digest}`` for cells under a loss of
    their own (one digest per set of loss settings, stable across configs)."""
    if cells_per_job < 1:
        raise ValueError(f"cells_per_job must be at least 1, not {cells_per_job}")
    groups: dict[tuple[str, str], list[str]] = {}
    for cell in sorted(set(cells)):
        groups.setdefault((loss_key(cell), deepest_layer(cell, content_layer)), []).append(cell)
    batches = {}
    for loss, depth in sorted(groups, key=lambda key: (key[0], LAYER_INDEX[key[1]])):
        group = groups[loss, depth]
        suffix = f"_loss{hashlib.sha256(loss.encode()).hexdigest()[:8]}" if loss else ""
        for rank, start in enumerate(range(0, len(group), cells_per_job), start=1):
            batches[f"{depth}_{rank}{suffix}"] = group[start : start + cells_per_job]
    return batches
