"""What the workflow's jobs do (steel.jobs), called directly: offline, tiny images, fake runs and
metrics where a job only passes them on. Written for the survivors of `make mutants`."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from steel.config import settings_from_config
from steel.errors import SteelError
from steel.evaluate.selection import COMPARISON_CELLS, METHOD, candidates, choose_best, selection_limits
from steel.io.outputs import _typed, read_json, read_table, write_table
from steel.jobs.log import _Tee, job_log
from steel.jobs.metrics import (
    _with_method,
    best_job,
    cell_metrics_job,
    metrics_table_job,
    reference_metrics_job,
)
from steel.jobs.plots import figure_job, loss_plot_job
from steel.jobs.sheets import _metrics_note, methods_sheet_job, metrics_note, overview_job, sheet_job
from steel.jobs.stylize import stylize_job
from steel.plan.sweeps import Sweep
from steel.transfer.progress import StepLog

OPTIMIZER = {"iterations": 7, "name": "lbfgs", "lr": 0.5, "init": "random", "log_every": 3, "amp": True}
LOSS = {"content_layer": "conv3_2", "content_weight": 5.0, "tv_weight": 0.01}


def _png(path: Path, size=(12, 6), colour=(10, 20, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def _json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _files(folder: Path) -> list[str]:
    """Every file under ``folder`` (hidden partial files included), relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# ---- settings_from_config --------------------------------------------------------------------


def test_settings_from_config_maps_every_field_and_converts_types():
    optimizer = OPTIMIZER | {
        "iterations": "7",
        "lr": "0.5",
        "log_every": "3",
        "amp": 1,
        "lr_schedule": "cosine",
        "lr_final": "0.125",
        "coarse_iterations": [4],
    }
    loss = LOSS | {
        "content_weight": "5",
        "tv_weight": "0.01",
        "normalise": "gatys",
        "style_weight": "2",
        "shape_weight": "3",
        "shape_reach": "4",
    }
    image = {"scales": [0.5, 1.0], "colour": "grey", "width": 64}
    s = settings_from_config(
        {
            "optimizer": optimizer,
            "loss": loss,
            "seed": "11",
            "execution": {"channels_last": 1},
            "image": image,
        }
    )
    assert (s.iterations, s.optimizer, s.lr, s.init, s.log_every, s.amp) == (
        7,
        "lbfgs",
        0.5,
        "random",
        3,
        True,
    )
    assert (s.lr_schedule, s.lr_final, s.scales, s.coarse_iterations) == ("cosine", 0.125, (0.5, 1.0), (4,))
    assert (s.channels_last, s.seed, s.content_layer) == (True, 11, "conv3_2")
    assert (s.content_weight, s.tv_weight, s.normalise, s.style_weight) == (5.0, 0.01, "gatys", 2.0)
    assert (s.colour, s.shape_weight, s.shape_reach) == ("grey", 3.0, 4.0)
    for name in ("iterations", "log_every", "seed"):
        assert type(getattr(s, name)) is int, name
    for name in (
        "lr",
        "lr_final",
        "content_weight",
        "tv_weight",
        "style_weight",
        "shape_weight",
        "shape_reach",
    ):
        assert type(getattr(s, name)) is float, name
    assert type(s.amp) is bool and type(s.channels_last) is bool
    assert type(s.scales) is tuple and type(s.coarse_iterations) is tuple


def test_settings_from_config_defaults_for_short_sections():
    s = settings_from_config(
        {"optimizer": OPTIMIZER | {"amp": 0}, "loss": LOSS, "seed": 0, "execution": {"channels_last": 0}}
    )
    assert (s.lr_schedule, s.lr_final, s.scales, s.coarse_iterations) == ("constant", 0.0, (1.0,), ())
    assert (s.normalise, s.style_weight, s.colour, s.shape_weight, s.shape_reach) == (
        "paper",
        None,
        "rgb",
        0.0,
        8.0,
    )
    assert (s.amp, s.channels_last) == (False, False)
    # an explicit null style weight is the normalisation's default too
    assert (
        settings_from_config(
            {
                "optimizer": OPTIMIZER,
                "loss": LOSS | {"style_weight": None},
                "seed": 0,
                "execution": {"channels_last": 0},
            }
        ).style_weight
        is None
    )
    assert (
        settings_from_config(
            {
                "optimizer": OPTIMIZER,
                "loss": LOSS | {"style_weight": 0},
                "seed": 0,
                "execution": {"channels_last": 0},
            }
        ).style_weight
        == 0.0
    )


# ---- job_log ---------------------------------------------------------------------------------


def test_job_log_writes_each_line_to_every_log_as_it_is_printed(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("an old run's log\n", encoding="utf-8")
    with job_log(a, b):
        print("étape 1")
        # line-buffered: the line is in both files before the job ends (a killed job keeps it)
        assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8") == "étape 1\n"
        print("warning", file=sys.stderr)
        sys.stderr.flush()
    assert a.read_bytes().decode("utf-8") == b.read_bytes().decode("utf-8") == "étape 1\nwarning\n"
    print("after the job")  # stdout is restored
    assert "after" not in a.read_text(encoding="utf-8")


def test_job_log_makes_a_user_error_one_line_and_a_failed_job(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info, job_log(log):
        print("working")
        raise SteelError("the style image is missing")
    assert exit_info.value.code == "steel: error: the style image is missing"
    assert exit_info.value.__cause__ is None and exit_info.value.__suppress_context__
    assert log.read_text(encoding="utf-8") == "working\nsteel: error: the style image is missing\n"
    # other errors are bugs: they propagate as they are, with their traceback
    with pytest.raises(KeyError), job_log(log):
        raise KeyError("x")
    assert log.read_text(encoding="utf-8") == ""


def test_tee_writes_to_every_handle_and_returns_the_length(tmp_path):
    import io

    handles = [io.StringIO(), io.StringIO()]
    flushed = []
    for handle in handles:
        handle.flush = lambda handle=handle: flushed.append(handle)
    tee = _Tee(handles)
    assert tee.write("abc\n") == 4
    tee.flush()
    assert [h.getvalue() for h in handles] == ["abc\n", "abc\n"] and flushed == handles


# ---- stylize_job (steel.cells.stylize.run replaced by a fake: the job only maps and reports) ------------

PARAMS = {
    "optimizer": OPTIMIZER | {"amp": False},
    "loss": LOSS | {"normalise": "gatys"},
    "seed": 3,
    "image": {
        "width": 40,
        "style_width": 32,
        "invert": False,
        "alpha": 1,
        "colour": "grey",
        "scales": [0.5, 1],
    },
    "weights": "random",
}
EXECUTION = {"channels_last": False, "device": "cpu", "checkpoint_every": "5"}


@pytest.fixture
def fake_run(monkeypatch):
    import steel.cells.stylize

    calls = []

    def run(style, content, cells, out_dirs, options, staged=None):
        fields = {field.name: getattr(options, field.name) for field in dataclasses.fields(options)}
        calls.append(
            {"style": style, "content": content, "cells": list(cells.values()), "ids": list(cells)}
            | {"out_dirs": out_dirs, "staged": staged, **fields}
        )
        options.on_log(StepLog(10, 20, ({"total": 1234567.0, "style": 0.5, "content": 2.0}, {"total": 9.0})))
        if calls[-1].get("fail"):
            raise SteelError("fails")
        return [
            {"device": "cpu", "seconds_per_iteration": 0.12345, "wall_seconds": 7.25},
            {"device": "other"},
        ]

    monkeypatch.setattr(steel.cells.stylize, "run", run)
    return calls


def test_stylize_job_runs_the_batch_with_the_params_and_reports(tmp_path, fake_run, capsys):
    import torch

    threads = torch.get_num_threads()
    try:
        images = [
            str(tmp_path / "conv4_3-20__normalise-gatys" / "stylized.png"),
            str(tmp_path / "conv1_2-200__conv4_3-20__normalise-gatys" / "stylized.png"),
        ]
        records = stylize_job("styles/metal.png", "contents/corp.png", images, PARAMS, EXECUTION, threads=0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert records[0]["device"] == "cpu" and len(records) == 2
    (call,) = fake_run
    assert (call["style"], call["content"]) == ("styles/metal.png", "contents/corp.png")
    assert call["cells"] == [{"conv4_3": 20.0}, {"conv1_2": 200.0, "conv4_3": 20.0}]
    assert call["out_dirs"] == [Path(image).parent for image in images]
    assert call["ids"] == ["conv4_3-20__normalise-gatys", "conv1_2-200__conv4_3-20__normalise-gatys"]
    assert call["settings"] == settings_from_config(
        {
            "optimizer": PARAMS["optimizer"],
            "loss": PARAMS["loss"],
            "seed": 3,
            "execution": EXECUTION,
            "image": PARAMS["image"],
        }
    )
    assert call["settings"].normalise == "gatys" and call["settings"].seed == 3
    assert (call["settings"].colour, call["settings"].scales) == ("grey", (0.5, 1))  # image settings
    assert (call["weights"], call["device"], call["width"], call["style_width"]) == ("random", "cpu", 40, 32)
    assert (call["invert"], call["alpha"], call["checkpoint_every"], call["progress"]) == (
        False,
        True,
        5,
        False,
    )
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "stylize corp.png with metal.png: conv4_3-20__normalise-gatys, "
        "conv1_2-200__conv4_3-20__normalise-gatys",
        "iteration      10  total 1.23457e+06  style 0.5  content 2",
        "done on cpu: 0.1235 s/step for 2 cell(s), 7.2 s in all",
    ]


def test_stylize_job_defaults_and_one_image_as_a_string(tmp_path, fake_run, capsys):
    import torch

    threads = torch.get_num_threads()
    try:
        params = PARAMS | {"image": {}, "loss": LOSS}
        stylize_job("s.png", "c.png", str(tmp_path / "conv4_3-20" / "stylized.png"), params, EXECUTION, 2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)
    (call,) = fake_run
    assert call["cells"] == [{"conv4_3": 20.0}] and call["out_dirs"] == [tmp_path / "conv4_3-20"]
    # a section the schema did not fill takes the library's defaults (steel.settings)
    assert (call["width"], call["style_width"], call["invert"], call["alpha"]) == (384, None, "auto", False)
    assert (
        capsys.readouterr().out.splitlines()[-1] == "done on cpu: 0.1235 s/step for 1 cell(s), 7.2 s in all"
    )


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "conv4_3-20__normalise-rrmina",
            "cell conv4_3-20__normalise-rrmina names loss setting normalise = rrmina "
            "but its job's loss has gatys; plan the job again",
        ),
        (
            "conv4_3-20__shape_weight-2",
            "cell conv4_3-20__shape_weight-2 names loss setting shape_weight = 2.0 "
            "but its job's loss has no such setting; plan the job again",
        ),
    ],
)
def test_stylize_job_refuses_a_cell_whose_id_names_another_loss(tmp_path, fake_run, cell, message):
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", [str(tmp_path / cell / "stylized.png")], PARAMS, EXECUTION)
    assert str(error.value) == message and not fake_run


def test_stylize_job_accepts_the_same_value_written_otherwise(tmp_path, fake_run):
    params = PARAMS | {"loss": LOSS | {"content_weight": 100}}
    stylize_job(
        "s.png", "c.png", [str(tmp_path / "conv4_3-20__content_weight-100" / "x.png")], params, EXECUTION
    )
    assert len(fake_run) == 1


def test_stylize_job_names_the_batch_of_a_failed_run(tmp_path, monkeypatch):
    import steel.cells.stylize

    def fail(*args, **kwargs):
        raise SteelError("out of memory")

    monkeypatch.setattr(steel.cells.stylize, "run", fail)
    one = [str(tmp_path / "conv4_3-20" / "stylized.png")]
    two = [*one, str(tmp_path / "conv4_3-200" / "stylized.png")]
    params = PARAMS | {"loss": LOSS}
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", one, params, EXECUTION)
    assert str(error.value) == "out of memory"
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", two, params, EXECUTION)
    assert str(error.value) == "out of memory (in a batch of 2 cells: conv4_3-20, conv4_3-200)"
    assert error.value.__cause__ is None and error.value.__suppress_context__


# ---- cell and reference metrics (the measuring replaced by fakes) ----------------------------


def test_cell_metrics_job_writes_the_metrics_atomically(tmp_path, monkeypatch, capsys):
    import steel.cells.measure
    import steel.transfer.weights

    calls = []
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: f"weights:{name}")

    def run_metrics(run_dir, text, weights, threads):
        calls.append((run_dir, text, weights, threads))
        return {"cell": "conv4_3-20", "cer": 0.25, "ocr_text": "Quørix", "seconds": 1.234}

    monkeypatch.setattr(steel.cells.measure, "measure_cell", run_metrics)
    out = tmp_path / "m" / "metrics.json"
    metrics = cell_metrics_job("runs/x", "Quorix", "random", out)
    assert calls == [("runs/x", "Quorix", "weights:random", 1)]
    assert json.loads(out.read_text(encoding="utf-8")) == metrics and metrics["ocr_text"] == "Quørix"
    assert _files(tmp_path / "m") == ["metrics.json"]
    assert capsys.readouterr().out == "metrics of runs/x: 1.23 s\n"


@pytest.mark.parametrize(
    ("image", "sizes"),
    [
        ({"width": 64}, ((64, 32), (64, 64))),
        ({"width": 64, "style_width": 48}, ((64, 32), (48, 48))),
        ({"width": 64, "style_width": None}, ((64, 32), (64, 64))),
        ({}, ((96, 48), (96, 96))),
    ],
)
def test_reference_metrics_job_measures_the_content_at_the_runs_size(tmp_path, monkeypatch, image, sizes):
    import steel.evaluate.metrics
    import steel.transfer.weights

    content = _png(tmp_path / "c.png", (96, 48), (200, 200, 200))
    style = _png(tmp_path / "s.png", (96, 96), (5, 5, 5))
    calls = []
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: f"weights:{name}")

    def reference_metrics(content_image, style_image, text, weights, threads):
        calls.append(
            (content_image.size, style_image.size, content_image.getpixel((0, 0)), text, weights, threads)
        )
        return {"cell": "reference", "cer": 0.0}

    monkeypatch.setattr(steel.evaluate.metrics, "reference_metrics", reference_metrics)
    out = tmp_path / "reference.json"
    assert reference_metrics_job(str(content), str(style), "Quorix", "random", image, out) == {
        "cell": "reference",
        "cer": 0.0,
    }
    assert calls == [(*sizes, (200, 200, 200), "Quorix", "weights:random", 1)]
    assert json.loads(out.read_text(encoding="utf-8")) == {"cell": "reference", "cer": 0.0}


# ---- tables ------------------------------------------------------------------------------------


def test_write_tsv_takes_the_union_of_columns_and_leaves_missing_values_empty(tmp_path):
    path = tmp_path / "t.tsv"
    write_table([{"cell": "a", "cer": 0.5}, {"cell": "b", "ocr_text": "Qø", "cer": None}])(path)
    assert path.read_bytes().decode("utf-8") == "cell\tcer\tocr_text\na\t0.5\t\nb\t\tQø\n"
    assert read_table(path) == [
        {"cell": "a", "cer": 0.5, "ocr_text": None},
        {"cell": "b", "cer": None, "ocr_text": "Qø"},
    ]


def test_read_table_types_each_field(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\tc\td\te\n3\t0.25\t1e-3\tconv4_3-20\t\n", encoding="utf-8")
    (row,) = read_table(path)
    assert row == {"a": 3, "b": 0.25, "c": 0.001, "d": "conv4_3-20", "e": None}
    assert type(row["a"]) is int and type(row["b"]) is float
    assert _typed("") is None and _typed("nan") != _typed("nan")  # float nan
    assert _typed("-2") == -2 and _typed("inf") == float("inf") and _typed("x1") == "x1"


def test_candidates_and_method_names():
    rows = [{"cell": "conv4_3-20", "cer": 0.0}, {"cell": "msgnet", "cer": 0.1}, {"cer": 0.2}]
    assert candidates(rows) == [rows[0], rows[2]]
    assert COMPARISON_CELLS == {"msgnet": "MSG-Net"} and METHOD == "Network of Steel"
    assert list(_with_method(rows[1]).items()) == [
        ("cell", "msgnet"),
        ("method", "MSG-Net"),
        ("cer", 0.1),
    ]
    assert list(_with_method(rows[0]).items()) == [
        ("cell", "conv4_3-20"),
        ("method", "Network of Steel"),
        ("cer", 0.0),
    ]
    assert _with_method({"cer": 0.2}) == {"cell": None, "method": "Network of Steel", "cer": 0.2}


ROWS = [
    {"cell": "conv4_3-20", "cer": 0.0, "ocr_text": "Quorix", "style_strength": 0.1, "artefacts": 0.01},
    {"cell": "conv4_3-200", "cer": 0.25, "ocr_text": "Quorlx", "style_strength": 0.4, "artefacts": 0.05},
    {"cell": "conv4_3-2000", "cer": 0.5, "ocr_text": "Qu", "style_strength": 0.9, "artefacts": 0.0},
]
MSGNET = {
    "cell": "msgnet",
    "cer": 0.0,
    "ocr_text": "Quorix",
    "style_strength": 0.95,
    "artefacts": 0.0,
    "extra": 1,
}
REFERENCE = {"cell": "reference", "cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0, "artefact_note": None}


def _metrics_files(tmp_path: Path, rows=ROWS) -> list[str]:
    return [str(_json(tmp_path / "runs" / row["cell"] / "metrics.json", row)) for row in rows]


@pytest.fixture
def captured_plot(monkeypatch):
    """tradeoff_plot and save_figure replaced: what the table job asks of the plot."""
    import steel.render.plots
    import steel.render.tradeoff

    calls = {}

    def tradeoff_plot(rows, title, **kwargs):
        calls["plot"] = (rows, title, kwargs)
        return "figure"

    def save_figure(figure, path, **kwargs):
        calls["save"] = (figure, path, kwargs)
        Path(path).write_bytes(b"png")

    monkeypatch.setattr(steel.render.tradeoff, "tradeoff_plot", tradeoff_plot)
    monkeypatch.setattr(steel.render.plots, "save_figure", save_figure)
    return calls


def test_metrics_table_job_writes_rows_and_asks_the_plot_for_the_choice(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    comparison = _metrics_files(tmp_path, [MSGNET])
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, artefacts=0.5)))
    table, plot = tmp_path / "out" / "sweep.tsv", tmp_path / "out" / "sweep.png"
    best = metrics_table_job(metrics, reference, "a on b", 0.0, table, plot, 0.0, comparisons=comparison)
    # limits from the reference: CER 0.25 + 0, artefacts 0.5 + 0; the strongest style within them
    assert best == "conv4_3-200"
    assert table.read_text(encoding="utf-8").splitlines() == [
        "cell\tmethod\tcer\tocr_text\tstyle_strength\tartefacts\textra",
        "conv4_3-20\tNetwork of Steel\t0.0\tQuorix\t0.1\t0.01\t",
        "conv4_3-200\tNetwork of Steel\t0.25\tQuorlx\t0.4\t0.05\t",
        "conv4_3-2000\tNetwork of Steel\t0.5\tQu\t0.9\t0.0\t",
        "msgnet\tMSG-Net\t0.0\tQuorix\t0.95\t0.0\t1",
    ]
    rows, title, kwargs = captured_plot["plot"]
    limits = selection_limits(json.loads(Path(reference).read_text()), 0.0, 0.0)
    assert rows == ROWS and title == "a on b"
    assert kwargs == {
        "reference": json.loads(Path(reference).read_text()),
        "max_cer": 0.25,
        "max_artefacts": 0.5,
        "best": "conv4_3-200",
        "rule": limits["rule"],
        "others": [("MSG-Net", MSGNET)],
    }
    assert captured_plot["save"] == ("figure", plot, {})
    assert _files(tmp_path / "out") == ["sweep.png", "sweep.tsv"]  # no partial file left


def test_metrics_table_job_without_an_artefact_limit(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    best = metrics_table_job(metrics, reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png")
    assert best == choose_best(ROWS, 0.5)["cell"] == "conv4_3-2000"
    assert captured_plot["plot"][2]["max_artefacts"] is None and captured_plot["plot"][2]["others"] == []
    assert [row["method"] for row in read_table(tmp_path / "t.tsv")] == ["Network of Steel"] * 3


def test_metrics_table_job_refuses_a_sweep_cell_as_a_comparison(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    with pytest.raises(SteelError) as error:
        metrics_table_job(
            metrics[:2], reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png", comparisons=metrics[2:]
        )
    assert str(error.value) == (
        "not a comparison method's cell: 'conv4_3-2000'; list its metrics.json as a sweep's cell"
    )
    assert not (tmp_path / "t.tsv").exists() and "plot" not in captured_plot


# ---- best_job ----------------------------------------------------------------------------------


def _tables(tmp_path: Path, *tables) -> tuple[list[str], Path]:
    run_root = tmp_path / "runs"
    paths = []
    for i, rows in enumerate(tables):
        for row in rows:
            pixels = np.full((4, 8, 3), int(255 * row.get("style_strength") or 0), np.uint8)
            (run_root / row["cell"]).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(run_root / row["cell"] / "stylized.png")
        path = tmp_path / f"table{i}.tsv"
        write_table([_with_method(row) for row in rows])(path)
        paths.append(str(path))
    return paths, run_root


def test_best_job_writes_the_choice_and_a_copy_of_its_image(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS[:2], [ROWS[2], MSGNET])
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, style_strength=0.0)))
    out_json, out_png = tmp_path / "best" / "pair.json", tmp_path / "best" / "pair.png"
    choice = best_job(tables, str(run_root), 0.25, out_json, out_png, reference, 0.02)
    # MSG-Net is the strongest and clean, but never a candidate; CER limit 0.5, artefacts 0.02
    assert choice == {
        "cell": "conv4_3-2000",
        "source": f"sweep {tmp_path.name}",  # the folder of its metrics table: its sweep in the workflow
        "rule": selection_limits(REFERENCE | {"cer": 0.25}, 0.25, 0.02)["rule"],
        "max_cer": 0.25,
        "max_artefacts": 0.02,
        "cer_limit": 0.5,
        "artefact_limit": 0.02,
        "reference": {"cer": 0.25, "ocr_text": "Quorix", "artefacts": 0.0, "artefact_note": None},
        "qualified": True,
        "readable": True,
        "clean": True,
        "metrics": {"method": "Network of Steel", **ROWS[2], "extra": None},  # the tables' columns
        "image": str(run_root / "conv4_3-2000" / "stylized.png"),
        "candidates": 3,
    }
    assert json.loads(out_json.read_text(encoding="utf-8")) == choice
    assert out_png.read_bytes() == (run_root / "conv4_3-2000" / "stylized.png").read_bytes()
    assert _files(tmp_path / "best") == ["pair.json", "pair.png"]


def test_best_job_takes_a_cells_last_row_and_reports_why_nothing_qualifies(tmp_path):
    again = dict(ROWS[0], cer=0.75, artefacts=0.5)  # the same cell measured again in a later table
    tables, run_root = _tables(tmp_path, ROWS[:2], [again])
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", None, 0.0)
    # no reference: the limits are max_cer and no artefact limit (artefacts not measured)
    assert (choice["cer_limit"], choice["artefact_limit"], choice["reference"]) == (0.0, None, None)
    assert choice["candidates"] == 2
    # nothing is readable: the lowest CER, 0.25 > 0
    assert choice["cell"] == "conv4_3-200"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, False, True)


def test_best_job_lets_a_searchs_cells_compete_and_names_where_the_choice_came_from(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS[:2])
    found = {"cell": "conv1_2-2000__conv4_3-1120", "cer": 0.0, "style_strength": 0.8, "artefacts": 0.0}
    Image.new("RGB", (8, 4)).save(run_root.parent / "found.png")
    (run_root / found["cell"]).mkdir()
    (run_root / found["cell"] / "stylized.png").write_bytes((run_root.parent / "found.png").read_bytes())
    weaker = {"cell": "conv1_2-2000__conv4_3-200", "cer": 0.0, "style_strength": 0.5, "artefacts": 0.0}
    again = dict(ROWS[0], style_strength=0.99)  # a sweep's cell the search also ran: the sweep's row counts
    search = _json(
        tmp_path / "search.json",
        {
            "search": "table9",
            "evaluated": [
                weaker | {"round": 1, "index": 0, "ratio": 0.1},
                found | {"round": 2, "index": 3, "ratio": 0.56},
                again | {"round": 1},
            ],
        },
    )
    choice = best_job(
        tables, str(run_root), 0.25, tmp_path / "b.json", tmp_path / "b.png", searches=[str(search)]
    )
    assert (choice["cell"], choice["source"], choice["candidates"]) == (found["cell"], "search table9", 4)
    assert choice["metrics"] == found  # without the search's round, index and ratio


def test_metrics_table_job_joins_each_traced_cells_vector_measures(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    trace = {"mode": "binary", "filter_speckle": 4, "vector_iou": 0.93, "vector_cer": 0.0}
    vector = _json(tmp_path / "runs" / "conv4_3-200" / "vector.json", trace)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    metrics_table_job(
        metrics, reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png", vectors=[str(vector)]
    )
    rows = {row["cell"]: row for row in read_table(tmp_path / "t.tsv")}
    assert (rows["conv4_3-200"]["vector_mode"], rows["conv4_3-200"]["vector_iou"]) == ("binary", 0.93)
    assert "filter_speckle" not in rows["conv4_3-200"]
    assert rows["conv4_3-20"]["vector_mode"] is None  # not traced: empty


def test_best_job_readable_but_not_clean(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.5, tmp_path / "b.json", tmp_path / "b.png", reference, 0.001)
    # only conv4_3-2000 is clean (0.0 <= 0.001) and readable: chosen
    assert choice["cell"] == "conv4_3-2000" and choice["qualified"]
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.001)
    # readable: only conv4_3-20, with artefacts 0.01 > 0.001; the fewest artefacts among the readable
    assert choice["cell"] == "conv4_3-20"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, True, False)
    # at the limits exactly: qualified
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.01)
    assert choice["cell"] == "conv4_3-20" and (choice["readable"], choice["clean"]) == (True, True)


def test_best_job_without_measured_values_counts_them_as_within_the_limits(tmp_path):
    rows = [{"cell": "conv4_3-20", "cer": None, "style_strength": 0.3, "artefacts": None}]
    tables, run_root = _tables(tmp_path, rows)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.0)
    assert choice["cell"] == "conv4_3-20" and choice["artefact_limit"] == 0.0
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (True, True, True)


def test_best_job_counts_a_missing_number_as_choose_best_does(tmp_path):
    """Among measured rows a row without a CER (OCR failed) or artefact share is not within the
    limits: the fallback that picks it must not call it readable or clean."""
    rows = [
        {"cell": "conv4_3-20", "cer": 0.75, "style_strength": 0.3, "artefacts": None},
        {"cell": "conv4_3-200", "cer": None, "style_strength": 0.9, "artefacts": 0.0},
    ]
    tables, run_root = _tables(tmp_path, rows)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.5, tmp_path / "b.json", tmp_path / "b.png", reference, 0.1)
    # nothing is readable: the lowest CER wins, and its missing artefact share is not clean
    assert choice["cell"] == "conv4_3-20"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, False, False)


# ---- sheets -------------------------------------------------------------------------------------


def test_metrics_note_variants(tmp_path):
    assert metrics_note({"cer": 1.005, "artefacts": 0.125, "style_strength": 0.3}) == (
        "CER 1.00 · art 0.12 · style 0.30"
    )
    assert metrics_note({"cer": None, "artefacts": 0.5}) == "art 0.50"
    assert metrics_note({"cer": 0.0, "artefact_note": "grey ground (level 100) here"}) == (
        "CER 0.00 · art n/a: grey ground"
    )
    assert (
        metrics_note({"cer": 0.0, "artefact_note": "", "style_strength": None})
        == "CER 0.00 · art n/a: not measured"
    )
    assert metrics_note({}) == "art n/a: not measured"
    assert metrics_note({"artefacts": 0.0, "style_strength": 0.0}) == "art 0.00 · style 0.00"
    path = _json(tmp_path / "metrics.json", {"cer": 0.5, "artefacts": 0.25})
    assert _metrics_note(path) == "CER 0.50 · art 0.25"
    assert _metrics_note(tmp_path) is None  # a folder is no metrics file


@pytest.fixture
def captured_sheet(monkeypatch):
    import steel.render.sheets

    calls = []

    def contact_sheet_with_layout(*args, **kwargs):
        calls.append((args, kwargs))
        return Image.new("RGB", (5, 3), (1, 2, 3)), "layout"

    monkeypatch.setattr(steel.render.sheets, "contact_sheet_with_layout", contact_sheet_with_layout)
    return calls


def _sweep_dirs(tmp_path: Path, sweep: Sweep, with_metrics=True) -> dict[str, str]:
    run_dirs = {}
    for i, cell in enumerate(sweep.cell_ids):
        folder = tmp_path / "runs" / cell
        _png(folder / "stylized.png")
        if with_metrics and i != 1:
            _json(folder / "metrics.json", {"cer": i / 10, "artefacts": 0.0, "style_strength": 0.5})
        run_dirs[cell] = str(folder)
    return run_dirs


def test_sheet_job_passes_the_grid_in_table_order_with_notes_labels_and_the_sweeps_loss(
    tmp_path, captured_sheet
):
    sweep = Sweep.from_config(
        "deep",
        {
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"layers": ["conv4_3"], "values": [20, 200, 2000]},
            "loss": {"normalise": "gatys", "content_weight": 100},
        },
        base_loss={"normalise": "paper", "content_weight": 1.0, "tv_weight": 0.001},
    )
    run_dirs = _sweep_dirs(tmp_path, sweep)
    out = tmp_path / "sheets" / "deep.png"
    assert sheet_job(sweep, run_dirs, "s.png", "c.png", out, ("metal", "corp")) == "layout"
    ((args, kwargs),) = captured_sheet
    cells = [[Path(run_dirs[cell]) / "stylized.png" for cell in row] for row in sweep.id_grid]
    assert args == (cells, (0.0, 2000.0), (20.0, 200.0, 2000.0), ("conv1_2",), ("conv4_3",), "s.png", "c.png")
    assert kwargs["title"] == "deep (loss: content_weight 100, normalise gatys)"
    assert (kwargs["style_label"], kwargs["content_label"], kwargs["alpha"]) == (
        "style: metal",
        "content: corp",
        None,
    )
    ids = sweep.id_grid
    assert kwargs["notes"] == [
        [
            f"CER {sweep.cell_ids.index(cell) / 10:.2f} · art 0.00 · style 0.50"
            if cell != sweep.cell_ids[1]
            else None
            for cell in row
        ]
        for row in ids
    ]
    assert np.asarray(Image.open(out)).tolist() == [[[1, 2, 3]] * 5] * 3
    assert _files(tmp_path / "sheets") == ["deep.png"]


def test_sheet_job_titles_and_alpha_paths(tmp_path, captured_sheet):
    sweep = Sweep.from_config(
        "wide",
        {"title": "Its title", "cols": {"layers": ["conv4_3"], "values": [20, 200]}},
        base_loss={"tv_weight": 0.001},
    )
    run_dirs = _sweep_dirs(tmp_path, sweep)
    sheet_job(sweep, run_dirs, "s.png", "c.png", tmp_path / "a.png", ("s", "c"), with_notes=False, alpha=True)
    sheet_job(sweep, run_dirs, "s.png", "c.png", tmp_path / "b.png", ("s", "c"), title="Given")
    untitled = Sweep.from_config("plain", {"cols": {"layers": ["conv4_3"], "values": [20, 200]}})
    sheet_job(untitled, run_dirs, "s.png", "c.png", tmp_path / "c.png", ("s", "c"))
    (first, second, third) = [kwargs for _, kwargs in captured_sheet]
    assert (first["title"], second["title"], third["title"]) == ("Its title", "Given", "plain")
    assert first["notes"] is None and second["notes"] is not None
    assert first["alpha"] == [[Path(run_dirs[cell]) / "stylized_alpha.png" for cell in sweep.cell_ids]]
    assert second["alpha"] is None


def _methods_files(tmp_path: Path):
    runs = tmp_path / "runs"
    values = {
        "relu1_2-200": {
            "cer": 0.0,
            "ocr_text": "Quorix",
            "artefacts": 0.01,
            "colour_share": 0.2,
            "style_strength": 0.4,
        },
        "conv4_3-20": {
            "cer": 0.25,
            "ocr_text": "Quørix",
            "artefacts": 0.02,
            "colour_share": 0.1,
            "style_strength": 0.3,
        },
        "msgnet": {"cer": 1.0, "ocr_text": "", "artefacts": None, "style_strength": 0.05, "seconds": 3},
    }
    for cell, row in values.items():
        _png(runs / cell / "stylized.png")
        _json(runs / cell / "metrics.json", {"cell": cell, **row})
    best = _json(tmp_path / "best.json", {"cell": "conv4_3-20"})
    reference = _json(tmp_path / "reference.json", {"cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0})
    return runs, best, reference


def test_methods_sheet_job_panels_notes_and_table(tmp_path, monkeypatch):
    import steel.render.methods
    import steel.render.sheets

    runs, best, reference = _methods_files(tmp_path)
    calls = []

    def methods_sheet(panels, title):
        calls.append((panels, title))
        return Image.new("RGB", (4, 2), (9, 9, 9))

    monkeypatch.setattr(steel.render.methods, "methods_sheet", methods_sheet)
    out = tmp_path / "out"
    rows = methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        reference,
        gatys="relu1_2-200",
        msgnet="msgnet",
        title="a on b",
        sheet_out=out / "m.png",
        table_out=out / "m.tsv",
    )
    ((panels, title),) = calls
    assert title == "Methods: a on b"
    assert panels == [
        ("content", "c.png", "CER 0.00 · art 0.00"),
        ("style", "s.png", None),
        ("Gatys (table 1)", str(runs / "relu1_2-200" / "stylized.png"), "CER 0.00 · art 0.01 · style 0.40"),
        (
            "Network of Steel",
            str(runs / "conv4_3-20" / "stylized.png"),
            "CER 0.25 · art 0.02 · style 0.30 · conv4_3-20",
        ),
        ("MSG-Net", str(runs / "msgnet" / "stylized.png"), "CER 1.00 · art n/a: not measured · style 0.05"),
    ]
    assert (out / "m.tsv").read_bytes().decode("utf-8").splitlines() == [
        "method\tcell\tcer\tocr_text\tartefacts\tcolour_share\tstyle_strength",
        "content\t\t0.0\tQuorix\t0.0\t\t",
        "Gatys (table 1)\trelu1_2-200\t0.0\tQuorix\t0.01\t0.2\t0.4",
        "Network of Steel\tconv4_3-20\t0.25\tQuørix\t0.02\t0.1\t0.3",
        "MSG-Net\tmsgnet\t1.0\t\t\t\t0.05",
    ]
    assert b"\r" not in (out / "m.tsv").read_bytes()
    assert rows[0] == {
        "method": "content",
        "cell": "",
        "cer": 0.0,
        "ocr_text": "Quorix",
        "artefacts": 0.0,
        "colour_share": None,
        "style_strength": None,
    }
    assert [row["method"] for row in rows] == ["content", "Gatys (table 1)", "Network of Steel", "MSG-Net"]
    assert np.asarray(Image.open(out / "m.png")).tolist() == [[[9, 9, 9]] * 4] * 2
    assert _files(out) == ["m.png", "m.tsv"]


def test_methods_sheet_job_without_metrics_names_the_recommended_cell(tmp_path, monkeypatch):
    import steel.render.methods
    import steel.render.sheets

    runs, best, _ = _methods_files(tmp_path)
    (runs / "conv4_3-20" / "metrics.json").unlink()
    panels = []
    monkeypatch.setattr(
        steel.render.methods, "methods_sheet", lambda p, title: panels.extend(p) or Image.new("RGB", (1, 1))
    )
    rows = methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        tmp_path / "none.json",
        gatys=None,
        msgnet="msgnet",
        title="t",
        sheet_out=tmp_path / "m.png",
        table_out=tmp_path / "m.tsv",
    )
    assert [(label, note) for label, _, note in panels] == [
        ("content", None),
        ("style", None),
        ("Network of Steel", "conv4_3-20"),
        ("MSG-Net", "CER 1.00 · art n/a: not measured · style 0.05"),
    ]
    assert [row["method"] for row in rows] == ["MSG-Net"]


# ---- overview, loss plots, figures ------------------------------------------------------------


def test_overview_job_saves_the_overview(tmp_path, monkeypatch):
    import steel.render.sheets

    calls = []
    monkeypatch.setattr(
        steel.render.sheets,
        "overview",
        lambda sheets, title: calls.append((sheets, title)) or Image.new("RGB", (3, 2), (7, 7, 7)),
    )
    overview_job([("a", "a.png")], "All", tmp_path / "o" / "overview.png")
    assert calls == [([("a", "a.png")], "All")]
    assert np.asarray(Image.open(tmp_path / "o" / "overview.png")).tolist() == [[[7, 7, 7]] * 3] * 2
    assert _files(tmp_path / "o") == ["overview.png"]


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


class _Stream:
    """A block-buffered stdout (a pipe to Snakemake's log): what was written when it was flushed."""

    def __init__(self):
        self.text, self.flushed = "", []

    def write(self, text):
        self.text += text
        return len(text)

    def flush(self):
        self.flushed.append(self.text)


def test_job_progress_lines_are_flushed_as_they_are_printed(tmp_path, fake_run, monkeypatch):
    import torch

    import steel.cells.measure
    import steel.transfer.weights

    stream = _Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    threads = torch.get_num_threads()
    try:
        stylize_job(
            "s.png", "c.png", [str(tmp_path / "conv4_3-20" / "x.png")], PARAMS | {"loss": LOSS}, EXECUTION
        )
    finally:
        torch.set_num_threads(threads)
    lines = stream.text.splitlines(keepends=True)
    assert len(lines) == 3
    assert stream.flushed == ["".join(lines[: i + 1]) for i in range(3)]  # each line as soon as printed
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: name)
    monkeypatch.setattr(steel.cells.measure, "measure_cell", lambda *a, **k: {"seconds": 1.0})
    stream.text, stream.flushed = "", []
    cell_metrics_job("r", None, "random", tmp_path / "m.json")
    assert stream.flushed == ["metrics of r: 1.00 s\n"]


@pytest.mark.parametrize("small", ["content", "style"])
def test_reference_metrics_job_names_the_image_that_is_too_small(tmp_path, small):
    paths = {
        name: _png(tmp_path / f"{name}.png", (8, 8) if name == small else (64, 64))
        for name in ("content", "style")
    }
    with pytest.raises(SteelError, match=rf"^{small} image {paths[small]} is 8x8 px"):
        reference_metrics_job(
            str(paths["content"]), str(paths["style"]), None, "random", {}, tmp_path / "r.json"
        )
    assert not (tmp_path / "r.json").exists()


@pytest.fixture
def ascii_locale():
    """An ASCII locale in this process: a file opened without an explicit encoding is ASCII here
    (the subprocess test in test_best.py checks the same of a fresh interpreter)."""
    import locale

    old = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        if sys.flags.utf8_mode or "utf" in locale.getpreferredencoding(False).lower():
            pytest.skip("this Python uses UTF-8 under the C locale")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


def test_tables_and_metrics_files_are_utf8_under_an_ascii_locale(tmp_path, monkeypatch, ascii_locale):
    import steel.render.methods
    import steel.render.sheets

    path = tmp_path / "t.tsv"
    rows = [{"cell": "conv4_3-20", "ocr_text": "Quørix"}]
    write_table(rows)(path)
    assert path.read_bytes().decode("utf-8") == "cell\tocr_text\nconv4_3-20\tQuørix\n"
    assert read_table(path) == rows
    assert read_json(_json(tmp_path / "m.json", {"ocr_text": "Quørix"})) == {"ocr_text": "Quørix"}
    runs, best, reference = _methods_files(tmp_path)
    monkeypatch.setattr(steel.render.methods, "methods_sheet", lambda panels, title: Image.new("RGB", (1, 1)))
    methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        reference,
        gatys=None,
        msgnet="msgnet",
        title="t",
        sheet_out=tmp_path / "m.png",
        table_out=tmp_path / "m.tsv",
    )
    assert "Network of Steel\tconv4_3-20\t0.25\tQuørix\t" in (tmp_path / "m.tsv").read_bytes().decode("utf-8")


def test_a_line_break_in_an_ocr_text_survives_the_table(tmp_path):
    """The OCR may read a logo as two lines: the text comes back exactly, CR LF included."""
    path = tmp_path / "t.tsv"
    rows = [{"cell": "a", "ocr_text": "Quo\r\nrix"}, {"cell": "b", "ocr_text": "Quo\nrix"}]
    write_table(rows)(path)
    assert read_table(path) == rows


def test_stylize_job_runs_on_one_thread_unless_told(tmp_path, fake_run):
    import torch

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        stylize_job(
            "s.png", "c.png", [str(tmp_path / "conv4_3-20" / "x.png")], PARAMS | {"loss": LOSS}, EXECUTION
        )
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_a_traced_cells_note_gives_its_ink_overlap_size_and_cer():
    from steel.jobs.sheets import vector_note

    trace = {"vector_iou": 0.934, "vector_paths": 12, "vector_bytes": 2048, "vector_cer": 0.1}
    assert vector_note(trace) == "IoU 0.93 · 12 paths · 2 KB · CER 0.10"
    assert vector_note(trace | {"vector_iou": None, "vector_cer": None}) == "IoU - · 12 paths · 2 KB"


def test_methods_sheet_job_names_msgnets_training_budget_from_its_run_json(tmp_path):
    runs, best, reference = _methods_files(tmp_path)
    record = {"training": {"steps": 300, "width": 128}, "weights": "hed"}
    (runs / "msgnet" / "run.json").write_text(json.dumps(record))
    rows = methods_sheet_job(
        runs, best, str(runs / "msgnet" / "stylized.png"), str(runs / "msgnet" / "stylized.png"), reference,
        gatys=None, msgnet="msgnet", title="t", sheet_out=tmp_path / "m.png", table_out=tmp_path / "m.tsv",
    )  # fmt: skip
    label = "MSG-Net (300 steps at 128 px, hed weights)"
    assert rows[-1]["method"] == label
    assert (tmp_path / "m.tsv").read_text(encoding="utf-8").splitlines()[-1].startswith(f"{label}\tmsgnet\t")
    assert (tmp_path / "m.png").is_file()
