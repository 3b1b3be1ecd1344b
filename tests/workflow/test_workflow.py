"""The Snakemake workflow for real: dry runs, config errors, a tiny run and what reruns after edits."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from capped import TIME_CAP
from PIL import Image
from workflow_helpers import (
    CONTENTS,
    METAL_FONT,
    REPO,
    SNAKEMAKE,
    STYLES,
    planned_jobs,
    snakemake,
    stylize_jobs,
    stylized_cells,
    tiny_config,
    write_config,
)

from steel.io.outputs import read_losses
from steel.layers import parse_cell_id, split_cell_id
from steel.plan import run_folder
from steel.plan.batches import deepest_layer, loss_key
from steel.plan.sweeps import Sweep

pytestmark = pytest.mark.workflow

TINY_CELLS = {
    "conv3_3-20",
    "conv3_3-200",
    "conv1_2-20__conv3_3-20",
    "conv1_2-20__conv3_3-200",
}


def test_dry_run_plans_pairs_times_distinct_cells(tmp_path):
    config = tiny_config()
    # a second sweep sharing two cells with the first: they must be one target each
    config["sweeps"]["overlap"] = {
        "rows": {"layers": ["conv1_2"], "values": [20]},
        "cols": {"layers": ["conv3_3"], "values": [20, 200, 2000]},
    }
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    jobs = stylize_jobs(result)
    cells = TINY_CELLS | {"conv1_2-20__conv3_3-2000"}
    assert jobs == {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in cells}


def test_user_configfile_replaces_the_demo_lists(tmp_path):
    user = tiny_config()
    del user["styles"]["vorthane"]
    # run in the repository, so that the demo config.yaml is loaded first
    result = snakemake(None, write_config(tmp_path / "mine.yaml", user), "-n")
    jobs = stylize_jobs(result)
    assert {(s, c) for s, c, _ in jobs} == {("ironwrath", "quorix")}
    assert {cell for _, _, cell in jobs} == TINY_CELLS
    # a config without pairs gets every pair of its own logos, not the demo's list of pairs
    both = stylize_jobs(snakemake(None, write_config(tmp_path / "both.yaml", tiny_config()), "-n"))
    assert {(s, c) for s, c, _ in both} == {("ironwrath", "quorix"), ("vorthane", "quorix")}


def test_a_users_optimizer_section_replaces_the_demos_schedule(tmp_path):
    """The demo's cosine schedule is not inherited: what a user's optimizer leaves out is the paper's."""
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())  # the demo, loaded first
    assert "lr_schedule: cosine" in (tmp_path / "config.yaml").read_text()
    user = tiny_config(styles={"ironwrath": str(STYLES / "ironwrath.png")})
    user["sweeps"] = {"one": {"cols": {"layers": ["conv1_2"], "values": [20]}}}
    user["figures"] = {}
    target = "results/runs/ironwrath/quorix/conv1_2-20/run.json"
    mine = write_config(tmp_path / "mine.yaml", user)
    result = snakemake(tmp_path, None, target, "--configfile", str(mine))  # the target before the files
    assert result.returncode == 0, result.stderr[-3000:]
    settings = json.loads((tmp_path / target).read_text())["settings"]
    assert (settings["lr_schedule"], settings["lr"], settings["iterations"]) == ("constant", 1.0, 4)


SCHEMA = "Error validating config file"


@pytest.mark.parametrize(
    ("edit", "messages"),
    [
        (lambda c: c["optimizer"].update({"iterations": "many"}), [SCHEMA, "is not of type 'integer'"]),
        (lambda c: c["sweeps"]["tiny"]["cols"].update({"values": [-20]}), [SCHEMA, "less than the minimum"]),
        (lambda c: c.update({"optimiser": {}}), [SCHEMA, "Additional properties are not allowed"]),
        (lambda c: c["sweeps"]["tiny"]["cols"].update({"layers": ["conv3_4"]}), ["unknown layer 'conv3_4'"]),
        (lambda c: c["styles"].update({"bad name": "x.png"}), ["style name 'bad name' cannot be used"]),
        (lambda c: c.update(pairs=[["ironwrath", "nobody"]]), ["no content named 'nobody'"]),
        (
            lambda c: c.update(figures={"f": {"cells": ["tiny/20/999"]}}),
            ["has no cell at row 20, column 999"],
        ),
        (
            lambda c: c["sweeps"]["tiny"].update(loss={"contnet_weight": 10}),
            ["sweep tiny: loss names 'contnet_weight', which is no loss setting; the loss settings are"],
        ),
        (
            lambda c: c["sweeps"]["tiny"].update(
                cols={"setting": "lr", "values": [1, 2]}, fixed={"conv3_3": 20}
            ),
            ["sweep tiny: cols names 'lr', which is no loss setting"],
        ),
        (
            lambda c: c["sweeps"]["tiny"].update(loss={"normalise": "gatsy"}),
            ["sweep tiny: loss setting normalise: 'gatsy' is not one of"],
        ),
    ],
)
def test_config_mistakes_are_named_in_one_message(tmp_path, edit, messages):
    """Type errors come from the schema; names, layers and references from steel.plan.sweeps."""
    config = tiny_config()
    edit(config)
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for message in messages:
        assert message in output
    assert "Traceback" not in output


def test_lint_is_clean():
    result = snakemake(None, None, "--lint", "--config", "weights=random")
    assert result.returncode == 0, result.stderr
    assert "Lints for" not in result.stdout + result.stderr


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One real run of the tiny workflow (random weights, 4 steps), shared by the tests below."""
    workdir = tmp_path_factory.mktemp("tiny_run")
    configfile = write_config(workdir / "config.yaml", tiny_config())
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir, configfile


def test_tiny_run_writes_every_cell(tiny_run):
    workdir, _ = tiny_run
    for style in ("ironwrath", "vorthane"):
        for cell in TINY_CELLS:
            run_dir = workdir / "results" / "runs" / style / "quorix" / cell
            for name in ("stylized.png", "losses.tsv", "run.json", "log", "benchmark.tsv"):
                assert (run_dir / name).is_file(), run_dir / name
            record = json.loads((run_dir / "run.json").read_text())
            assert record["layers"] == parse_cell_id(cell)
            assert record["cell"] == cell
            assert record["settings"]["iterations"] == 4
            assert record["weights"]["spec"] == "random:0"
            assert record["content"]["width"] == 128
            losses = read_losses(run_dir / "losses.tsv")
            assert list(losses["iteration"]) == [0, 2, 4]
            assert losses["total"][-1] < losses["total"][0]
            assert "done on cpu" in (run_dir / "log").read_text()


def _not_blank(path):
    image = Image.open(path).convert("L")
    low, high = image.getextrema()
    assert high - low > 100, f"{path} looks blank"
    return image


def test_tiny_run_draws_sheets_plots_and_metrics(tiny_run):
    workdir, _ = tiny_run
    results = workdir / "results"
    for pair in ("ironwrath__quorix", "vorthane__quorix"):
        sheet = _not_blank(results / "sheets" / "tiny" / f"{pair}.png")
        assert sheet.width > 2 * 128  # two columns of 128-px cells, unsquashed
        _not_blank(results / "plots" / "tiny" / f"{pair}.png")
        _not_blank(results / "plots" / "figures" / "fig" / f"{pair}.png")
        _not_blank(results / "metrics" / "tiny" / f"{pair}.tradeoff.png")
        table = (results / "metrics" / "tiny" / f"{pair}.tsv").read_text().splitlines()
        assert len(table) == 1 + len(TINY_CELLS)
        assert {"cell", "cer", "artefacts", "style_strength"} <= set(table[0].split("\t"))
        best = json.loads((results / "best" / f"{pair}.json").read_text())
        assert best["cell"] in TINY_CELLS
        assert (results / "best" / f"{pair}.png").read_bytes() == (
            results / "runs" / pair.split("__")[0] / "quorix" / best["cell"] / "stylized.png"
        ).read_bytes()
    _not_blank(results / "sheets" / "tiny" / "overview.png")
    metrics = json.loads(
        (results / "runs" / "ironwrath" / "quorix" / "conv3_3-20" / "metrics.json").read_text()
    )
    # CER has no upper bound (the OCR may add characters); artefacts are a share of pixels
    assert metrics["cer"] >= 0 and 0 <= metrics["artefacts"] <= 1


def test_report_builds_from_the_tiny_run(tiny_run):
    workdir, configfile = tiny_run
    report = workdir / "report.html"
    result = snakemake(workdir, configfile, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    text = report.read_text(errors="replace")
    assert "Contact sheets" in text and "Loss plots" in text and "Metrics" in text


def test_paper_preset_has_111_cells_per_pair(tmp_path):
    result = snakemake(None, REPO / "presets" / "paper.yaml", "-n")
    cells = stylized_cells(result)
    pairs = {(s, c) for s, c, _ in cells}
    assert len(pairs) == 9
    for pair in pairs:
        assert len({cell for s, c, cell in cells if (s, c) == pair}) == 111
    # table 1 runs under rrmina's loss, named in its cells' ids
    table1 = {cell for s, c, cell in cells if cell.startswith("relu1_2")}
    assert len(table1) == 3
    assert all(split_cell_id(cell)[1]["normalise"] == "rrmina" for cell in table1)
    # batched: 16 cells a job at most, and no job mixes network depths or losses
    jobs = planned_jobs(result)
    batches = [j for j in jobs if j["rule"].startswith("stylize_") and j["rule"] != "stylize_msgnet"]
    assert len(batches) == 9 * 10
    for job in batches:
        images = [path for path in job["output"] if path.endswith("stylized.png")]
        assert 1 <= len(images) <= 16
        depth = job["rule"].removeprefix("stylize_").split("_loss")[0].rsplit("_", 1)[0]
        assert {deepest_layer(Path(path).parent.name) for path in images} == {depth}
        assert len({loss_key(Path(path).parent.name) for path in images}) == 1
    figures = [j for j in planned_jobs(result) if j["rule"] == "figure"]
    assert {j["figure"] for j in figures} == {"fig3a_two_layers", "fig3b_three_layers", "fig3c_two_blocks"}
    # MSG-Net at the paper's scale: one model, one forward pass and one methods sheet per pair
    rules = [j["rule"] for j in jobs]
    msgnet = {rule: rules.count(rule) for rule in ("train_msgnet", "stylize_msgnet", "methods_sheet")}
    assert msgnet == {"train_msgnet": 1, "stylize_msgnet": 9, "methods_sheet": 9}
    # the preset names no vector section: the demo's vector logos are the demo's
    assert not {"trace_vector", "vector_sheet", "best_svg"} & set(rules)
    assert len(jobs) == 1508


def test_a_users_configfile_gets_exactly_the_optional_parts_it_names(tmp_path):
    """The demo traces every cell (vector.enabled) and moves outlines (outline.enabled); a
    --configfile of yours gets the parts it names: run in the repository, so that the demo's
    config.yaml is loaded first."""
    demo = (REPO / "config.yaml").read_text()
    assert "vector: {enabled: true}" in demo and "outline: {enabled: true" in demo

    def rules(config):
        result = snakemake(None, write_config(tmp_path / "mine.yaml", config), "-n")
        assert result.returncode == 0, result.stderr[-3000:]
        return {job["rule"] for job in planned_jobs(result)}

    assert not {"trace_vector", "best_svg", "train_msgnet", "search_round", "stylize_outline"} & rules(
        tiny_config()
    )
    named = rules(tiny_config(vector={"enabled": True}))
    assert {"trace_vector", "best_svg", "vector_sheet"} <= named and "train_msgnet" not in named


def test_nothing_to_do_after_a_run(tiny_run):
    workdir, configfile = tiny_run
    assert stylize_jobs(snakemake(workdir, configfile, "-n")) == set()


RUN_DIR_OF_ONE = "results/runs/ironwrath/quorix/conv3_3-20"


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        (f"{RUN_DIR_OF_ONE}/{run_folder.STYLIZED}", "stylize"),
        (f"{RUN_DIR_OF_ONE}/{run_folder.LOSSES}", "stylize"),
        (f"{RUN_DIR_OF_ONE}/{run_folder.RECORD}", "stylize"),
        (f"{RUN_DIR_OF_ONE}/{run_folder.METRICS}", "cell_metrics"),
        ("results/best/ironwrath__quorix.png", "best"),
        ("results/best/ironwrath__quorix.json", "best"),
    ],
)
def test_a_deleted_output_is_planned_again(tiny_run, tmp_path, path, rule):
    """Every file a run lists as its outputs is a target: deleted, it is made again."""
    workdir, configfile = tiny_run
    kept = tmp_path / "kept"
    shutil.move(workdir / path, kept)  # a rename: put back with its times
    try:
        jobs = planned_jobs(snakemake(workdir, configfile, "-n"))
    finally:
        shutil.move(kept, workdir / path)
    assert any(j["rule"] == rule and path in j["output"] for j in jobs), [j["rule"] for j in jobs]
    assert not [j for j in jobs if j["rule"] == "stylize" and rule != "stylize"]


def test_deleted_metrics_and_best_image_are_made_again(tiny_run):
    workdir, configfile = tiny_run
    deleted = [workdir / RUN_DIR_OF_ONE / run_folder.METRICS, workdir / "results/best/ironwrath__quorix.png"]
    for path in deleted:
        path.unlink()
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(path.is_file() for path in deleted)
    assert stylize_jobs(snakemake(workdir, configfile, "-n")) == set()


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda c: c["optimizer"].update(lr=float("nan")), "optimizer.lr is nan"),
        (lambda c: c["optimizer"].update(lr_final=float("nan")), "optimizer.lr_final is nan"),
        (lambda c: c.update(loss={"content_weight": float("nan")}), "loss.content_weight is nan"),
        (lambda c: c.update(loss={"tv_weight": float("inf")}), "loss.tv_weight is inf"),
        (lambda c: c["image"].update(scales=[float("nan"), 1.0]), "image.scales[0] is nan"),
        (lambda c: c.update(selection={"max_cer": float("nan")}), "selection.max_cer is nan"),
        (lambda c: c.update(selection={"max_artefacts": float("nan")}), "selection.max_artefacts is nan"),
        (lambda c: c.update(seed=10**23), "seed"),
    ],
)
def test_a_number_that_is_no_number_loses_no_results(tiny_run, tmp_path, edit, key):
    """Refused at planning, naming the key: a finished cell's files stay (a real run, not a dry one)."""
    workdir, _ = tiny_run
    files = [workdir / RUN_DIR_OF_ONE / name for name in run_folder.cell_files(alpha=False)]
    before = {path: path.read_bytes() for path in files}
    config = tiny_config()
    edit(config)
    result = snakemake(workdir, write_config(tmp_path / "c.yaml", config))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and key in output and "Traceback" not in output
    assert {path: path.read_bytes() for path in files} == before


def test_a_preset_is_its_values(tiny_run, tmp_path):
    """The paper preset over a config at the paper's values reruns nothing (it is never a param by
    name); the quick preset changes the schedule and width, so every cell reruns."""
    workdir, _ = tiny_run
    paper = tiny_config(preset="paper")
    paper["image"] = {"width": 128}  # the user's explicit values win over the preset
    assert stylize_jobs(snakemake(workdir, write_config(tmp_path / "p.yaml", paper), "-n")) == set()
    quick = tiny_config(preset="quick")
    assert len(stylize_jobs(snakemake(workdir, write_config(tmp_path / "q.yaml", quick), "-n"))) == 8
    bad = snakemake(workdir, write_config(tmp_path / "b.yaml", tiny_config(preset="fast")), "-n")
    assert bad.returncode != 0 and "unknown preset 'fast'; use one of quick, paper" in bad.stdout + bad.stderr
    # the quick schedule is Adam's: L-BFGS under it names its own, as on the command
    lbfgs = tiny_config(preset="quick")
    lbfgs["optimizer"] = {"name": "lbfgs", "lr": 0.5}
    bad = snakemake(workdir, write_config(tmp_path / "l.yaml", lbfgs), "-n")
    assert bad.returncode != 0 and "is adam's and wrecks lbfgs; set both --lr" in bad.stdout + bad.stderr


def test_vector_logos_of_finished_cells_rerun_no_stylize_job(tiny_run, tmp_path):
    """Turning vector.enabled on traces every cell and joins the tables; no cell is optimised again."""
    workdir, _ = tiny_run
    configfile = write_config(tmp_path / "v.yaml", tiny_config(vector={"enabled": True}))
    planned = planned_jobs(snakemake(workdir, configfile, "-n"))
    rules = [job["rule"] for job in planned]
    assert not [rule for rule in rules if rule.startswith("stylize")]
    assert rules.count("trace_vector") == 8 and rules.count("best_svg") == 2
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    for style in ("ironwrath", "vorthane"):
        header = (
            (workdir / f"results/metrics/tiny/{style}__quorix.tsv").read_text().splitlines()[0].split("\t")
        )
        assert {"vector_mode", "vector_iou", "vector_paths", "vector_bytes", "vector_cer"} <= set(header)
        assert (workdir / f"results/best/{style}__quorix.svg").read_text().startswith("<?xml")
    trace = json.loads((workdir / RUN_DIR_OF_ONE / run_folder.VECTOR_RECORD).read_text())
    assert trace["mode"] in ("binary", "color") and trace["vector_paths"] > 0
    # and back off: nothing to do (the traces stay, as any file the config no longer asks for)
    assert stylize_jobs(snakemake(workdir, write_config(tmp_path / "o.yaml", tiny_config()), "-n")) == set()


def test_changing_one_coefficient_reruns_only_the_changed_cells(tiny_run, tmp_path):
    workdir, _ = tiny_run
    config = tiny_config()
    config["sweeps"]["tiny"]["cols"]["values"] = [20, 300]
    config["figures"]["fig"]["cells"] = ["tiny/0/20", "tiny/20/300"]
    jobs = stylize_jobs(snakemake(workdir, write_config(tmp_path / "c.yaml", config), "-n"))
    new_cells = {"conv3_3-300", "conv1_2-20__conv3_3-300"}
    assert jobs == {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in new_cells}


def test_changing_the_optimizer_reruns_every_cell(tiny_run, tmp_path):
    workdir, _ = tiny_run
    config = tiny_config(optimizer={"iterations": 5, "log_every": 2})
    jobs = stylize_jobs(snakemake(workdir, write_config(tmp_path / "c.yaml", config), "-n"))
    assert jobs == {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in TINY_CELLS}


def test_adding_a_style_runs_only_its_cells(tiny_run, tmp_path):
    workdir, _ = tiny_run
    config = tiny_config()
    extra = tmp_path / "grimhollow.png"
    shutil.copy(REPO / "resources" / "logos" / "style" / "grimhollow.png", extra)
    config["styles"]["grimhollow"] = str(extra)
    jobs = stylize_jobs(snakemake(workdir, write_config(tmp_path / "c.yaml", config), "-n"))
    assert jobs == {("grimhollow", "quorix", c) for c in TINY_CELLS}


def test_sweep_cells_follow_the_table_layout():
    sweep = Sweep.from_config("tiny", tiny_config()["sweeps"]["tiny"])
    assert [[len(c) for c in row] for row in sweep.grid] == [[1, 1], [2, 2]]
    assert sweep.cell_at(20, 200) == "conv1_2-20__conv3_3-200"


# --- campaign-safe reruns: only a real change of a result-shaping value reruns a cell ---


def _planned_after(workdir, tmp_path, config, *args):
    """The cells a dry run would stylize, by a one-cell or a batched rule."""
    return stylized_cells(snakemake(workdir, write_config(tmp_path / "c.yaml", config), "-n", *args))


ALL_TINY = {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in TINY_CELLS}


def test_same_values_in_other_words_rerun_nothing(tiny_run, tmp_path):
    """Keys in another order, defaults spelled out, 1 for 1.0, and every `execution` setting
    (where and how a job runs, batching included) changed at once: nothing to rerun."""
    workdir, _ = tiny_run
    config = tiny_config(
        optimizer={"log_every": 2, "lr": 1, "amp": False, "iterations": 4, "name": "adam"},
        loss={"tv_weight": 0.001, "content_layer": "conv4_2", "content_weight": 1},
        weights="random:0",
        seed=0,
        execution={"device": "auto", "checkpoint_every": 7, "channels_last": True, "cells_per_job": 3},
    )
    assert _planned_after(workdir, tmp_path, config) == set()


# steel.plan.params is tested for every setting (tests/plan/test_params.py); these check that the rule
# passes the params it plans with to the job
@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.update(loss={"tv_weight": 0.01}),
        lambda c: c.update(image={"width": 96}),
        lambda c: c.update(seed=1),
        lambda c: c.update(weights="random:1"),
    ],
    ids=["tv_weight", "width", "seed", "weights"],
)
def test_a_result_shaping_setting_reruns_every_cell(tiny_run, tmp_path, edit):
    workdir, _ = tiny_run
    config = tiny_config()
    edit(config)
    assert _planned_after(workdir, tmp_path, config) == ALL_TINY


def test_touching_the_wrapper_script_reruns_nothing(tiny_run, tmp_path):
    workdir, configfile = tiny_run
    (REPO / "workflow" / "scripts" / "stylize.py").touch()
    assert stylize_jobs(snakemake(workdir, configfile, "-n")) == set()


def test_a_result_version_bump_reruns_every_cell(tiny_run, tmp_path):
    """The version is read from the installed package: bump it in the planning process only."""
    workdir, configfile = tiny_run
    (tmp_path / "sitecustomize.py").write_text("import steel.result_version as v\nv.RESULT_VERSION += 1\n")
    result = snakemake(workdir, configfile, "-n", env={"PYTHONPATH": str(tmp_path)})
    assert stylize_jobs(result) == ALL_TINY


def test_a_missing_weights_file_is_one_line_at_planning(tmp_path):
    config = tiny_config(weights="caffe:~/no/such/vgg16.pth")
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "vgg16.pth does not exist" in output and "~" not in output.split("does not exist")[0][-40:]
    assert "Traceback" not in output


def test_a_plain_slurm_executor_is_not_limited_to_one_gpu_job():
    """What Snakemake resolves from the workflow's default profile for a cluster run."""
    code = (
        "from snakemake.cli import parse_args\n"
        "_, args = parse_args(['--executor', 'slurm', '--jobs', '10', '-n'])\n"
        "print(dict(args.resources))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "{}"
    # and the workflow plans under it without a core count (a cluster has none)
    command = [str(SNAKEMAKE), "-n", "--executor", "slurm", "--jobs", "10", "--config", "weights=random"]
    planned = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    assert "stylize" in planned.stdout


# --- batched stylize jobs (execution.cells_per_job) ---


def _batched(**overrides):
    config = tiny_config(**overrides)
    config["execution"]["cells_per_job"] = 4
    return config


def test_batched_jobs_hold_cells_of_one_depth(tmp_path):
    config = _batched()
    config["sweeps"]["tiny"]["cols"]["layers"] = ["conv5_1"]  # deeper than the content layer
    config["sweeps"]["deep"] = {"cols": {"layers": ["conv3_3"], "values": [20, 200]}}
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    rules = {job["rule"] for job in planned_jobs(result)}
    assert {"stylize_conv4_2_1", "stylize_conv5_1_1"} <= rules
    assert not any(rule == "stylize" for rule in rules)


@pytest.fixture(scope="module")
def batched_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("batched_run")
    configfile = write_config(workdir / "config.yaml", _batched())
    result = snakemake(workdir, configfile, "--until", "stylize_conv4_2_1")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def test_a_batched_job_writes_the_per_cell_files_of_separate_runs(batched_run, tiny_run):
    separate, _ = tiny_run
    for cell in TINY_CELLS:
        run_dir = batched_run / "results" / "runs" / "ironwrath" / "quorix" / cell
        record = json.loads((run_dir / "run.json").read_text())
        assert record["cell"] == cell and record["batch_size"] == len(TINY_CELLS)
        assert set(record["batch"]) == TINY_CELLS
        log = (run_dir / "log").read_text()
        assert all(other in log for other in TINY_CELLS)  # the log names the batch's cells
        alone = separate / "results" / "runs" / "ironwrath" / "quorix" / cell / "stylized.png"
        difference = np.abs(
            np.asarray(Image.open(run_dir / "stylized.png"), dtype=int)
            - np.asarray(Image.open(alone), dtype=int)
        )
        # float32 rounding differs between a batch and a single run (docs/gpu-and-batching.md)
        assert difference.mean() < 0.5 and difference.max() <= 16, cell


def _batch_jobs(result) -> list[dict[str, str]]:
    assert result.returncode == 0, result.stderr[-3000:]
    return [j for j in planned_jobs(result) if j["rule"].startswith("stylize")]


def test_after_a_batched_run_one_changed_coefficient_plans_one_job_per_pair(batched_run, tmp_path):
    config = _batched()
    config["sweeps"]["tiny"]["cols"]["values"] = [20, 300]
    config["figures"]["fig"]["cells"] = ["tiny/0/20", "tiny/20/300"]
    jobs = _batch_jobs(snakemake(batched_run, write_config(tmp_path / "c.yaml", config), "-n"))
    assert sorted((j["rule"], j["style"]) for j in jobs) == [
        ("stylize_conv4_2_1", "ironwrath"),
        ("stylize_conv4_2_1", "vorthane"),
    ]


def test_after_a_batched_run_a_new_style_plans_only_its_jobs(batched_run, tmp_path):
    config = _batched()
    config["styles"]["grimhollow"] = str(REPO / "resources" / "logos" / "style" / "grimhollow.png")
    jobs = _batch_jobs(snakemake(batched_run, write_config(tmp_path / "c.yaml", config), "-n"))
    assert [(j["rule"], j["style"]) for j in jobs] == [("stylize_conv4_2_1", "grimhollow")]


# --- your own logo: an SVG style and a word as the content -----------------------------------

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="50">'
    '<path d="M10 45 L30 5 L50 45 Z M60 5 h80 v40 h-80 Z" fill="#000"/></svg>'
)


def _own_logo_config(folder: Path, **content) -> dict:
    """One SVG style, one content drawn from a word, one cell."""
    (folder / "band.svg").write_text(LOGO_SVG)
    return tiny_config(
        styles={"band": str(folder / "band.svg")},
        contents={"acme": {"text": "Acme", **content}},
        sweeps={"one": {"cols": {"layers": ["conv1_2"], "values": [20]}}},
        figures={},
    )


@pytest.fixture(scope="module")
def own_logo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("own_logo_run")
    configfile = write_config(workdir / "config.yaml", _own_logo_config(workdir))
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def test_svg_style_and_text_content_run_through_the_workflow(own_logo_run):
    workdir = own_logo_run
    drawn = workdir / "results" / "contents" / "acme.png"
    style = workdir / "results" / "styles" / "band.png"
    assert _not_blank(drawn).width == 128 and _not_blank(style).width == 128
    run_dir = workdir / "results" / "runs" / "band" / "acme" / "conv1_2-20"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["content"]["path"] == "results/contents/acme.png"
    assert record["style"]["path"] == "results/styles/band.png"
    assert (workdir / "results" / "sheets" / "one" / "band__acme.png").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["cer"] >= 0  # the drawn word is the OCR reference
    # the unstyled drawn word reads back as itself
    reference = json.loads((workdir / "results" / "reference" / "band__acme.json").read_text())
    assert reference["cer"] == 0, reference


def test_a_new_text_or_font_redraws_and_reruns_its_cells(own_logo_run, tmp_path):
    same = snakemake(own_logo_run, write_config(tmp_path / "same.yaml", _own_logo_config(own_logo_run)), "-n")
    assert same.returncode == 0 and "Nothing to be done" in same.stdout + same.stderr
    for edit in (
        {"text": "Acme Steel"},
        {"font": str(REPO / "resources" / "fonts" / "NewRocker-Regular.ttf")},
    ):
        config = _own_logo_config(own_logo_run, **edit)
        result = snakemake(own_logo_run, write_config(tmp_path / "c.yaml", config), "-n")
        rules = [job["rule"] for job in planned_jobs(result)]
        assert "draw_content" in rules and "draw_style" not in rules, edit
        assert stylize_jobs(result) == {("band", "acme", "conv1_2-20")}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"text": None}, "content acme has neither an image nor a text"),
        ({"text": "  "}, "content acme has neither an image nor a text"),
        ({"font": "no/such/font.ttf"}, "content acme: font no/such/font.ttf does not exist"),
    ],
)
def test_own_logo_mistakes_are_one_message_and_leave_no_files(tmp_path, content, words):
    config = _own_logo_config(tmp_path)
    config["contents"]["acme"].update(content)
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and words in output and "Traceback" not in output
    assert not (tmp_path / "results").exists()


def test_a_malformed_svg_fails_its_drawing_job_in_one_line(tmp_path):
    config = _own_logo_config(tmp_path)
    (tmp_path / "band.svg").write_text("<svg><g></svg")
    # a flag first: --configfile takes every word up to the next one
    configfile = write_config(tmp_path / "c.yaml", config)
    result = snakemake(tmp_path, configfile, "--keep-going", "results/styles/band.png")
    assert result.returncode != 0
    log = (tmp_path / "results" / "styles" / "band.log").read_text().strip().splitlines()
    assert log[-1].startswith("steel: error: cannot read SVG")
    assert not (tmp_path / "results" / "styles" / "band.png").exists()


def test_the_invert_setting_reruns_every_cell_and_reaches_the_optimiser(tiny_run, tmp_path):
    workdir, _ = tiny_run
    record = json.loads((workdir / "results/runs/ironwrath/quorix/conv3_3-20/run.json").read_text())
    assert record["invert"] == {"setting": "auto", "content": False, "style": False}
    config = tiny_config(image={"width": 128, "invert": False})
    result = snakemake(workdir, write_config(tmp_path / "c.yaml", config), "-n")
    assert stylize_jobs(result) == {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in TINY_CELLS}


# --- sweeps with loss settings of their own ----------------------------------------------------


def _override_config(normalise="gatys", weights=(1, 10), **overrides):
    """The tiny config with a second sweep under its own loss, whose columns vary the content weight."""
    config = tiny_config(**overrides)
    config["sweeps"]["cw"] = {
        "loss": {"normalise": normalise},
        "rows": {"layers": ["conv3_3"], "values": [20]},
        "cols": {"setting": "content_weight", "values": list(weights)},
    }
    return config


CW_CELLS = {"conv3_3-20__normalise-gatys", "conv3_3-20__content_weight-10__normalise-gatys"}


def test_a_sweep_level_loss_plans_runs_of_its_own(tmp_path):
    """The same layers as a tiny cell (conv3_3-20) under another loss: another run and folder; the
    tiny sweep's cells keep their ids; a batch holds cells of one loss."""
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", _override_config()), "-n")
    jobs = stylize_jobs(result)
    assert jobs == {(s, "quorix", c) for s in ("ironwrath", "vorthane") for c in TINY_CELLS | CW_CELLS}
    batched = _override_config()
    batched["execution"]["cells_per_job"] = 8
    result = snakemake(tmp_path, write_config(tmp_path / "b.yaml", batched), "-n")
    batches = [
        {Path(path).parent.name for path in job["output"] if path.endswith("stylized.png")}
        for job in _batch_jobs(result)
        if job["style"] == "ironwrath"
    ]
    # the tiny cells in one batch as before; each content weight under gatys is a loss of its own
    assert sorted(map(sorted, batches)) == sorted(map(sorted, [TINY_CELLS, *({c} for c in CW_CELLS)]))


@pytest.fixture(scope="module")
def override_run(tmp_path_factory):
    """The stylize jobs of the tiny config with the `cw` sweep, one style."""
    workdir = tmp_path_factory.mktemp("override_run")
    config = _override_config()
    del config["styles"]["vorthane"]
    configfile = write_config(workdir / "config.yaml", config)
    result = snakemake(workdir, configfile, "--until", "stylize")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir, config


def _override_planned(workdir, tmp_path, config):
    return {cell for _, _, cell in _planned_after(workdir, tmp_path, config, "--until", "stylize")}


def test_an_override_cell_runs_with_its_own_loss(override_run, tmp_path):
    workdir, config = override_run
    run_dir = (
        workdir
        / "results"
        / "runs"
        / "ironwrath"
        / "quorix"
        / "conv3_3-20__content_weight-10__normalise-gatys"
    )
    record = json.loads((run_dir / "run.json").read_text())
    assert record["cell"] == run_dir.name  # the metrics tables key their rows by it
    assert record["settings"]["normalise"] == "gatys" and record["settings"]["content_weight"] == 10.0
    plain = json.loads((run_dir.parent / "conv3_3-20" / "run.json").read_text())
    assert plain["settings"]["normalise"] == "paper" and plain["settings"]["content_weight"] == 1.0
    assert _override_planned(workdir, tmp_path, config) == set()


def test_changing_an_override_reruns_only_its_cells(override_run, tmp_path):
    workdir, config = override_run
    config = json.loads(json.dumps(config))
    config["sweeps"]["cw"]["loss"]["normalise"] = "rrmina"
    assert _override_planned(workdir, tmp_path, config) == {
        "conv3_3-20__normalise-rrmina",
        "conv3_3-20__content_weight-10__normalise-rrmina",
    }
    config["sweeps"]["cw"]["loss"]["normalise"] = "gatys"
    config["sweeps"]["cw"]["cols"]["values"] = [1, 100]
    assert _override_planned(workdir, tmp_path, config) == {"conv3_3-20__content_weight-100__normalise-gatys"}
    # an override equal to the config's loss is no override: the plain cell, already run
    config["sweeps"]["cw"]["loss"]["normalise"] = "paper"
    config["sweeps"]["cw"]["cols"]["values"] = [1]
    assert _override_planned(workdir, tmp_path, config) == set()


def test_the_config_loss_reruns_override_cells_too(override_run, tmp_path):
    """An override cell inherits the settings it does not name: a new tv_weight reruns every cell."""
    workdir, config = override_run
    config = json.loads(json.dumps(config)) | {"loss": {"tv_weight": 0.01}}
    assert _override_planned(workdir, tmp_path, config) == TINY_CELLS | CW_CELLS


# --- what planning checks: logo paths, damaged records, configs that explode -----------------------


def _logo_cases(tmp_path):
    (tmp_path / "logo{style}.png").write_bytes((STYLES / "ironwrath.png").read_bytes())
    os.mkfifo(tmp_path / "pipe.png")
    return [
        (str(tmp_path / "nowhere.png"), "does not exist; check the path"),
        (str(tmp_path / "logo{style}.png"), "has { or } in its path, which the workflow reads as a wildcard"),
        (str(tmp_path / "pipe.png"), "is not a regular file (a folder, pipe or device)"),
    ]


def test_a_missing_wildcard_or_pipe_logo_is_refused_over_finished_results(tiny_run, tmp_path):
    """Finished results never pass for a logo the config no longer finds: a mistyped path used to
    plan nothing and exit 0, a path with braces was filled in as a wildcard, a pipe hung planning."""
    workdir, _ = tiny_run
    files = [workdir / RUN_DIR_OF_ONE / name for name in run_folder.cell_files(alpha=False)]
    before = {path: path.read_bytes() for path in files}
    for image, words in _logo_cases(tmp_path):
        config = tiny_config()
        config["styles"]["ironwrath"] = image
        configfile = write_config(tmp_path / "c.yaml", config)
        command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--cores", "1"]
        result = subprocess.run(
            [*command, "--directory", str(workdir), "--configfile", str(configfile)],
            capture_output=True,
            text=True,
            timeout=TIME_CAP,  # a pipe hung planning
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0, image
        assert f"style ironwrath: image {image} {words}" in output and "Traceback" not in output
    assert {path: path.read_bytes() for path in files} == before


def test_cell_metrics_take_the_logos_they_read_as_inputs(tiny_run):
    """A metrics job reads the logos through run.json's paths: they are its inputs too, so that a
    replaced logo always remeasures."""
    workdir, configfile = tiny_run
    result = snakemake(workdir, configfile, "-n", "--forcerun", "cell_metrics")
    blocks = re.split(r"\n(?=\s*rule \w+:)", result.stdout + result.stderr)
    inputs = [re.search(r"input: (.*)", b).group(1) for b in blocks if re.match(r"\s*rule cell_metrics:", b)]
    assert len(inputs) == 8
    assert all(str(CONTENTS / "quorix.png") in line for line in inputs)
    assert {
        str(STYLES / f"{style}.png") in line for line in inputs for style in ("ironwrath", "vorthane")
    } == {
        True,
        False,
    }


@pytest.mark.parametrize(
    ("record", "maker"),
    [(run_folder.RECORD, "stylize"), (run_folder.METRICS, "cell_metrics")],
)
def test_a_damaged_record_is_made_again_and_then_nothing(tiny_run, record, maker):
    """Snakemake has no trigger for a damaged output: a truncated run.json or a garbage metrics.json
    is found while planning (which writes and deletes nothing, -n included), noted beside it, and
    made again with what follows from it, once."""
    workdir, configfile = tiny_run
    path = workdir / RUN_DIR_OF_ONE / record
    damaged = path.read_bytes()[: len(path.read_bytes()) // 2]
    path.write_bytes(damaged)
    planned = planned_jobs(snakemake(workdir, configfile, "-n"))
    assert path.read_bytes() == damaged  # planning leaves it as it is
    makers = [job for job in planned if job["rule"].startswith(maker) and job["rule"] != "stylize_msgnet"]
    assert [Path(out).parent.name for job in makers for out in job["output"] if out.endswith(record)] == [
        Path(RUN_DIR_OF_ONE).name
    ]
    assert any(job["rule"] == "note_damage" for job in planned)
    if maker == "cell_metrics":
        assert not stylized_cells(snakemake(workdir, configfile, "-n"))  # measured again, not rerun
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    assert isinstance(json.loads(path.read_text()), dict)
    [note] = [note for note in path.parent.glob(f"{record}.damaged-*") if note.suffix != ".log"]
    assert f"{record} was found damaged" in note.read_text()
    assert planned_jobs(snakemake(workdir, configfile, "-n")) == []


#: 1 KB of YAML: nine levels of nine aliases, 387 million strings once expanded
ALIAS_BOMB = "\n".join(
    ["junk:", "  a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"  {c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
)


def test_a_config_of_nested_yaml_aliases_is_one_line_in_seconds(tmp_path):
    """Planning walked the expanded config (finite numbers, the schema): minutes and gigabytes."""
    configfile = tmp_path / "bomb.yaml"
    configfile.write_text(yaml.safe_dump(tiny_config()) + ALIAS_BOMB + "\n")
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--cores", "1", "-n"]
    result = subprocess.run(
        [*command, "--directory", str(tmp_path), "--configfile", str(configfile)],
        capture_output=True,
        text=True,
        timeout=TIME_CAP,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "the config expands to more than 4 MB" in output
    assert "Traceback" not in output


def test_a_drawn_logo_is_drawn_at_its_width_and_a_new_width_redraws_only_it(tmp_path):
    """A drawn style at image.style_width, a drawn content at image.width: each a target whose width
    is a param, so a new width redraws that logo (and its cells after it) and not the other."""
    config = tiny_config(
        styles={"grim": {"text": "Grim", "font": str(METAL_FONT)}},
        contents={"word": {"text": "Quorix"}},
        image={"width": 128, "style_width": 96},
    )
    style, content = "results/styles/grim.png", "results/contents/word.png"

    def draw(config, *targets):
        configfile = write_config(tmp_path / "c.yaml", config)
        result = snakemake(tmp_path, None, *targets, "--configfile", str(configfile))  # targets first
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def widths():
        return [Image.open(tmp_path / path).width for path in (style, content)]

    draw(config, style, content)
    assert widths() == [96, 128]
    config["image"]["style_width"] = 112
    drawn = {j["rule"] for j in planned_jobs(draw(config, "-n", style, content))}
    assert drawn == {"draw_style"}
    draw(config, style, content)
    assert widths() == [112, 128]
    config["image"]["width"] = 144
    assert {j["rule"] for j in planned_jobs(draw(config, "-n", style, content))} == {"draw_content"}
    draw(config, style, content)
    assert widths() == [112, 144]
