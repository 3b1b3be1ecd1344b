"""Loss plots: files written atomically with the expected size, labels, line styles by block; the
trade-off plot: inverted CER axis, the chosen cell ringed, the selection limits drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from steel.render.convergence import CONVERGENCE_PANELS, convergence_plot
from steel.render.plots import (
    BLOCK_LINESTYLES,
    cell_label,
    compact_layers,
    figure_plot,
    save_figure,
    sweep_loss_plot,
    training_plot,
)
from steel.render.tradeoff import short_labels, tradeoff_plot


def _losses(path, layers=("conv1_2", "conv4_3"), steps=20, scale=1.0):
    lines = ["\t".join(["iteration", "total", "content", "style", "tv", *layers])]
    for i in range(steps):
        it = i * 50
        per = [scale * 1000 / (1 + i) for _ in layers]
        lines.append("\t".join(map(str, [it, sum(per) + i, i, sum(per), 0.5, *per])))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cell_label_groups_equal_values():
    coefficients = {"conv1_1": 2000, "conv1_2": 2000, "conv4_1": 200, "conv4_2": 200, "conv4_3": 200}
    assert cell_label(coefficients) == "conv1_1,conv1_2=2000 · conv4_1..conv4_3=200"
    assert cell_label({"conv1_2": 0, "conv5_3": 20.0}) == "conv5_3=20"
    groups = [["conv1_1", "conv1_2"], ["conv5_3"]]
    assert cell_label({"conv5_3": 20}, groups=groups) == "conv1_1,conv1_2=0 · conv5_3=20"
    assert compact_layers(["relu5_3", "relu1_2", "relu2_2"]) == "relu1_2,relu2_2,relu5_3"


def test_sweep_plot_png(tmp_path):
    runs = [
        ("a", _losses(tmp_path / "a.tsv")),
        ("b", _losses(tmp_path / "b.tsv", layers=("conv1_2", "conv3_3"), scale=3)),
        ("gone", tmp_path / "missing.tsv"),
        ("bad", tmp_path / "bad.tsv"),
    ]
    (tmp_path / "bad.tsv").write_text("iteration\tstyle\n0\tnot-a-number\n")
    figure = sweep_loss_plot(runs, "table3 · metal → corp")
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[:2] == ["a", "b"]
    assert "missing" in legend[2] and "unreadable" in legend[3]
    titles = {ax.get_title() for ax in figure.get_axes()}
    assert {"conv1_2", "conv3_3", "conv4_3"} <= titles
    assert all(ax.get_xlabel() == "iterations (thousands)" for ax in figure.get_axes() if ax.lines)
    style_ax = next(ax for ax in figure.get_axes() if ax.get_title().startswith("style loss"))
    assert style_ax.get_yscale() == "log"
    assert np.allclose(style_ax.lines[0].get_xdata(), np.arange(20) * 0.05)
    content_ax = next(ax for ax in figure.get_axes() if ax.get_title().startswith("content loss"))
    assert np.allclose(content_ax.lines[0].get_xdata(), np.arange(20) * 0.05)  # against iterations too

    out = tmp_path / "plots" / "sweep.png"
    assert save_figure(figure, out) == [out]
    with Image.open(out) as image:
        width, height = figure.get_size_inches() * figure.dpi
        assert image.size == (round(width), round(height))
        assert np.asarray(image.convert("L")).min() < 50  # something is drawn
    assert [p.name for p in out.parent.iterdir()] == ["sweep.png"]  # no temporaries left


def test_sweep_plot_without_any_data(tmp_path):
    figure = sweep_loss_plot([("gone", tmp_path / "missing.tsv")], "nothing")
    assert "no loss data" in [text.get_text() for ax in figure.axes for text in ax.texts]
    save_figure(figure, tmp_path / "empty.png")
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_figure_plot_line_styles_by_block(tmp_path):
    runs = [
        ("table2", _losses(tmp_path / "t2.tsv"), 5),
        ("table3", _losses(tmp_path / "t3.tsv"), 4),
        ("table4", _losses(tmp_path / "t4.tsv"), 3),
        ("table9", tmp_path / "missing.tsv", 4),
    ]
    figure = figure_plot(runs, "Two style layers")
    (ax,) = figure.get_axes()
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", ":"]
    assert [line.get_label() for line in ax.lines] == ["table2", "table3", "table4"]
    assert BLOCK_LINESTYLES == {5: "-", 4: "--", 3: ":"}
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iterations (thousands)"
    assert "missing" in figure.legends[0].get_texts()[-1].get_text()
    png, svg = save_figure(figure, tmp_path / "fig.png", svg=True)
    with Image.open(png) as image:
        assert image.size == (800, 500)
    assert svg == tmp_path / "fig.svg" and b"<svg" in svg.read_bytes()[:500]


def test_short_labels():
    cells = ["conv1_2-2000__conv4_3-200", "conv4_3-20", "conv1_2-20__conv4_3-20", "msgnet"]
    labels, key = short_labels(cells)
    assert labels == {cells[0]: "2000/200", cells[1]: "0/20", cells[2]: "20/20", "msgnet": "msgnet"}
    assert key == "c(conv1_2) / c(conv4_3)"
    cells = ["conv1_1-2000__conv1_2-2000__conv4_1-200__conv4_2-200__conv4_3-200"]
    assert short_labels(cells)[1] == "c(conv1_1, conv1_2) / c(conv4_1, conv4_2, conv4_3)"
    # loss settings that differ between the cells are keyed by name
    cells = ["conv4_3-20__content_weight-10__tv_weight-0", "conv4_3-20"]
    labels, key = short_labels(cells)
    assert key == "c(conv4_3) · content_weight, tv_weight where a cell has its own"
    assert labels[cells[0]] == "20 · content_weight 10 · tv_weight 0"


def test_a_sweep_of_six_layers_draws_its_layer_panels_five_to_a_row(tmp_path):
    layers = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2")
    figure = sweep_loss_plot([("a", _losses(tmp_path / "a.tsv", layers=layers))], "six")
    panels = [ax for ax in figure.get_axes() if ax.get_title() in layers]
    rows = sorted({round(ax.get_position().y0, 3) for ax in panels})
    assert len(panels) == 6 and len(rows) == 2
    assert sum(round(ax.get_position().y0, 3) == rows[-1] for ax in panels) == 5  # the top row


TRADEOFF_ROWS = [
    {"cell": f"conv1_2-{c}__conv4_3-{d}", "cer": cer, "style_strength": s, "artefacts": a}
    for c, d, cer, s, a in [
        (2000, 20, 0.0, 0.15, 0.001),
        (2000, 200, 0.0, 0.35, 0.004),
        (2000, 2000, 0.11, 0.55, 0.010),
        (200, 2000, 0.33, 0.70, 0.030),
        (20, 200, 0.11, 0.30, 0.015),
    ]
]


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def test_tradeoff_plot_axes(tmp_path):
    rows = TRADEOFF_ROWS
    best = rows[2]["cell"]
    reference = {"cer": 0.0, "style_strength": 0.0, "artefacts": 0.0}
    figure = tradeoff_plot(
        rows,
        "ironwrath on corvantis",
        reference=reference,
        max_cer=0.2,
        max_artefacts=0.02,
        best=best,
        rule="highest style strength among the cells with CER <= 0.2 and artefacts <= 0.02",
    )
    ax = figure.axes[0]
    assert ax.yaxis_inverted()  # lower CER (more readable) is up
    assert ax.get_xlabel() == "style strength (0 = content, 1 = style statistics)"
    # the unstyled content stands apart in black; every cell's point has a dark edge on light colours
    [star] = [c for c in ax.collections if c.get_label() == "content (unstyled)"]
    assert np.allclose(star.get_facecolor()[0], (0, 0, 0, 1))
    assert np.allclose(_collection(ax, "cells").get_edgecolor()[0][:3], 0.2)
    low, high = ax.get_ylim()
    assert low > 0.33 and high < 0  # every point inside, 0 at the top
    points = _collection(ax, "cells")
    assert np.allclose(points.get_offsets(), [(r["style_strength"], r["cer"]) for r in rows])
    assert np.allclose(points.get_array(), [r["artefacts"] for r in rows])
    ring = _collection(ax, "chosen")
    assert np.allclose(ring.get_offsets(), [(0.55, 0.11)])
    assert len(ring.get_facecolors()) == 0 or ring.get_facecolors()[0][3] == 0  # hollow
    assert ring.get_sizes()[0] > points.get_sizes().max()
    assert ring.get_label() == "chosen: 2000/2000"
    crossed = _collection(ax, "over_artefact_limit")  # the artefact limit excludes 200/2000
    assert np.allclose(crossed.get_offsets(), [(0.70, 0.33)])
    limits = [line for line in ax.lines if line.get_label().startswith("CER limit")]
    assert len(limits) == 1 and np.allclose(limits[0].get_ydata(), 0.2)
    assert "artefact limit 0.02 (colour bar)" in [t.get_text() for t in ax.get_legend().get_texts()]
    colourbar_lines = [line for a in figure.axes[1:] for line in a.lines]
    assert any(np.allclose(line.get_ydata(), 0.02) for line in colourbar_lines)
    texts = " ".join(t.get_text() for t in figure.texts)
    assert "rule: highest style strength" in texts and "labels: c(conv1_2) / c(conv4_3)" in texts
    front = next(line for line in ax.lines if line.get_label() == "Pareto front")
    assert np.allclose(front.get_xdata(), [0.35, 0.55, 0.70])
    out = tmp_path / "tradeoff.png"
    save_figure(figure, out)
    with Image.open(out) as image:
        assert image.size == (750, 540)  # 7.5 x 5.4 in at save_figure's 100 dpi
        assert np.asarray(image.convert("L")).min() < 50


def test_a_tradeoff_plots_footer_first_explains_its_labels_then_the_rule():
    figure = tradeoff_plot(TRADEOFF_ROWS, "pair", max_cer=0.25, rule="lowest CER, then strongest style")
    (footer,) = [text.get_text() for text in figure.texts if text.get_text().startswith("labels: ")]
    assert footer.splitlines() == [
        "labels: c(conv1_2) / c(conv4_3)",
        "rule: lowest CER, then strongest style",
    ]


def test_tradeoff_plot_without_text_or_rows(tmp_path):
    no_text = [dict(row, cer=None) for row in TRADEOFF_ROWS]
    figure = tradeoff_plot(no_text, "no text", best=no_text[0]["cell"], max_cer=0.2, max_artefacts=0.02)
    ax = figure.axes[0]
    assert ax.yaxis_inverted() and "artefacts" in ax.get_ylabel()
    assert [line.get_label() for line in ax.lines if "limit" in line.get_label()] == ["artefact limit 0.02"]
    assert np.allclose(_collection(ax, "over_artefact_limit").get_offsets(), [(0.70, 0.03)])
    assert np.allclose(_collection(ax, "chosen").get_offsets(), [(0.15, 0.001)])
    empty = tradeoff_plot([], "empty")
    assert empty.axes[0].yaxis_inverted()
    [note] = [t for t in empty.axes[0].texts if t.get_text() == "no measured cells"]
    assert note.get_position() == (0.5, 0.5) and note.get_ha() == "center" and note.get_va() == "center"
    save_figure(empty, tmp_path / "empty.png")


def test_tradeoff_plot_marks_another_method_outside_the_front_and_the_choice():
    msgnet = {"cell": "msgnet", "cer": 0.5, "style_strength": 0.9, "artefacts": 0.0}
    figure = tradeoff_plot(TRADEOFF_ROWS, "t", best=TRADEOFF_ROWS[1]["cell"], others=[("MSG-Net", msgnet)])
    ax = figure.axes[0]
    point = _collection(ax, "other:MSG-Net")
    assert np.allclose(point.get_offsets(), [(0.9, 0.5)])
    assert point.get_label() == "MSG-Net (not a candidate)"
    assert ax.get_ylim()[0] > 0.5  # inside the (inverted) y range
    # the cells, the front and the choice are those without it
    assert len(_collection(ax, "cells").get_offsets()) == len(TRADEOFF_ROWS)
    front = next(line for line in ax.lines if line.get_label() == "Pareto front")
    assert 0.9 not in list(front.get_xdata())
    assert np.allclose(_collection(ax, "chosen").get_offsets(), [(0.35, 0.0)])
    # the legend leaves the lower-left corner to MSG-Net's usual place (little style, misread)
    corner = tradeoff_plot(
        TRADEOFF_ROWS, "t", others=[("MSG-Net", dict(msgnet, cer=1.0, style_strength=0.03))]
    )
    assert corner.axes[0].get_legend()._loc != 3  # 3: lower left
    # a method without numbers adds nothing
    bare = tradeoff_plot(TRADEOFF_ROWS, "t", others=[("MSG-Net", {"cell": "msgnet"})])
    assert not [c for c in bare.axes[0].collections if c.get_gid() == "other:MSG-Net"]


def test_tradeoff_plot_draws_the_outline_cells_as_hollow_squares_beside_the_front():
    outlines = [dict(row, style_strength=0.95, cer=0.0) for row in TRADEOFF_ROWS[:2]]
    figure = tradeoff_plot(TRADEOFF_ROWS, "t", best=TRADEOFF_ROWS[1]["cell"], outlines=outlines)
    ax = figure.axes[0]
    squares = _collection(ax, "outlines")
    assert np.allclose(squares.get_offsets(), [(0.95, 0.0), (0.95, 0.0)])
    assert squares.get_label() == "the same cells as outlines"
    assert np.allclose(squares.get_facecolors()[:, 3], 0)  # hollow
    front = next(line for line in ax.lines if line.get_label() == "Pareto front")
    assert 0.95 not in list(front.get_xdata())


def _study(schedule: str, scale: float, settings: str | None = None) -> list[dict]:
    """Rows of one schedule of a convergence study: the start (0 FLOPs) and three logged steps."""
    rows = []
    for step in (0, 100, 200, 300):
        rows.append(
            {
                "cell": "conv1_2-2000__conv4_3-200",
                "schedule": schedule,
                "settings": settings,
                "step": step,
                "flops": step * 1e9,
                "style_loss": 10.0 / (1 + step * scale),
                "style_strength": min(1.0, step * scale / 300),
                "cer": 0.0,
                "artefacts": 0.01,
            }
        )
    return rows


def test_convergence_plot_draws_each_schedule_against_the_references_final_value_and_goal():
    rows = _study("reference", 1.0) + _study("hot", 2.0, "lr 4")
    summary = [{"cell": "conv1_2-2000__conv4_3-200", "schedule": "hot", "goal_step": 200}]
    figure = convergence_plot(rows, summary, "ironwrath on quorix")
    panels = figure.axes
    assert len(panels) == len(CONVERGENCE_PANELS)
    assert figure.get_suptitle().startswith("ironwrath on quorix: ")
    strength = panels[1]
    drawn = {line.get_label(): line for line in strength.lines if not line.get_label().startswith("_")}
    assert set(drawn) == {"reference", "hot: lr 4"}
    assert drawn["reference"].get_color() == "black" and drawn["reference"].get_linewidth() > 2
    assert list(drawn["hot: lr 4"].get_xdata()) == [1e11, 2e11, 3e11]  # the start is not on the log axis
    final = [line for line in strength.lines if line.get_linestyle() == "--"]
    assert len(final) == 1 and np.allclose(final[0].get_ydata(), 1.0)  # the reference's final strength
    goal = [line for line in strength.lines if line.get_linestyle() == ":"]
    assert len(goal) == 1 and np.allclose(goal[0].get_xdata(), 0.1 * 3e11)
    stars = [line for line in strength.lines if line.get_marker() == "*"]
    assert len(stars) == 1 and list(stars[0].get_xdata()) == [2e11]
    assert strength.get_xscale() == "log" and panels[0].get_yscale() == "log"
    grid = strength.xaxis.get_gridlines()
    assert grid and all(line.get_alpha() is not None and line.get_alpha() < 0.5 for line in grid)  # faint
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend[:2] == ["reference", "hot: lr 4"]
    # each legend entry looks like what it explains: the final value's swatch is its lines' grey
    swatch = figure.legends[0].legend_handles[legend.index("reference: final value")]
    assert swatch.get_color() == final[0].get_color() and swatch.get_linestyle() == "--"
    assert "reference: final value" in legend and "0.1 of the reference's FLOPs" in legend


def test_the_colour_scale_reaches_past_the_artefact_limit_only_when_colour_shows_artefacts():
    """With a CER the colour is the artefacts: the scale reaches 1.25 x their limit, so the limit's
    mark sits on the colour bar; without a CER the colour is the colour share, the limit aside."""
    with_cer = tradeoff_plot(TRADEOFF_ROWS, "t", max_cer=0.2, max_artefacts=0.5)
    assert _collection(with_cer.axes[0], "cells").norm.vmax == pytest.approx(0.625)
    no_text = [dict(row, cer=None, colour_share=0.1) for row in TRADEOFF_ROWS]
    without = tradeoff_plot(no_text, "t", max_cer=0.2, max_artefacts=0.5)
    assert _collection(without.axes[0], "cells").norm.vmax == pytest.approx(0.1)


def test_the_training_plot_draws_each_loss_per_step_on_a_log_scale(tmp_path, monkeypatch):
    """MSG-Net's training plot, drawn on a canvas of its own (the caller's backend is left alone)."""
    import matplotlib

    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: pytest.fail("matplotlib.use called"))
    rows = [{"iteration": i, "total": 2.0 / i, "style": 1.0 / i, "content": 1.0 / i} for i in (1, 2, 3)]
    figure = training_plot(rows, "MSG-Net training (random)")
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    assert list(lines) == ["total", "style", "content"]
    assert [line.get_linestyle() for line in lines.values()] == ["-", "--", ":"]
    assert list(lines["style"].get_xdata()) == [1, 2, 3] and list(lines["total"].get_ydata()) == [
        2.0,
        1.0,
        2 / 3,
    ]
    assert ax.get_yscale() == "log" and (ax.get_xlabel(), ax.get_ylabel()) == ("step", "loss (log scale)")
    assert ax.get_title() == "MSG-Net training (random)" and ax.xaxis.get_gridlines()[0].get_visible()
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["total", "style", "content"]
    save_figure(figure, tmp_path / "p.png")
    with Image.open(tmp_path / "p.png") as image:
        assert image.size == (700, 400)
