"""The trade-off plot of a sweep's metrics: readability against style strength, the Pareto front's
cells labelled in short, the selection's limits and choice drawn.

Importing this module does not import torch (the workflow's plotting rules need none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from steel.errors import SteelError
from steel.evaluate.selection import _number, pareto_front
from steel.layers import LAYER_INDEX, format_coefficient, format_value, split_cell_id
from steel.render.plots import add_footer


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
    outlines: Sequence[Mapping] = (),
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
    the front and the choice; ``outlines``, the same sweep's cells by the outline method, hollow
    squares (candidates of the pair's recommendation, not of this sweep's choice). Without any CER
    (content without text) the y axis shows artefacts instead and the colour ``colour_share``.
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
    drawn = [
        (_number(row.get("style_strength")), _number(row.get(y_key)))
        for row in outlines
        if _number(row.get("style_strength")) is not None and _number(row.get(y_key)) is not None
    ]
    if drawn:
        squares = ax.scatter(
            *zip(*drawn, strict=True), marker="s", s=60, facecolors="none", edgecolors="black",
            linewidths=1.2, zorder=4, label="the same cells as outlines",
        )  # fmt: skip
        squares.set_gid("outlines")
        ys = np.append(ys, [y for _, y in drawn])
    if max_cer is not None and has_cer:
        ax.axhline(max_cer, color="0.35", linestyle=":", linewidth=1.2, label=f"CER limit {max_cer:g}")
        ys = np.append(ys, max_cer)

    low, high = min(0.0, float(ys.min())), float(ys.max())
    span = max(high - low, 0.05)
    ax.set_ylim(high + 0.08 * span, low - 0.08 * span)  # inverted: lower is better, shown up
    ax.set_xlim(-0.04, 1.08)
    # the lower left (little style, misread) is where the cells rarely are, and where MSG-Net is:
    # with other methods drawn, the legend goes where it hides the fewest points
    ax.legend(loc="best" if others or drawn else "lower left", fontsize=8, framealpha=0.9, markerscale=0.7)
    if key:
        footer.insert(0, f"labels: {key}")
    add_footer(figure, footer)
    _label_points(figure, ax, [labels[cell] for cell in front], fx, fy)
    return figure


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
