"""The convergence study (steel.evaluate.convergence): FLOPs, the full-size loss, traces, the summary, the
workflow's settings and a dry run. Offline: random weights, tiny logos."""

from __future__ import annotations

import json

import pytest
import torch
import yaml
from workflow_helpers import REPO, planned_jobs, snakemake, tiny_config, write_config

from steel.errors import SteelError
from steel.evaluate import convergence
from steel.evaluate.convergence import GOAL_RATIO, FullSizeLoss, flops_at, step_flops, summarise
from steel.layers import parse_layer_spec
from steel.plan.schedules import REFERENCE, schedule_params
from steel.transfer.features import VGGFeatures
from steel.transfer.optimise import Settings, stylize

CELL = {"conv1_2": 20.0, "conv2_1": 200.0}


def test_step_flops_by_hand():
    # conv1_1 alone at 32 x 48: 3 -> 64 maps, 3 x 3 kernel, 2 FLOPs a multiply-add, forward + backward
    assert step_flops(32, 48, ["conv1_1"]) == 2 * (2 * 9 * 3 * 64 * 32 * 48)
    # relu1_1 is the same network depth as conv1_1; conv2_1 adds conv1_2 at full size and
    # 64 -> 128 after the first pooling (16 x 24)
    assert step_flops(32, 48, ["relu1_1"]) == step_flops(32, 48, ["conv1_1"])
    forward = 2 * 9 * (3 * 64 + 64 * 64) * 32 * 48 + 2 * 9 * 64 * 128 * 16 * 24
    assert step_flops(32, 48, ["conv2_1", "conv1_1"]) == 2 * forward
    # odd sizes are floored by each pooling: 33 x 49 -> 16 x 24 for block 2
    assert step_flops(33, 49, ["conv2_1"]) == 2 * (
        2 * 9 * (3 * 64 + 64 * 64) * 33 * 49 + 2 * 9 * 64 * 128 * 16 * 24
    )


def test_step_flops_agree_with_torch_flop_counter(random_weights):
    from torch.utils.flop_counter import FlopCounterMode

    layers = ["conv1_2", "conv3_1"]
    extractor = VGGFeatures(random_weights, layers)
    x = torch.rand(1, 3, 40, 56, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        features = extractor(x)
        sum(f.sum() for f in features.values()).backward()
    counts = {str(op): n for op, n in counter.get_flop_counts()["Global"].items()}
    assert counts["aten.convolution"] + counts["aten.convolution_backward"] == step_flops(40, 56, layers)
    # the weights are frozen: the backward is to the input only, as costly as the forward
    assert counts["aten.convolution_backward"] == counts["aten.convolution"]


def test_block_channels_are_vgg16s(random_weights):
    convs = [m for m in random_weights.features if isinstance(m, torch.nn.Conv2d)]
    blocks = [64] * 2 + [128] * 2 + [256] * 3 + [512] * 3 + [512] * 3
    assert [m.out_channels for m in convs] == blocks
    assert list(convergence.BLOCK_CHANNELS) == [*sorted(set(blocks), key=blocks.index), 512]


def test_coarse_steps_cost_less():
    layers = convergence.cell_layers(CELL, "conv4_2")
    full = step_flops(64, 96, layers)
    assert step_flops(16, 24, layers) < step_flops(32, 48, layers) < full
    assert step_flops(32, 48, layers) == pytest.approx(full / 4, rel=0.02)
    settings = Settings(iterations=5, scales=(0.5, 1.0), coarse_iterations=(10,))
    stages = convergence.run_stages(settings, 64, 96)
    assert [(st.height, st.width, st.iterations, st.first_step) for st in stages] == [
        (32, 48, 10, 0),
        (64, 96, 5, 10),
    ]
    assert flops_at(0, stages, layers) == 0
    assert flops_at(10, stages, layers) == 10 * step_flops(32, 48, layers)
    assert flops_at(12, stages, layers) == 10 * step_flops(32, 48, layers) + 2 * full
    assert flops_at(15, stages, layers) < 15 * full
    assert convergence.run_flops(settings, CELL, 64, 96) == flops_at(15, stages, layers)


def test_a_run_without_schedule_costs_its_steps_at_full_size():
    settings = Settings(iterations=7)
    assert convergence.run_flops(settings, CELL, 32, 48) == 7 * step_flops(
        32, 48, ["conv1_2", "conv2_1", "conv4_2"]
    )


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_one_network_evaluation_per_step(optimizer, random_weights, make_logo_tensor, monkeypatch):
    calls = []
    forward = VGGFeatures.forward

    def counted(self, images):
        calls.append(torch.is_grad_enabled() and images.requires_grad)
        return forward(self, images)

    monkeypatch.setattr(VGGFeatures, "forward", counted)
    style, content = make_logo_tensor(48, 32, 1), make_logo_tensor(48, 32, 2)
    stylize(
        random_weights,
        style,
        content,
        [CELL],
        settings=Settings(iterations=5, optimizer=optimizer, log_every=5),
    )
    # two targets and the final logged row without a gradient; one evaluation with it per step
    assert calls.count(True) == 5 * convergence.EVALUATIONS_PER_STEP[optimizer]


def test_full_size_loss_equals_the_optimisers_logged_loss(random_weights, make_logo_tensor):
    style, content = make_logo_tensor(60, 40, 1), make_logo_tensor(48, 32, 2)
    cells = [CELL, {"conv1_1": 2000.0, "conv3_1": 20.0}]
    settings = Settings(iterations=6, log_every=3)
    result = stylize(random_weights, style, content, cells, settings=settings)
    losses = FullSizeLoss(random_weights, style, content, cells, settings)(result.images)
    for i in range(len(cells)):
        final = result.logs[i][-1]
        assert final["iteration"] == 6
        for name in ("style", "content", "total"):
            assert losses[name][i] == pytest.approx(final[name], rel=1e-5)


def test_full_size_loss_refuses_images_of_another_size(random_weights, make_logo_tensor):
    style, content = make_logo_tensor(48, 32, 1), make_logo_tensor(48, 32, 2)
    evaluate = FullSizeLoss(random_weights, style, content, [CELL], Settings())
    with pytest.raises(SteelError, match="one full-size image per cell"):
        evaluate(torch.zeros(1, 3, 16, 24))


def test_trace_scores_every_snapshot(random_weights, make_logo_tensor):
    style, content = make_logo_tensor(48, 32, 1), make_logo_tensor(48, 32, 2)
    settings = Settings(iterations=4, log_every=2)
    rows = convergence.trace(random_weights, style, content, [CELL], settings, 2, "Word")
    assert [r["step"] for r in rows] == [0, 2, 4]
    assert list(rows[0]) == list(convergence.TRACE_COLUMNS)
    per_step = step_flops(32, 48, ["conv1_2", "conv2_1", "conv4_2"])
    assert [r["flops"] for r in rows] == [0, 2 * per_step, 4 * per_step]
    assert rows[0]["style_strength"] == 0.0  # the start is the content
    assert rows[-1]["style_loss"] < rows[0]["style_loss"]
    assert all(r["cer"] is not None and r["artefacts"] is not None for r in rows)
    assert rows[0]["settings"] == "adam lr 1 4 steps"
    # the optimisation's own wall time, measured once for the whole run
    assert len({r["run_seconds"] for r in rows}) == 1 and 0 < rows[0]["run_seconds"] < 600


def test_a_coarse_to_fine_trace_is_scored_at_full_size(random_weights, make_logo_tensor):
    style, content = make_logo_tensor(48, 32, 1), make_logo_tensor(48, 32, 2)
    settings = Settings(
        iterations=2, log_every=2, scales=(0.5, 1.0), coarse_iterations=(2,), lr_schedule="cosine"
    )
    rows = convergence.trace(random_weights, style, content, [CELL], settings, 1, schedule="c2f")
    layers = ["conv1_2", "conv2_1", "conv4_2"]
    coarse, full = step_flops(16, 24, layers), step_flops(32, 48, layers)
    assert [r["step"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["scale"] for r in rows] == [0.5, 0.5, 0.5, 1.0, 1.0]
    assert [r["flops"] for r in rows] == [0, coarse, 2 * coarse, 2 * coarse + full, 2 * coarse + 2 * full]
    assert rows[2]["style_loss"] < rows[0]["style_loss"]  # the coarse stage's image, scored at full size
    assert rows[0]["settings"] == "adam lr 1 cosine to 0 scales 0.5,1 x 2+2 steps"


def _row(schedule, step, flops, loss, strength, cer=0.0):
    return {
        "schedule": schedule,
        "cell": "c",
        "step": step,
        "flops": flops,
        "style_loss": loss,
        "style_strength": strength,
        "cer": cer,
        "artefacts": 0.1,
    }


def test_summary_finds_where_each_schedule_reaches_the_reference():
    rows = [
        _row(REFERENCE, 0, 0, 100.0, 0.0),
        _row(REFERENCE, 50, 500, 20.0, 0.25),
        _row(REFERENCE, 100, 1000, 10.0, 0.30),
        # reaches the loss at step 5 but not the strength (0.27 < 0.30 - 0.02); at 8 with a worse CER
        _row("fast", 5, 40, 9.0, 0.27),
        _row("fast", 8, 80, 8.0, 0.29, cer=0.2),
        _row("fast", 10, 100, 7.0, 0.40),
        _row("slow", 100, 1000, 11.0, 0.35),
    ]
    summary = {s["schedule"]: s for s in summarise(rows)}
    assert summary[REFERENCE]["goal_flops"] == 1000 and summary[REFERENCE]["ratio"] == 1.0
    assert summary["fast"]["goal_step"] == 10 and summary["fast"]["ratio"] == 0.1
    assert summary["fast"]["meets_goal"] is True
    assert summary["slow"]["goal_flops"] is None and summary["slow"]["meets_goal"] is False
    # loss and strength alone: at step 8, where the CER is worse
    assert summary["fast"]["look_ratio"] == 0.08 and summary["slow"]["look_ratio"] is None
    # the last snapshot within a tenth of the reference's FLOPs
    assert summary["fast"]["budget_step"] == 10 and summary["fast"]["budget_style_loss"] == 7.0
    assert summary[REFERENCE]["budget_step"] == 0 and summary["slow"]["budget_step"] is None
    page = convergence.summary_markdown(list(summary.values()), "pair")
    assert "| fast |" in page and "0.1" in page


def test_summary_covers_every_cell_whatever_the_order_of_the_rows():
    def row(cell, schedule, step, loss):
        return _row(schedule, step, 10 * step, loss, 0.3) | {
            "cell": cell,
            "settings": schedule,
            "run_seconds": 2.5,
        }

    rows = [
        row("a", REFERENCE, 100, 10.0),
        row("b", REFERENCE, 100, 10.0),
        row("a", "fast", 10, 9.0),
        row("b", "fast", 10, 9.0),
    ]
    summary = summarise(rows)
    assert [(s["cell"], s["schedule"]) for s in summary] == [
        ("a", REFERENCE),
        ("a", "fast"),
        ("b", REFERENCE),
        ("b", "fast"),
    ]
    assert all(s["settings"] == s["schedule"] and s["run_seconds"] == 2.5 for s in summary)
    assert [s["ratio"] for s in summary] == [1.0, 0.1, 1.0, 0.1]


def test_summary_needs_the_reference():
    with pytest.raises(SteelError, match="reference"):
        summarise([_row("fast", 1, 10, 1.0, 0.1)])


def _config(**study):
    config = tiny_config(convergence={"enabled": True} | study)
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    # what validation fills in
    for section in ("image", "optimizer", "loss", "execution"):
        for key, spec in schema["properties"][section]["properties"].items():
            config.setdefault(section, {}).setdefault(key, spec.get("default"))
    for key, spec in schema["properties"]["convergence"]["properties"].items():
        config["convergence"].setdefault(key, spec.get("default"))
    config.setdefault("seed", 0)
    return config, schema


def test_schedule_settings_are_params():
    config, schema = _config(schedules={"hot": {"optimizer": {"lr": 4}}})
    params = schedule_params(config, schema)
    assert list(params) == [REFERENCE, "hot"]
    assert params["hot"]["optimizer"]["lr"] == 4.0 and params[REFERENCE]["optimizer"]["lr"] == 1.0
    assert params["hot"]["optimizer"]["iterations"] == config["optimizer"]["iterations"]
    assert params[REFERENCE]["cells"] == ["conv1_1-2000__conv1_2-2000__conv4_1-200__conv4_2-200__conv4_3-200"]
    # the same values in other words are the same params; a real change is a new param
    same, _ = _config(schedules={"hot": {"optimizer": {"lr": 4.0}}}, cells=["conv4_3=200,conv1_2=2000"])
    other, _ = _config(schedules={"hot": {"optimizer": {"lr": 4.0}}}, cells=["conv1_2=2000,conv4_3=200.0"])
    # as text, as Snakemake compares params: 4 and 4.0 would differ there
    assert json.dumps(schedule_params(same, schema)) == json.dumps(schedule_params(other, schema))
    assert json.dumps(params["hot"]["optimizer"]) == json.dumps(
        schedule_params(same, schema)["hot"]["optimizer"]
    )
    moved, _ = _config(schedules={"hot": {"optimizer": {"lr": 5}}})
    changed = schedule_params(moved, schema)
    assert changed["hot"] != params["hot"] and changed[REFERENCE] == params[REFERENCE]
    config["convergence"]["every"] = 7
    assert schedule_params(config, schema)["hot"]["every"] == 7


@pytest.mark.parametrize(
    ("schedules", "words"),
    [
        ({"hot": {"image": {"width": 64}}}, "image.width"),
        ({"hot": {"optimizer": {"lr": -1}}}, "optimizer.lr"),
        ({"hot": {"optimizer": {"name": "sgd"}}}, "optimizer.name"),
        ({REFERENCE: {"optimizer": {"lr": 2}}}, "rename"),
        ({"../../../../../escaped": {}}, "convergence schedule name '../../../../../escaped' cannot be used"),
        ({".hidden": {}}, "convergence schedule name '.hidden' cannot be used in file paths"),
        ({"a\nb": {}}, r"convergence schedule name 'a\\nb' cannot be used"),
        ({"hot": {"optimizer": {"lr": float("nan")}}}, "lr must be a finite number"),
        ({"hot": {"image": {"scales": [0.5, 0.75]}}}, "scales must end at 1"),
        (
            {"hot": {"image": {"scales": [0.5, 1]}, "optimizer": {"coarse_iterations": [3, 3]}}},
            "coarse_iterations",
        ),
    ],
)
def test_bad_schedules_are_one_line(schedules, words):
    config, schema = _config(schedules=schedules)
    with pytest.raises(SteelError, match=words) as error:
        schedule_params(config, schema)
    assert "\n" not in str(error.value)


def test_a_study_of_no_cells_is_one_line():
    config, schema = _config(cells=[])
    with pytest.raises(SteelError, match=r"^convergence\.cells is empty; list at least one cell, e\.g\. "):
        schedule_params(config, schema)


def test_a_bad_cell_is_one_line():
    config, schema = _config(cells=["conv9_9=20"])
    with pytest.raises(SteelError, match="unknown layer"):
        schedule_params(config, schema)


@pytest.mark.workflow
def test_dry_run_plans_the_convergence_jobs(tmp_path):
    study = {"enabled": True, "every": 2, "schedules": {"hot": {"optimizer": {"lr": 4}}}}
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", tiny_config(convergence=study)), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    runs = {(j["style"], j["content"], j["schedule"]) for j in jobs if j["rule"] == "convergence_run"}
    assert runs == {(s, "quorix", k) for s in ("ironwrath", "vorthane") for k in (REFERENCE, "hot")}
    pairs = [j for j in jobs if j["rule"] == "convergence_pair"]
    assert sorted(p["output"][0] for p in pairs) == [
        f"results/convergence/{s}__quorix.png" for s in ("ironwrath", "vorthane")
    ]
    # off by default: nothing of it planned
    result = snakemake(tmp_path, write_config(tmp_path / "off.yaml", tiny_config()), "-n")
    assert result.returncode == 0
    assert not [j for j in planned_jobs(result) if j["rule"].startswith("convergence")]


def test_parse_layer_spec_is_the_cells_form():
    assert convergence.cell_layers(parse_layer_spec("conv4_3=200,conv1_2=2000"), "conv4_2") == [
        "conv1_2",
        "conv4_2",
        "conv4_3",
    ]


def test_the_summary_page_has_two_tables_per_cell_with_numbers_written_to_be_read():
    row = {
        "cell": "c1", "schedule": "fast", "settings": "lr 8", "steps": 12345, "flops": 1_500_000_000,
        "run_seconds": 12.345, "style_loss": 0.00123, "style_strength": 0.4, "cer": 0.0, "artefacts": None,
        "goal_step": 10, "goal_flops": 5e10, "ratio": 0.1, "meets_goal": True, "look_ratio": None,
        "budget_step": 20, "budget_style_loss": 10000.0, "budget_style_strength": 0.5, "budget_cer": 1,
        "budget_artefacts": 0.25,
    }  # fmt: skip
    other = row | {"cell": "c2", "schedule": "slow", "meets_goal": False, "settings": None}
    page = convergence.summary_markdown([row, other], "ironwrath on quorix")
    lines = page.splitlines()
    assert lines[0] == "# Convergence: ironwrath on quorix"
    assert [line for line in lines if line.startswith("## ")] == ["## c1", "## c2"]
    assert lines[1] == "" and lines[2].endswith(
        "Losses are evaluated at the full size; FLOPs count the convolutions forward and backward to "
        "the pixels."
    )
    c1 = lines[lines.index("## c1") : lines.index("## c2")]
    assert c1[2] == "At the end of each run:" and c1[8] == f"Against the {REFERENCE}'s final look:"
    # Markdown sees a heading, a paragraph or a table only after a blank line
    assert lines[lines.index("## c1") - 1] == c1[1] == c1[3] == c1[7] == c1[9] == ""
    ends, goals = c1[4:7], c1[10:13]
    assert ends == [
        "| schedule | settings | steps | FLOPs | s | style loss | style strength | CER | artefacts |",
        "|---|---|---|---|---|---|---|---|---|",
        "| fast | lr 8 | 12345 | 1.50e+09 | 12.3 | 1.23e-03 | 0.4 | 0 | - |",  # steps whole,
    ]
    assert goals[0] == (
        f"| schedule | goal at step | goal at FLOPs | ratio | <= {GOAL_RATIO:g} "
        f"| ratio, loss and strength only | step at {GOAL_RATIO:g} of the FLOPs | style loss there "
        "| style strength there | CER there | artefacts there |"
    )
    assert goals[2] == "| fast | 10 | 5.00e+10 | 0.1 | yes | - | 20 | 1.00e+04 | 0.5 | 1 | 0.25 |"
    assert "| slow |  | 12345 |" in page and "| slow | 10 | 5.00e+10 | 0.1 | no |" in page
    assert page.endswith("|\n")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (999_999, "999999"),
        (10**6, "1.00e+06"),
        (0.01, "0.01"),
        (0.00999, "9.99e-03"),
        (10_000.0, "1.00e+04"),
        (999.5, "1e+03"),
    ],
)
def test_summary_numbers_switch_to_powers_of_ten_beyond_a_million_steps_or_below_a_hundredth(value, written):
    # whole counts stay whole up to a million; other numbers below 0.01 or from 10,000 in powers of
    # ten with three digits (between 1,000 and 10,000 three significant digits already need them)
    assert convergence._number(value) == written


@pytest.mark.parametrize(
    ("size", "layers", "words"),
    [
        ((32, 48), [], "^no layers given; name the cell's style layers"),
        ((0, 48), ["conv1_1"], "^an image of 48x0"),
    ],
)
def test_flops_of_nothing_are_refused_in_words(size, layers, words):
    with pytest.raises(SteelError, match=words):
        step_flops(*size, layers)


def test_the_trace_and_pair_jobs_without_the_workflow(tmp_path, capsys):
    """Two schedules of a tiny study traced as the workflow's jobs run them, then the pair's plot,
    table and summary page."""
    from steel.jobs.convergence import pair_job, trace_job

    config, schema = _config(cells=["conv1_2=20"], every=2, schedules={"hot": {"optimizer": {"lr": 4}}})
    config["optimizer"] |= {"iterations": 4}
    config["image"] |= {"width": 128}
    params = schedule_params(config, schema)
    style, content = config["styles"]["ironwrath"], config["contents"]["quorix"]["image"]
    traces = {}
    for schedule in (REFERENCE, "hot"):
        traces[schedule] = tmp_path / "traces" / f"{schedule}.tsv"
        rows = trace_job(
            style, content, None, params[schedule], config["execution"], traces[schedule], schedule
        )
        assert [row["step"] for row in rows] == [0, 2, 4] and rows[-1]["cer"] is None  # no text: no OCR
        assert rows[-1]["cell"] == params[schedule]["cells"][0] == "conv1_2-20"
    printed = capsys.readouterr().out
    assert "convergence hot: quorix.png with ironwrath.png on cpu" in printed and "done: 3 rows" in printed
    out = tmp_path / "pair"
    summary = pair_job(traces, "ironwrath on quorix", out / "p.png", out / "p.tsv", out / "p.md")
    assert {row["schedule"] for row in summary} == {REFERENCE, "hot"}
    table = (out / "p.tsv").read_text(encoding="utf-8").splitlines()
    assert len(table) == 1 + 6 and "schedule" in table[0].split("\t")
    assert "ironwrath on quorix" in (out / "p.md").read_text(encoding="utf-8")
    assert (out / "p.png").stat().st_size > 0


def test_the_trace_job_reads_the_style_as_a_stylize_job_does(tmp_path, capsys):
    """A light-on-dark style is traced as its inverse (unless invert is false), at its own width
    when style_width is set; the job prints each logged step."""
    from PIL import Image, ImageOps

    from steel.jobs.convergence import trace_job

    config, schema = _config(cells=["conv1_2=20"], every=2)
    config["optimizer"] |= {"iterations": 2}
    config["image"] |= {"width": 128}
    style, content = config["styles"]["ironwrath"], config["contents"]["quorix"]["image"]
    dark = tmp_path / "dark.png"
    ImageOps.invert(Image.open(style).convert("RGB")).save(dark)

    def style_loss(path, **image):
        config["image"] |= {"invert": "auto", "style_width": None} | image
        params = schedule_params(config, schema)[REFERENCE]
        rows = trace_job(str(path), content, None, params, config["execution"], tmp_path / "t.tsv")
        return [row["style_loss"] for row in rows]

    plain = style_loss(style)
    assert "iteration       2  style" in capsys.readouterr().out
    assert style_loss(dark) == plain  # inverted back: the same numbers
    assert style_loss(dark, invert=False) != plain
    assert style_loss(style, style_width=256) != plain
    assert style_loss(style, style_width=128) == plain  # unset: the content's width
