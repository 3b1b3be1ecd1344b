"""What the measuring scripts of this folder share: the quick preset's settings at a number of
steps, and a table row appended as soon as it is measured (a long run can be read as it goes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from steel.cli import BEST  # the paper's best cell, as the command's default
from steel.presets import PRESETS
from steel.settings import DEFAULT_SETTINGS, Settings

QUICK = PRESETS["quick"]

__all__ = ["BEST", "QUICK", "append_row", "quick_settings"]


def quick_settings(iterations: int = QUICK["iterations"]) -> Settings:
    """The quick preset's optimiser settings (Adam, lr 8 annealed to 0.1 along a cosine) at
    ``iterations`` steps; its width and weights are the caller's."""
    quick = {k: v for k, v in QUICK.items() if k not in ("width", "weights")}
    return dataclasses.replace(DEFAULT_SETTINGS, **{**quick, "iterations": iterations})


def append_row(path: Path, columns: tuple[str, ...], values: dict) -> None:
    """``values`` as a row of the TSV at ``path`` (its header first when it is new)."""
    new = not path.exists()
    with path.open("a", encoding="utf-8") as handle:
        if new:
            handle.write("\t".join(columns) + "\n")
        handle.write("\t".join("" if values.get(c) is None else str(values[c]) for c in columns) + "\n")
