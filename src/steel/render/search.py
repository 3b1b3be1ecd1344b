"""The search's picture: style strength, background artefacts and the OCR's CER against the
deep/coarse ratio, the limits, each round's cells, the chosen one ringed, and where a measure falls
as the ratio grows (the strategy assumes none does) as an arrow with its words under the axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from steel.evaluate.search import fall_words
from steel.render.plots import add_footer, new_figure

#: a marker per round, so that a reader sees where the search went
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: each measure's colour and whether its marker is filled
SERIES = {"style_strength": ("C0", True), "artefacts": ("C3", False), "cer": ("C7", False)}


def search_plot(
    points: Sequence[dict],
    chosen: str | None,
    artefact_limit: float | None,
    title: str,
    falls: Sequence[Mapping] = (),
) -> Figure:
    """``points``: one per evaluated cell, with ``ratio``, ``round``, ``cell`` and its metrics;
    ``falls``: :func:`steel.evaluate.search.falls` of them keyed by ratio."""
    figure = new_figure((7.5, 4.8))
    ax = figure.add_subplot()
    rounds = sorted({p["round"] for p in points})
    for r in rounds:
        mine = [p for p in points if p["round"] == r]
        marker = MARKERS[(r - 1) % len(MARKERS)]
        for measure, (colour, filled) in SERIES.items():
            ax.scatter(
                [p["ratio"] for p in mine],
                [p.get(measure) or 0 for p in mine],
                marker=marker,
                facecolors=colour if filled else "none",
                edgecolors=colour,
                label=f"{measure.replace('_', ' ')}, round {r}",
            )
    for fall in falls:
        ax.annotate(
            "",
            xy=(fall["to_at"], fall["to"]),
            xytext=(fall["from_at"], fall["from"]),
            arrowprops={"arrowstyle": "->", "color": SERIES[fall["measure"]][0], "linestyle": "--"},
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
    # a key of colours (measures) and of markers (rounds), not one entry per measure and round
    key = [
        Line2D([], [], linestyle="", marker="o", color=colour, markerfacecolor=colour if filled else "none")
        for colour, filled in SERIES.values()
    ]
    labels = [measure.replace("_", " ") for measure in SERIES]
    key += [Line2D([], [], linestyle="", marker=MARKERS[(r - 1) % len(MARKERS)], color="0.3") for r in rounds]
    labels += [f"round {r}" for r in rounds]
    for artist in [*ax.lines, *ax.collections]:
        if artist.get_label() in ("artefact limit", "chosen"):
            key.append(artist)
            labels.append(artist.get_label())
    ax.legend(key, labels, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1))
    if falls:
        notes = "; ".join(fall_words(fall) for fall in falls)
        add_footer(figure, [f"not monotone as the search assumes (dashed arrows): {notes}"])
    return figure
