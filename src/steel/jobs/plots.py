"""The plot jobs: a sweep's losses, and figures across sweeps (the paper's Figure 3)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from steel.layers import format_value


def loss_plot_job(sweep, losses: Mapping[str, str], title: str, out: str | Path) -> None:
    """Loss curves of every cell of a sweep; ``losses`` maps cell id -> losses.tsv."""
    from steel.render.plots import cell_label, save_figure, sweep_loss_plot

    groups = [layers for layers in (sweep.row_layers, sweep.col_layers) if layers]
    runs = []
    for r in sweep.row_values:
        for c in sweep.col_values:
            parts = [cell_label(sweep.coefficients(r, c), groups or None)]
            for setting, value in ((sweep.row_setting, r), (sweep.col_setting, c)):
                if setting is not None:
                    parts.append(f"{setting}={format_value(value)}")
            runs.append((" · ".join(parts), losses[sweep.cell_at(r, c)]))
    save_figure(sweep_loss_plot(runs, title), out)


def figure_job(
    sweeps: list[str],
    coefficients: list[Mapping[str, float]],
    blocks: list[int],
    losses: list[str],
    title: str,
    out: str | Path,
) -> None:
    """A figure across sweeps, like the paper's Figure 3: one line per referenced cell."""
    from steel.render.plots import cell_label, figure_plot, save_figure

    lines = [
        (f"{sweep}: {cell_label(c)}", tsv, block)
        for sweep, c, block, tsv in zip(sweeps, coefficients, blocks, losses, strict=True)
    ]
    save_figure(figure_plot(lines, title), out, svg=True)
