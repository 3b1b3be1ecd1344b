"""The plot jobs (steel.jobs.plots), called directly: the loss plots and the figure, the drawing replaced."""

from __future__ import annotations

import pytest

from steel.jobs.plots import figure_job, loss_plot_job
from steel.plan.sweeps import Sweep


@pytest.fixture
def captured_plots(monkeypatch):
    import steel.render.plots

    calls = {}
    monkeypatch.setattr(
        steel.render.plots,
        "sweep_loss_plot",
        lambda runs, title: calls.setdefault("loss", (runs, title)) and "fig",
    )
    monkeypatch.setattr(
        steel.render.plots,
        "figure_plot",
        lambda lines, title: calls.setdefault("figure", (lines, title)) and "fig",
    )
    monkeypatch.setattr(
        steel.render.plots, "save_figure", lambda fig, out, **kw: calls.setdefault("save", (fig, out, kw))
    )
    return calls


def test_loss_plot_job_labels_each_cell_by_its_layers_and_settings(tmp_path, captured_plots):
    from steel.render.plots import cell_label

    sweep = Sweep.from_config(
        "mixed",
        {
            "rows": {"setting": "normalise", "values": ["paper", "gatys"]},
            "cols": {"layers": ["conv4_3"], "values": [20, 200]},
        },
        base_loss={"normalise": "paper"},
    )
    losses = {cell: f"{cell}/losses.tsv" for cell in sweep.cell_ids}
    loss_plot_job(sweep, losses, "Loss", tmp_path / "l.png")
    runs, title = captured_plots["loss"]
    assert title == "Loss" and captured_plots["save"] == ("fig", tmp_path / "l.png", {})
    assert runs == [
        (f"{cell_label({'conv4_3': c}, [('conv4_3',)])} · normalise={r}", losses[sweep.cell_at(r, c)])
        for r in ("paper", "gatys")
        for c in (20.0, 200.0)
    ]
    assert runs[0][0] != runs[2][0] and runs[0][0] != runs[1][0]


def test_loss_plot_job_with_two_layer_groups(tmp_path, captured_plots):
    from steel.render.plots import cell_label

    sweep = Sweep.from_config(
        "grid",
        {
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"layers": ["conv4_3"], "values": [20]},
        },
    )
    losses = {cell: f"{cell}.tsv" for cell in sweep.cell_ids}
    loss_plot_job(sweep, losses, "L", tmp_path / "l.png")
    runs, _ = captured_plots["loss"]
    groups = [("conv1_2",), ("conv4_3",)]
    assert runs == [
        (cell_label({"conv4_3": 20.0}, groups), losses["conv4_3-20"]),
        (cell_label({"conv1_2": 2000.0, "conv4_3": 20.0}, groups), losses["conv1_2-2000__conv4_3-20"]),
    ]
    assert runs[0][0] == "conv1_2=0 · conv4_3=20"  # the groups name a row's 0 too


def test_figure_job_draws_one_line_per_reference_and_writes_svg_too(tmp_path, captured_plots):
    from steel.render.plots import cell_label

    figure_job(
        ["a", "b"], [{"conv4_3": 20}, {"conv1_2": 200}], [4, 1], ["a.tsv", "b.tsv"], "Fig", tmp_path / "f.png"
    )
    lines, title = captured_plots["figure"]
    assert title == "Fig"
    assert lines == [
        (f"a: {cell_label({'conv4_3': 20})}", "a.tsv", 4),
        (f"b: {cell_label({'conv1_2': 200})}", "b.tsv", 1),
    ]
    assert captured_plots["save"] == ("fig", tmp_path / "f.png", {"svg": True})
    with pytest.raises(ValueError):
        figure_job(["a"], [{"conv4_3": 20}], [4, 1], ["a.tsv"], "Fig", tmp_path / "f.png")
