"""The search's picture: style strength and background artefacts against the deep/coarse ratio,
the limits, each round's cells, and the chosen one ringed."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from steel.render.plots import new_figure

#: a marker per round, so that a reader sees where the search went
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def search_plot(
    points: Sequence[dict],
    chosen: str | None,
    artefact_limit: float | None,
    title: str,
) -> Figure:
    """``points``: one per evaluated cell, with ``ratio``, ``round``, ``cell`` and its metrics."""
    figure = new_figure((7.5, 4.8))
    ax = figure.add_subplot()
    rounds = sorted({p["round"] for p in points})
    for r in rounds:
        mine = [p for p in points if p["round"] == r]
        marker = MARKERS[(r - 1) % len(MARKERS)]
        ax.scatter(
            [p["ratio"] for p in mine],
            [p.get("style_strength") or 0 for p in mine],
            marker=marker,
            color="C0",
            label=f"style strength, round {r}",
        )
        ax.scatter(
            [p["ratio"] for p in mine],
            [p.get("artefacts") or 0 for p in mine],
            marker=marker,
            facecolors="none",
            edgecolors="C3",
            label=f"artefacts, round {r}",
        )
    if artefact_limit is not None:
        ax.axhline(artefact_limit, color="C3", linestyle=":", label="artefact limit")
    for p in points:
        if p["cell"] == chosen:
            ax.scatter(
                [p["ratio"]],
                [p.get("style_strength") or 0],
                s=300,
                facecolors="none",
                edgecolors="black",
                linewidths=1.5,
                label="chosen",
            )
            break
    ax.set(xscale="log", xlabel="deep / coarse coefficient ratio", ylabel="share", title=title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2)
    return figure
