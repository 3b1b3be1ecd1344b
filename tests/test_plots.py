"""Loss plots: files written atomically with the expected size, labels, line styles by block."""

from __future__ import annotations

import numpy as np
from PIL import Image

from steel.plots import (
    BLOCK_LINESTYLES,
    cell_label,
    compact_layers,
    figure_plot,
    save_figure,
    sweep_loss_plot,
)


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

    out = tmp_path / "plots" / "sweep.png"
    assert save_figure(figure, out) == [out]
    with Image.open(out) as image:
        width, height = figure.get_size_inches() * figure.dpi
        assert image.size == (round(width), round(height))
        assert np.asarray(image.convert("L")).min() < 50  # something is drawn
    assert [p.name for p in out.parent.iterdir()] == ["sweep.png"]  # no temporaries left


def test_sweep_plot_without_any_data(tmp_path):
    figure = sweep_loss_plot([("gone", tmp_path / "missing.tsv")], "nothing")
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
