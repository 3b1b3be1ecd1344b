"""Loss plots of a sweep and figures across sweeps (like the paper's Figure 3), with matplotlib, and
what every plot shares: cell labels, a new figure, its footer, its files.

Figures are built from :class:`matplotlib.figure.Figure` with an Agg canvas attached, never through
pyplot, so nothing global is touched and no display is needed. Importing this module does not
import torch (the workflow's plotting rules need none).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from steel.layers import (
    LAYER_INDEX,
    LAYERS,
    check_coefficients,
    format_coefficient,
)

#: losses.tsv columns that are not per-layer style losses
SUMMARY_COLUMNS = ("iteration", "total", "content", "style", "tv")
#: line style of each deep block in figures, as in the paper's Figure 3
BLOCK_LINESTYLES = {5: "-", 4: "--", 3: ":"}
#: colour of each deep block in figures (consistent across panels)
BLOCK_COLOURS = {5: "C0", 4: "C1", 3: "C2"}
DPI = 100
X_LABEL = "iterations (thousands)"
TAB10 = [f"C{i}" for i in range(10)]


def _kind(layer: str) -> str:
    return layer.rstrip("0123456789_")


def compact_layers(layers: Sequence[str]) -> str:
    """``conv1_1,conv1_2`` or, for three or more consecutive layers of one kind, ``conv4_1..conv4_3``."""
    same_kind = {name: [n for n in LAYERS if _kind(n) == _kind(name)] for name in layers}
    runs: list[list[str]] = []
    for name in sorted(layers, key=LAYER_INDEX.__getitem__):
        order = same_kind[name]
        if runs and _kind(runs[-1][-1]) == _kind(name) and order.index(name) == order.index(runs[-1][-1]) + 1:
            runs[-1].append(name)
        else:
            runs.append([name])
    return ",".join(f"{run[0]}..{run[-1]}" if len(run) >= 3 else ",".join(run) for run in runs)


def cell_label(coefficients: Mapping[str, float], groups: Sequence[Sequence[str]] | None = None) -> str:
    """A cell in coefficient terms.

    Without ``groups``, layers with equal values are grouped and inactive layers left out:

    >>> cell_label({"conv1_1": 2000, "conv1_2": 2000, "conv4_1": 200, "conv4_2": 200, "conv4_3": 200})
    'conv1_1,conv1_2=2000 · conv4_1..conv4_3=200'

    With ``groups`` (a sweep's row and column layers), each group is written on its own, zero
    included, so that all cells of a sweep read alike:

    >>> cell_label({"conv1_2": 20, "conv5_3": 20}, groups=[["conv1_1", "conv1_2"], ["conv5_3"]])
    'conv1_1,conv1_2=0 · conv5_3=20'
    """
    if groups is not None:
        parts = []
        for names in groups:
            if names:
                value = max(float(coefficients.get(n, 0)) for n in names)
                parts.append(f"{compact_layers(names)}={format_coefficient(value)}")
        return " · ".join(parts)
    by_value: dict[float, list[str]] = {}
    for name, value in check_coefficients(coefficients).items():
        by_value.setdefault(value, []).append(name)
    if not by_value:
        return "no active style layer"
    return " · ".join(f"{compact_layers(names)}={format_coefficient(v)}" for v, names in by_value.items())


def _load(path: str | Path | None) -> tuple[dict[str, np.ndarray] | None, str]:
    """The columns of a losses.tsv, or None and why not."""
    if path is None or not Path(path).is_file():
        return None, "missing"
    from steel.io.outputs import read_losses

    try:
        columns = read_losses(path)
    except (OSError, ValueError, KeyError, TypeError, csv.Error, UnicodeDecodeError):
        return None, "unreadable"
    if not columns or "iteration" not in columns or "style" not in columns or len(columns["iteration"]) == 0:
        return None, "empty" if not columns else "unreadable"
    return columns, ""


def _missing_handle(label: str, why: str) -> Line2D:
    return Line2D([], [], color="0.6", linestyle="none", marker="x", label=f"{label} ({why}, skipped)")


def new_figure(size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def no_data(ax, what: str = "no loss data") -> None:
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="0.5")


def _line_style(index: int) -> dict:
    """Ten colours, then the same colours dashed, then dotted: twelve cells stay distinct."""
    return {"color": TAB10[index % 10], "linestyle": ("-", "--", ":", "-.")[(index // 10) % 4]}


def sweep_loss_plot(runs: Sequence[tuple[str, str | Path | None]], title: str) -> Figure:
    """Losses of every cell of a sweep: style loss (log), content loss, and per-layer style losses.

    ``runs`` is a list of (legend label, path of the cell's losses.tsv); use :func:`cell_label` for
    labels. A missing or unreadable file is skipped and named in the legend. The top row holds the
    total weighted style loss and the content loss; below, one small panel per style layer with
    that layer's weighted style loss, the cells in the same colours.
    """
    loaded = [(label, *_load(path)) for label, path in runs]
    present = [columns for _, columns, _ in loaded if columns is not None]
    layers = sorted(
        {key for columns in present for key in columns if key in LAYER_INDEX},
        key=LAYER_INDEX.__getitem__,
    )
    per_row = min(max(len(layers), 1), 5)
    layer_rows = max(1, -(-len(layers) // per_row))
    figure = new_figure((14, 4.2 + 2.8 * layer_rows))
    top, bottom = figure.subfigures(2, 1, height_ratios=[4.2, 2.8 * layer_rows])
    style_ax, content_ax = top.subplots(1, 2)
    layer_axes = bottom.subplots(layer_rows, per_row, squeeze=False, sharex=True).ravel()
    figure.suptitle(title, fontweight="bold")
    bottom.suptitle("weighted style loss of each layer (log scale)", fontsize="medium")

    handles, scales_note = [], None
    for index, (label, columns, why) in enumerate(loaded):
        if columns is None:
            handles.append(_missing_handle(label, why))
            continue
        look = _line_style(index)
        x = columns["iteration"] / 1000
        (line,) = style_ax.plot(x, columns["style"], label=label, linewidth=1.4, **look)
        handles.append(line)
        if "content" in columns:
            content_ax.plot(x, columns["content"], linewidth=1.4, **look)
        for ax, layer in zip(layer_axes, layers, strict=False):
            if layer in columns:
                ax.plot(x, columns[layer], linewidth=1.1, **look)
        if "scale" in columns:  # coarse to fine: a coarse stage's losses are at its size
            starts = x[1:][np.diff(columns["scale"]) != 0]
            for ax in (style_ax, content_ax, *layer_axes[: len(layers)]):
                for start in starts:
                    ax.axvline(start, color="0.6", linestyle=":", linewidth=1)
            scales_note = "dotted lines: a new image scale starts; losses before it are at a coarser size"

    style_ax.set(title="style loss (weighted sum over layers)", xlabel=X_LABEL, ylabel="loss (log scale)")
    style_ax.set_yscale("log", nonpositive="mask")
    content_ax.set(title="content loss", xlabel=X_LABEL, ylabel="loss")
    for ax, layer in zip(layer_axes, layers, strict=False):
        ax.set_title(layer, fontsize="medium")
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlabel(X_LABEL, fontsize="small")
    for ax in layer_axes[len(layers) :]:
        ax.set_axis_off()
    if not layers:
        layer_axes[0].set_axis_on()
        no_data(layer_axes[0], "no per-layer style losses")
    if not present:
        no_data(style_ax)
        no_data(content_ax)
    for ax in (style_ax, content_ax, *layer_axes[: len(layers)]):
        ax.grid(True, which="major", alpha=0.3)
    if handles:
        figure.legend(handles=handles, loc="outside right upper", title="cells", fontsize="small")
    if scales_note:
        add_footer(figure, [scales_note])
    return figure


def figure_plot(runs: Sequence[tuple[str, str | Path | None, int]], title: str) -> Figure:
    """Style loss against iterations for chosen cells, like the paper's Figure 3.

    ``runs`` is a list of (legend label, path of losses.tsv, deep block); the line style follows
    the deep block as in the paper (5 solid, 4 dashed, 3 dotted; others dash-dotted).
    """
    figure = new_figure((8, 5))
    ax = figure.subplots()
    handles = []
    for index, (label, path, block) in enumerate(runs):
        columns, why = _load(path)
        if columns is None:
            handles.append(_missing_handle(label, why))
            continue
        (line,) = ax.plot(
            columns["iteration"] / 1000,
            columns["style"],
            label=label,
            linestyle=BLOCK_LINESTYLES.get(block, "-."),
            color=BLOCK_COLOURS.get(block, TAB10[(index + 3) % 10]),
            linewidth=1.6,
        )
        handles.append(line)
    if not any(isinstance(h, Line2D) and len(h.get_xdata()) for h in handles):
        no_data(ax)
    ax.set(title=title, xlabel=X_LABEL, ylabel="style loss (log scale)")
    ax.set_yscale("log", nonpositive="mask")
    ax.grid(True, which="major", alpha=0.3)
    if handles:
        figure.legend(handles=handles, loc="outside lower center", fontsize="small", ncols=1)
    return figure


def figure_writer(figure: Figure, fmt: str = "png", dpi: int = DPI) -> Callable[[Path], None]:
    """A writer of ``figure`` for :class:`steel.io.outputs.StagedFiles` (beside a job's other files)."""
    return lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi)


def save_figure(figure: Figure, path: str | Path, *, svg: bool = False, dpi: int = DPI) -> list[Path]:
    """Write ``figure`` as PNG to ``path`` (and as SVG beside it if ``svg``), each file atomically.

    Each file is written under a hidden temporary name in the same folder and then renamed, so a
    crash never leaves a half-written plot that looks finished. Returns the paths written.
    """
    from steel.io.outputs import StagedFiles

    path = Path(path)
    targets = [(path, "png")] + ([(path.with_suffix(".svg"), "svg")] if svg else [])
    with StagedFiles() as staged:
        for target, fmt in targets:
            staged.stage(target, figure_writer(figure, fmt, dpi))
    return [target for target, _ in targets]


def training_plot(rows: Sequence[Mapping], title: str) -> Figure:
    """MSG-Net's training: the total, style and content losses per step (log scale)."""
    figure = new_figure((7, 4))
    ax = figure.add_subplot()
    steps = [row["iteration"] for row in rows]
    for key, style in (("total", "-"), ("style", "--"), ("content", ":")):
        ax.plot(steps, [row[key] for row in rows], style, label=key)
    ax.set(title=title, xlabel="step", ylabel="loss (log scale)")
    ax.set_yscale("log", nonpositive="mask")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def add_footer(figure: Figure, lines: Sequence[str]) -> None:
    """Small grey lines of text under the axes (wrapped to the figure's width)."""
    import textwrap

    wrapped = [part for line in lines for part in textwrap.wrap(line, 120)]
    if not wrapped:
        return
    figure.text(0.01, 0.005, "\n".join(wrapped), fontsize=7.5, color="0.3", ha="left", va="bottom")
    share = min(0.3, 0.03 * len(wrapped) + 0.01)
    figure.get_layout_engine().set(rect=(0, share, 1, 1 - share))
