"""Loss plots of a sweep, figures across sweeps (like the paper's Figure 3) and the trade-off plot of
a sweep's metrics, with matplotlib.

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

from steel.errors import SteelError
from steel.evaluate.selection import _number, pareto_front
from steel.layers import (
    LAYER_INDEX,
    LAYERS,
    check_coefficients,
    format_coefficient,
    format_value,
    parse_cell_id,
    split_cell_id,
)

#: losses.tsv columns that are not per-layer style losses
SUMMARY_COLUMNS = ("iteration", "total", "content", "style", "tv")
#: line style of each deep block in figures, as in the paper's Figure 3
BLOCK_LINESTYLES = {5: "-", 4: "--", 3: ":"}
#: colour of each deep block in figures (consistent across panels)
BLOCK_COLOURS = {5: "C0", 4: "C1", 3: "C2"}
DPI = 100
X_LABEL = "iterations (thousands)"
_TAB10 = [f"C{i}" for i in range(10)]


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


def _no_data(ax, what: str = "no loss data") -> None:
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="0.5")


def _line_style(index: int) -> dict:
    """Ten colours, then the same colours dashed, then dotted: twelve cells stay distinct."""
    return {"color": _TAB10[index % 10], "linestyle": ("-", "--", ":", "-.")[(index // 10) % 4]}


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
        _no_data(layer_axes[0], "no per-layer style losses")
    if not present:
        _no_data(style_ax)
        _no_data(content_ax)
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
            color=BLOCK_COLOURS.get(block, _TAB10[(index + 3) % 10]),
            linewidth=1.6,
        )
        handles.append(line)
    if not any(isinstance(h, Line2D) and len(h.get_xdata()) for h in handles):
        _no_data(ax)
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


# --- trade-off plot ----------------------------------------------------------------------------


def short_labels(cells: Sequence[str]) -> tuple[dict[str, str], str]:
    """Short plot labels for cell ids, and the key that explains them.

    Layers whose coefficients move together across the given cells form a group; a cell's label is
    its group coefficients joined by ``/`` (e.g. ``2000/200``), the key names the groups (e.g.
    ``c(conv1_1, conv1_2) / c(conv4_1, conv4_2, conv4_3)``). Loss settings that the cells' ids name
    and that differ between them follow (``20 · content_weight 10``; keyed by name). Ids that are
    not layer cells keep their own name.
    """
    parsed: dict[str, tuple[dict[str, float], dict] | None] = {}
    for cell in cells:
        try:
            parsed[cell] = split_cell_id(str(cell))
        except SteelError:
            parsed[cell] = None
    layered = [cell for cell in cells if parsed[cell] is not None]
    if not layered:
        return {cell: str(cell) for cell in cells}, ""
    layers = sorted({name for cell in layered for name in parsed[cell][0]}, key=LAYER_INDEX.__getitem__)
    groups: dict[tuple[float, ...], list[str]] = {}
    for name in layers:
        groups.setdefault(tuple(parsed[cell][0].get(name, 0.0) for cell in layered), []).append(name)
    members = list(groups.values())
    settings = sorted({name for cell in layered for name in parsed[cell][1]})
    varied = [
        name for name in settings if len({format_value(parsed[c][1].get(name, "")) for c in layered}) > 1
    ]

    def label(cell: str) -> str:
        coefficients, loss = parsed[cell]
        text = "/".join(format_coefficient(coefficients.get(group[0], 0.0)) for group in members)
        own = [f"{name} {format_value(loss[name])}" for name in varied if name in loss]
        return " · ".join([text, *own])

    labels = {cell: label(cell) if parsed[cell] is not None else str(cell) for cell in cells}
    key = " / ".join(f"c({', '.join(group)})" for group in members)
    if varied:
        key += " · " + ", ".join(varied) + " where a cell has its own"
    return labels, key


def tradeoff_plot(
    rows: Sequence[Mapping],
    title: str,
    *,
    reference: Mapping | None = None,
    max_cer: float | None = None,
    max_artefacts: float | None = None,
    best: str | None = None,
    rule: str | None = None,
    others: Sequence[tuple[str, Mapping]] = (),
) -> Figure:
    """Readability (CER, axis inverted so that up = more readable) against style strength.

    One point per cell, coloured by background artefacts; the Pareto front
    (:func:`steel.evaluate.selection.pareto_front`) drawn as a line with its cells labelled (short labels,
    explained under the plot). Optional: the unstyled ``reference``
    (:func:`steel.evaluate.metrics.reference_metrics`) as a star, the CER limit ``max_cer`` as a dotted line,
    the artefact limit ``max_artefacts`` as a line on the colour bar (on the y axis without CER)
    with the cells above it crossed out, the ``best`` cell id ringed, and the selection ``rule`` in
    words under the plot (limits as made by :func:`steel.evaluate.selection.selection_limits`), and
    ``others``,
    (label, metrics) of other methods (MSG-Net), each a black diamond named in the legend, outside
    the front and the choice. Without any CER (content without text) the y axis shows artefacts
    instead and the colour ``colour_share``.
    """
    rows = [row for row in rows if _number(row.get("style_strength")) is not None]
    has_cer = any(_number(row.get("cer")) is not None for row in rows)
    y_key, c_key = ("cer", "artefacts") if has_cer else ("artefacts", "colour_share")
    rows = [row for row in rows if _number(row.get(y_key)) is not None]
    figure = Figure(figsize=(7.5, 5.4), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("style strength (0 = content, 1 = style statistics)")
    ax.set_ylabel(
        "character error rate (more readable \u2191)"
        if has_cer
        else "background artefacts (cleaner \u2191; no reference text)"
    )
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    footer = []
    if rule:
        footer.append(f"rule: {rule}")
    if not rows:
        ax.text(0.5, 0.5, "no measured cells", ha="center", va="center", transform=ax.transAxes)
        ax.invert_yaxis()
        add_footer(figure, footer)
        return figure

    cells = [str(row["cell"]) for row in rows]
    xs = np.array([_number(row["style_strength"]) for row in rows])
    ys = np.array([_number(row[y_key]) for row in rows])
    cs = np.array([_number(row.get(c_key)) or 0.0 for row in rows])
    front = pareto_front(rows, x="style_strength", y=y_key)
    labels, key = short_labels(cells)

    order = {cell: i for i, cell in enumerate(cells)}
    fx = [xs[order[c]] for c in front]
    fy = [ys[order[c]] for c in front]
    ax.plot(fx, fy, "-", color="#d62728", linewidth=1.5, zorder=2, label="Pareto front")
    # with a CER the colour shows artefacts: leave room above their limit so that its mark shows
    vmax = max(float(cs.max()), 1e-3, 1.25 * (max_artefacts or 0.0) if has_cer else 0.0)
    sizes = [70 if cell in front else 40 for cell in cells]
    points = ax.scatter(
        xs, ys, c=cs, s=sizes, cmap="viridis", vmin=0.0, vmax=vmax, edgecolors="0.2", linewidths=0.7, zorder=3
    )
    points.set_gid("cells")
    colourbar = figure.colorbar(points, ax=ax, pad=0.02)
    colourbar.set_label(
        "background artefacts (share of pixels)" if has_cer else "colour pixels (share)", fontsize=9
    )
    if max_artefacts is not None:
        artefacts = np.array([_number(row.get("artefacts")) for row in rows], dtype=float)
        over = np.flatnonzero(artefacts > max_artefacts)
        if has_cer:
            colourbar.ax.axhline(max_artefacts, color="#d62728", linewidth=2)
            ax.plot(
                [], [], color="#d62728", linewidth=2, label=f"artefact limit {max_artefacts:g} (colour bar)"
            )
        else:  # the y axis shows artefacts
            ax.axhline(
                max_artefacts,
                color="0.35",
                linestyle=":",
                linewidth=1.2,
                label=f"artefact limit {max_artefacts:g}",
            )
            ys = np.append(ys, max_artefacts)
        if over.size:
            crossed = ax.scatter(
                xs[over],
                ys[over],
                marker="x",
                s=90,
                color="#d62728",
                linewidths=1.4,
                zorder=4,
                label=f"artefacts > {max_artefacts:g} (excluded)",
            )
            crossed.set_gid("over_artefact_limit")
    if best is not None and best in order:
        ring = ax.scatter(
            [xs[order[best]]],
            [ys[order[best]]],
            s=260,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=1.8,
            zorder=4,
            label=f"chosen: {labels[best]}",
        )
        ring.set_gid("chosen")
    if reference is not None:
        rx, ry = _number(reference.get("style_strength")), _number(reference.get(y_key))
        if rx is not None and ry is not None:
            ax.scatter([rx], [ry], marker="*", s=180, color="black", zorder=4, label="content (unstyled)")
            ys = np.append(ys, ry)
    for label, other in others:
        ox, oy = _number(other.get("style_strength")), _number(other.get(y_key))
        if ox is not None and oy is not None:
            point = ax.scatter(
                [ox], [oy], marker="D", s=70, color="black", zorder=4, label=f"{label} (not a candidate)"
            )
            point.set_gid(f"other:{label}")
            ys = np.append(ys, oy)
    if max_cer is not None and has_cer:
        ax.axhline(max_cer, color="0.35", linestyle=":", linewidth=1.2, label=f"CER limit {max_cer:g}")
        ys = np.append(ys, max_cer)

    low, high = min(0.0, float(ys.min())), float(ys.max())
    span = max(high - low, 0.05)
    ax.set_ylim(high + 0.08 * span, low - 0.08 * span)  # inverted: lower is better, shown up
    ax.set_xlim(-0.04, 1.08)
    # the lower left (little style, misread) is where the cells rarely are, and where MSG-Net is:
    # with other methods drawn, the legend goes where it hides the fewest points
    ax.legend(loc="best" if others else "lower left", fontsize=8, framealpha=0.9, markerscale=0.7)
    if key:
        footer.insert(0, f"labels: {key}")
    add_footer(figure, footer)
    _label_points(figure, ax, [labels[cell] for cell in front], fx, fy)
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


#: label offsets (points) tried in turn, with the horizontal alignment that goes with each
_LABEL_OFFSETS = ((6, 4, "left"), (6, -12, "left"), (-6, 4, "right"), (-6, -12, "right"), (6, 14, "left"))


def _label_points(figure: Figure, ax, texts: Sequence[str], xs: Sequence[float], ys: Sequence[float]) -> None:
    """Annotate points, choosing for each the first offset whose label box overlaps no earlier one."""
    figure.draw_without_rendering()  # settle the layout so that data -> pixel positions are final
    scale = figure.dpi / 72.0
    fontsize = 8
    placed: list[tuple[float, float, float, float]] = []
    for text, x, y in zip(texts, xs, ys, strict=True):
        px, py = ax.transData.transform((x, y))
        width, height = 0.62 * fontsize * len(text) * scale, 1.25 * fontsize * scale
        for dx, dy, align in _LABEL_OFFSETS:
            left = px + dx * scale - (width if align == "right" else 0.0)
            box = (left, py + dy * scale, left + width, py + dy * scale + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=align,
            fontsize=fontsize,
            color="#8c1515",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )


# --- convergence study -------------------------------------------------------------------------

#: the panels of the convergence plot: (trace column, title, log scale)
CONVERGENCE_PANELS = (
    ("style_loss", "style loss at full size (log)", True),
    ("style_strength", "style strength", False),
    ("cer", "CER (OCR)", False),
    ("artefacts", "background artefacts", False),
)


def convergence_plot(
    rows: Sequence[Mapping],
    summary: Sequence[Mapping],
    title: str,
    reference: str = "reference",
    band: float = 0.02,
    goal_ratio: float = 0.1,
) -> Figure:
    """The convergence study of one pair (:mod:`steel.evaluate.convergence`): one row of panels per cell
    (full-size style loss, style strength, CER, artefacts) against the network FLOPs spent (log),
    one line per schedule, the reference thick and black. Each panel marks the reference's final
    value (dashed), the style-strength panel its goal band (final value +- ``band``), and a dotted
    vertical line at ``goal_ratio`` of the reference's FLOPs; a star marks where a schedule first
    reaches the goal (``summary``). The start (0 FLOPs) is not drawn on the log axis. A row's
    ``settings`` (a short description) is added to its schedule's legend entry."""
    from matplotlib.ticker import NullFormatter

    cells = list(dict.fromkeys(str(row["cell"]) for row in rows))
    schedules = list(dict.fromkeys(str(row["schedule"]) for row in rows))
    schedules.sort(key=lambda name: name != reference)  # the reference first, drawn under the rest
    described = {str(row["schedule"]): row.get("settings") for row in rows}
    looks = {}
    for index, schedule in enumerate(s for s in schedules if s != reference):
        looks[schedule] = {"color": _TAB10[index % 10], "linewidth": 1.5, "zorder": 4}
    looks[reference] = {"color": "black", "linewidth": 2.4, "zorder": 3}
    figure = new_figure((17, 1.2 + 3.4 * max(len(cells), 1)))
    axes = figure.subplots(max(len(cells), 1), len(CONVERGENCE_PANELS), squeeze=False, sharex=True)
    if len(cells) == 1:
        title = f"{title}: {cell_label(parse_cell_id(cells[0]))}"
    figure.suptitle(title, fontweight="bold")
    reached = {(str(s["cell"]), str(s["schedule"])): s for s in summary}
    handles = {}
    for r, cell in enumerate(cells):
        lines = {
            schedule: sorted(
                (x for x in rows if str(x["cell"]) == cell and str(x["schedule"]) == schedule),
                key=lambda x: x["step"],
            )
            for schedule in schedules
        }
        final = lines[reference][-1] if lines.get(reference) else None
        for c, (column, panel_title, log) in enumerate(CONVERGENCE_PANELS):
            ax = axes[r][c]
            for schedule in schedules:
                line = [x for x in lines[schedule] if x["flops"] and x[column] is not None]
                if not line:
                    continue
                look = looks[schedule]
                label = schedule + (f": {described[schedule]}" if described.get(schedule) else "")
                (handle,) = ax.plot(
                    [x["flops"] for x in line],
                    [x[column] for x in line],
                    label=label,
                    marker="o",
                    markersize=2.5,
                    **look,
                )
                handles.setdefault(schedule, handle)
                goal = reached.get((cell, schedule)) or {}
                point = next((x for x in line if x["step"] == goal.get("goal_step")), None)
                if point is not None:
                    ax.plot(
                        point["flops"],
                        point[column],
                        marker="*",
                        markersize=13,
                        color=look["color"],
                        markeredgecolor="white",
                        linestyle="none",
                        zorder=5,
                    )
            if final is not None and final.get(column) is not None:
                ax.axhline(final[column], color="0.3", linestyle="--", linewidth=0.9, zorder=2)
                if column == "style_strength":
                    ax.axhspan(final[column] - band, final[column] + band, color="0.75", alpha=0.45, zorder=1)
            if final is not None and final.get("flops"):
                ax.axvline(goal_ratio * final["flops"], color="0.35", linestyle=":", linewidth=1.2, zorder=2)
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            if log:
                ax.set_yscale("log", nonpositive="mask")
            heading = panel_title if len(cells) == 1 else f"{panel_title}\n{cell_label(parse_cell_id(cell))}"
            ax.set_title(heading, fontsize="medium")
            ax.set_xlabel("network FLOPs spent (log)")
            ax.grid(True, which="major", alpha=0.3)
            if not ax.lines:
                _no_data(ax, "no data")
    extra = [
        Line2D([], [], color="0.3", linestyle="--", label=f"{reference}: final value"),
        Line2D([], [], color="0.75", linewidth=7, label=f"goal band: its style strength ± {band:g}"),
        Line2D([], [], color="0.35", linestyle=":", label=f"{goal_ratio:g} of the {reference}'s FLOPs"),
        Line2D([], [], color="0.3", marker="*", markersize=11, linestyle="none", label="goal first reached"),
    ]
    figure.legend(handles=[*handles.values(), *extra], loc="outside lower center", fontsize="small", ncols=2)
    return figure
