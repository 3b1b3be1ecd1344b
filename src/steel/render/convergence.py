"""The convergence study's plot (:mod:`steel.evaluate.convergence`): each cell's measures against
the network FLOPs spent, one line per schedule.

Importing this module does not import torch (the workflow's plotting rules need none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from steel.layers import parse_cell_id
from steel.render.plots import TAB10, cell_label, new_figure, no_data

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
        looks[schedule] = {"color": TAB10[index % 10], "linewidth": 1.5, "zorder": 4}
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
                no_data(ax, "no data")
    extra = [
        Line2D([], [], color="0.3", linestyle="--", label=f"{reference}: final value"),
        Line2D([], [], color="0.75", linewidth=7, label=f"goal band: its style strength ± {band:g}"),
        Line2D([], [], color="0.35", linestyle=":", label=f"{goal_ratio:g} of the {reference}'s FLOPs"),
        Line2D([], [], color="0.3", marker="*", markersize=11, linestyle="none", label="goal first reached"),
    ]
    figure.legend(handles=[*handles.values(), *extra], loc="outside lower center", fontsize="small", ncols=2)
    return figure
