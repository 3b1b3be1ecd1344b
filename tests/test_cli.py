"""`steel stylize` end to end (random weights, 48x32 logos, a few steps), bad input, atomic files, resume."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import torch
from hearing import hearing
from PIL import Image
from torchvision.models.vgg import cfgs, make_layers
from workflow_helpers import METAL_FONT

import steel.cells.stylize
import steel.io.outputs
import steel.transfer.losses
from steel.cli import main
from steel.io.logo_text import DEFAULT_FONT
from steel.io.outputs import StagedFiles, read_losses
from steel.layers import cell_id
from steel.plan.run_folder import MANIFEST
from steel.settings import RunOptions, Settings

#: block-1 layers only (content at conv1_2): the cheapest network, for tests about files
CHEAP = ["--content-layer", "conv1_2", "--layers", "conv1_1=20,relu1_2=2000"]


def base_args(logos, out: Path, *extra: str) -> list[str]:
    return [
        "stylize",
        "--style",
        str(logos["style"]),
        "--content",
        str(logos["content"]),
        "--out",
        str(out),
        "--weights",
        "random",
        "--width",
        "48",
        "--device",
        "cpu",
        "--quiet",
        *extra,
    ]


def steel_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run ``steel`` in this process; argparse's exits count as return codes."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(folder: Path) -> list[str]:
    """Every file (hidden ones included) under ``folder``, relative, sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_end_to_end(logos, tmp_path, capsys):
    out = tmp_path / "out"
    layers = "conv1_2=2000,conv3_3=200"
    code, stdout, stderr = steel_main(
        base_args(logos, out, "--layers", layers, "--iterations", "6", "--log-every", "1"), capsys
    )
    assert code == 0, stderr
    assert files_under(out) == [MANIFEST, "losses.tsv", "run.json", "stylized.png", "stylized_alpha.png"]
    assert str(out / "stylized.png") in stdout
    with Image.open(out / "stylized.png") as image:
        assert image.mode == "RGB" and image.size == (48, 32)
    losses = read_losses(out / "losses.tsv")
    assert list(losses) == ["iteration", "total", "content", "style", "tv", "conv1_2", "conv3_3"]
    assert list(losses["iteration"]) == list(range(7))
    assert losses["total"][-1] < losses["total"][0]
    np.testing.assert_allclose(losses["style"], losses["conv1_2"] + losses["conv3_3"], rtol=1e-4)
    record = json.loads((out / "run.json").read_text())
    assert record["cell"] == cell_id({"conv1_2": 2000, "conv3_3": 200})
    assert record["layers"] == {"conv1_2": 2000.0, "conv3_3": 200.0}
    settings = record["settings"]
    assert settings["iterations"] == 6 and settings["log_every"] == 1
    # the quick preset, the command's default: a hot Adam along a cosine
    assert settings["optimizer"] == "adam" and settings["lr"] == 8.0 and settings["init"] == "content"
    assert settings["lr_schedule"] == "cosine" and settings["lr_final"] == 0.1
    assert settings["seed"] == 0 and settings["content_layer"] == "conv4_2"
    assert settings["content_weight"] == 1.0 and settings["tv_weight"] == 0.001
    assert record["weights"] == {"spec": "random:0", "sha256": None, "convention": "torchvision"}
    assert record["device"] == "cpu" and record["batch_size"] == 1
    assert record["iterations_run"] == 6 and record["resumed_from"] == 0
    assert record["content"]["width"] == 48 and record["content"]["height"] == 32
    assert record["style"]["width"] == 48 and record["style"]["height"] == 32
    assert record["content"]["path"] == str(logos["content"])
    assert len(record["style"]["sha256"]) == 64
    assert record["seconds_per_iteration"] > 0 and record["wall_seconds"] > 0
    assert {"python", "steel", "torch", "torchvision"} <= set(record["versions"])


def test_two_cells_with_snapshots_and_gif(logos, tmp_path, capsys):
    out = tmp_path / "out"
    cells = ["conv1_1=20,relu1_2=2000", "conv1_2=200"]
    argv = base_args(
        logos,
        out,
        "--content-layer",
        "conv1_2",
        "--layers",
        cells[0],
        "--layers",
        cells[1],
        "--iterations",
        "4",
        "--snapshot-every",
        "2",
        "--gif",
    )
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    folders = [cell_id({"conv1_1": 20, "relu1_2": 2000}), cell_id({"conv1_2": 200})]
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, *folders])
    for folder in folders:
        assert files_under(out / folder) == [
            "losses.tsv",
            "optimisation.gif",
            "run.json",
            "snapshots/step000000.png",
            "snapshots/step000002.png",
            "snapshots/step000004.png",
            "stylized.png",
            "stylized_alpha.png",
        ]
        frames = iio.imread(out / folder / "optimisation.gif", index=None)
        assert frames.shape[:3] == (3, 32, 48)
        record = json.loads((out / folder / "run.json").read_text())
        assert record["batch_size"] == 2 and record["cell"] == folder
        final = np.asarray(Image.open(out / folder / "stylized.png"))
        assert (np.asarray(Image.open(out / folder / "snapshots/step000004.png")) == final).all()


def test_command_in_a_subprocess(logos, tmp_path):
    script = Path(sys.executable).with_name("steel")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "steel.cli"]
    out = tmp_path / "out"
    done = subprocess.run(
        [*command, *base_args(logos, out, *CHEAP, "--iterations", "3")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert files_under(out) == [MANIFEST, "losses.tsv", "run.json", "stylized.png", "stylized_alpha.png"]


def test_an_svg_that_crashed_the_renderer_is_one_line_and_leaves_no_files(logos, tmp_path):
    """About 250 nested groups overflowed resvg's stack: exit 139, no message, an empty --out."""
    deep = tmp_path / "deep.svg"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64">'
    deep.write_text(f'{svg}{"<g>" * 250}<rect width="96" height="64"/>{"</g>" * 250}</svg>')
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "steel", *base_args(logos | {"style": deep}, out, *CHEAP)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == (
        f"steel: error: SVG {deep} nests elements more than 100 deep (too deeply nested to draw); "
        "flatten its groups or export the logo as PNG\n"
    )
    assert files_under(out) == []


def test_help_explains_the_layers(capsys):
    code, stdout, _ = steel_main(["stylize", "--help"], capsys)
    assert code == 0
    for words in ("--style", "--content", "--layers", "before its ReLU", "--weights", "caffe:PATH", "50,000"):
        assert words in stdout


def test_the_top_level_help_names_the_command_and_what_it_does(capsys):
    code, stdout, _ = steel_main(["--help"], capsys)
    assert code == 0 and stdout.startswith("usage: steel [-h] [--version] COMMAND ...")
    assert re.search(r"^\s+stylize\s+stylize one content logo with one style logo$", stdout, re.M)


def test_the_top_level_help_says_what_the_tool_is_and_version_what_is_installed(capsys):
    from importlib.metadata import version

    _, stdout, _ = steel_main(["--help"], capsys)
    assert "\nNeural font style transfer for logos.\n" in stdout
    code, stdout, _ = steel_main(["--version"], capsys)
    # the installed distribution's version (pyproject's name, not the import name)
    assert code == 0 and stdout == f"steel {version('network-of-steel')}\n"


def test_a_command_and_a_style_are_required(logos, tmp_path, capsys):
    code, _, stderr = steel_main([], capsys)
    assert code == 2 and "the following arguments are required: COMMAND" in stderr
    argv = ["stylize", "--content", str(logos["content"]), "--out", str(tmp_path / "out")]
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2 and "no style: give --style FILE (a metal logo) or --style-text WORD" in stderr
    assert not (tmp_path / "out").exists()


def test_the_stylize_help_groups_the_logos_and_names_each_value(capsys):
    _, stdout, _ = steel_main(["stylize", "--help"], capsys)
    assert re.search(r"^logos:$", stdout, re.M)
    for option in ("--style-text WORD", "--content-layer LAYER", "--log-every N", "--scales S,...,1"):
        assert option in stdout, option


def test_each_logo_option_says_what_it_takes(capsys):
    _, stdout, _ = steel_main(["stylize", "--help"], capsys)
    said = {
        "--style STYLE": "style image (a metal logo): PNG, JPEG, WebP, BMP or SVG; repeat it (or "
        "--style-text) with --blend to blend several styles",
        "--content CONTENT": "content image (a plain logo): PNG, JPEG, WebP, BMP or SVG",
        "--style-text WORD": "draw this word in --style-font as the style (e.g. a band name); repeatable",
        "--content-text WORD": "draw this word in --font as the content (e.g. a company name)",
        "--font FONT": "font of --content-text, .ttf or .otf (none: the bundled Inter Bold)",
        "--style-font STYLE_FONT": "font of --style-text, .ttf or .otf (e.g. a metal font); one for "
        "every --style-text, or one each, in their order",
        "--blend WEIGHTS": "the weights of two or more styles, in the order given (e.g. 0.7,0.3: "
        "normalised to sum 1): each layer's Gram target is their weighted mean",
    }
    for flag, words in said.items():
        assert _option_help(stdout, flag) == f"{flag} {words}", flag


def test_without_an_output_folder_nothing_runs(logos, capsys):
    argv = ["stylize", "--style", str(logos["style"]), "--content", str(logos["content"])]
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2 and "the following arguments are required: -o/--out" in stderr


def test_ctrl_c_before_the_first_step_is_one_line(logos, tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while the weights load

    monkeypatch.setattr(steel.cells.stylize, "load_weights", interrupted)
    code, _, stderr = steel_main(base_args(logos, tmp_path / "out", *CHEAP), capsys)
    assert code == 130 and stderr == "steel: interrupted; no finished files were written\n"


def _option_help(help_text: str, flag: str) -> str:
    """The help of one option: its line and the indented lines under it."""
    block = re.search(rf"^  {re.escape(flag)}\b.*?(?=^  -|^\S|\Z)", help_text, re.M | re.S)
    return " ".join(block.group(0).split())


def test_help_shows_defaults_but_never_none_or_a_switchs_false(capsys):
    _, stdout, _ = steel_main(["stylize", "--help"], capsys)
    assert "(default: None)" not in stdout and "(default: False)" not in stdout
    assert "(default:" not in _option_help(stdout, "--style-weight")  # none: its help says what
    assert "(default:" not in _option_help(stdout, "--amp")  # a switch: off unless given
    assert _option_help(stdout, "--alpha, --no-alpha").endswith("(default: True)")  # on/off: says which
    assert _option_help(stdout, "--tv-weight").endswith("(default: 0.001)")


def test_without_layers_the_papers_best_cell_runs(logos, tmp_path, capsys):
    out = tmp_path / "best"
    code, _, stderr = steel_main(base_args(logos, out, "--iterations", "1"), capsys)
    assert code == 0, stderr
    layers = json.loads((out / "run.json").read_text())["layers"]
    assert layers == {"conv1_1": 2000, "conv1_2": 2000, "conv4_1": 200, "conv4_2": 200, "conv4_3": 200}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, make_logo_file, make_png_header_only) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "text.png").write_text("not an image")
    make_logo_file(folder / "flat.png", 96, 30, seed=3)  # 48x15 at --width 48
    torch.save({"encoder.weight": torch.zeros(2)}, folder / "keys.pth")
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in make_layers(cfgs["D"]).state_dict().items()}
    state = {k: torch.zeros(1).expand(shape) for k, shape in shapes.items()}
    state["0.weight"] = torch.zeros(1).expand(64, 1, 3, 3)  # a grey-scale first layer
    torch.save(state, folder / "shapes.pth")
    # a PNG header announcing 20000x20000 pixels (over Pillow's decompression-bomb limit)
    make_png_header_only(folder / "huge.png", 20_000, 20_000)
    return {
        "text": folder / "text.png",
        "flat": folder / "flat.png",
        "keys": folder / "keys.pth",
        "shapes": folder / "shapes.pth",
        "huge": folder / "huge.png",
        "missing": folder / "missing.png",
    }


BAD_INPUT = {
    "missing image": (["--style", "{missing}"], "does not exist"),
    "unreadable image": (["--content", "{text}"], "cannot read image"),
    "unknown layer": (["--layers", "conv1_2=20,conv9_9=200"], "unknown layer 'conv9_9'"),
    "negative coefficient": (["--layers", "conv1_2=-20"], "coefficients must be finite and >= 0"),
    "non-numeric coefficient": (["--layers", "conv1_2=lots"], "not a number"),
    "zero active layers": (["--layers", "conv1_2=0,conv4_3=0"], "no active style layer"),
    "layer without coefficient": (["--layers", "conv1_2"], "LAYER=COEFFICIENT"),
    "too small image": (["--content", "{flat}"], "at least 32 px"),
    "too large image": (["--width", "3000"], "over the limit of 4,000,000 pixels"),
    "huge image file": (["--style", "{huge}"], "huge.png"),
    "weights with wrong keys": (["--weights", "{keys}"], "not a VGG16 state dict"),
    "weights with wrong shapes": (["--weights", "caffe:{shapes}"], "0.weight has shape (64, 1, 3, 3)"),
    "missing weights file": (["--weights", "{missing}"], "does not exist"),
    "bad random seed": (["--weights", "random:x"], "random:SEED"),
    "absent cuda device": (["--device", "cuda:3"], "cuda:3"),
    "absent mps device": (["--device", "mps"], "MPS is not available"),
    "unknown device": (["--device", "tpu"], "unknown device 'tpu'"),
    "gif without snapshots": (["--gif"], "--snapshot-every"),
    "zero iterations": (["--iterations", "0"], "must be at least 1"),
    "negative learning rate": (["--lr", "-1"], "argument --lr: -1 must be above 0"),
    "unknown content layer": (["--content-layer", "conv9_1"], "invalid choice"),
    "unknown optimizer": (["--optimizer", "sgd"], "invalid choice"),
    "negative shape weight": (["--shape-weight", "-1"], "argument --shape-weight: -1 must be at least 0"),
    "non-numeric shape reach": (["--shape-reach", "far"], "not a number"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input(case, logos, bad_files, tmp_path, capsys):
    if case == "absent cuda device" and torch.cuda.device_count() > 3:
        pytest.skip("this machine has a cuda:3")
    extra, words = BAD_INPUT[case]
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "2") + [a.format(**bad_files) for a in extra]
    if "--style" in extra:  # in place of the logos' style: a second --style would be a blend
        del argv[1:3]
    code, stdout, stderr = steel_main(argv, capsys)
    assert code == 2
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("steel: error: "), stderr
    assert words in lines[-1]
    assert stdout == ""
    assert files_under(out) == []


def test_imagenet_weights_missing_offline(logos, tmp_path, capsys, monkeypatch, no_network):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    out = tmp_path / "out"
    code, _, stderr = steel_main(base_args(logos, out, *CHEAP, "--weights", "imagenet"), capsys)
    assert code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("steel: error: ")
    assert str(tmp_path / "torch" / "hub" / "checkpoints" / "vgg16-397923af.pth") in lines[0]
    assert files_under(out) == []


def _failing_second_image(monkeypatch):
    """Make writing the second cell's stylized.png fail, after other files were staged."""
    write_png, calls = steel.cells.stylize.write_png, []

    def write(image):
        calls.append(1)
        if len(calls) == 2:

            def fail(path: Path):
                path.write_bytes(b"half an image")
                raise OSError(28, "No space left on device")

            return fail
        return write_png(image)

    monkeypatch.setattr(steel.cells.stylize, "write_png", write)


def test_failure_while_writing_leaves_no_files(logos, tmp_path, monkeypatch):
    _failing_second_image(monkeypatch)
    out = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(OSError, match="No space left"):
        steel.cells.stylize.run(
            logos["style"],
            logos["content"],
            [{"conv1_1": 20}, {"conv1_2": 200}],
            out,
            RunOptions(
                settings=Settings(iterations=2, content_layer="conv1_2"),
                weights="random",
                device="cpu",
                width=48,
                progress=False,
            ),
        )
    assert files_under(tmp_path / "a") == [] and files_under(tmp_path / "b") == []


def test_nan_loss_leaves_no_files(logos, tmp_path, monkeypatch, capsys):
    tv_loss, calls = steel.transfer.losses.tv_loss, []

    def failing_tv(x):
        calls.append(1)
        return tv_loss(x) * (float("nan") if len(calls) > 3 else 1.0)

    monkeypatch.setattr(steel.transfer.losses, "tv_loss", failing_tv)
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "6", "--log-every", "1")
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2
    assert stderr.startswith("steel: error: the loss became nan at iteration 3")
    assert files_under(out) == []


def test_interrupted_run_resumes_from_its_checkpoint(logos, tmp_path, monkeypatch, capsys):
    extra = (*CHEAP, "--iterations", "4", "--log-every", "1", "--snapshot-every", "2")
    code, _, _ = steel_main(base_args(logos, tmp_path / "whole", *extra), capsys)
    assert code == 0

    def interrupt(event):
        if event.step == 3:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    resumable = base_args(logos, out, *extra, "--checkpoint-every", "2")
    run = steel.cells.stylize.run
    monkeypatch.setattr(steel.cells.stylize, "run", hearing(run, interrupt))
    code, _, stderr = steel_main(resumable, capsys)
    assert code == 130
    assert stderr.strip() == (
        f"steel: interrupted at step 3 of 4; the newest image is {out / 'interrupted.png'} "
        "(run.interrupted.json says so); no finished files were written"
    )
    # nothing that looks finished: the newest image and its record under names of their own
    # and the snapshots taken so far, on disk under a name no finished run has
    assert files_under(out) == [
        MANIFEST,
        "checkpoint.pt",
        "interrupted.png",
        "losses.interrupted.tsv",
        "run.interrupted.json",
        "snapshots.partial/step000000.pt",
        "snapshots.partial/step000002.pt",
    ]
    assert json.loads((out / "run.interrupted.json").read_text()) == {
        "cell": "conv1_1-20__relu1_2-2000",
        "interrupted": {"step": 3, "of": 4},
    }

    # no --layers: the one default cell, in the folder itself
    plain = tmp_path / "plain"
    code, _, stderr = steel_main(base_args(logos, plain, "--iterations", "4", "--log-every", "1"), capsys)
    assert code == 130 and f"the newest image is {plain / 'interrupted.png'} " in stderr
    # several cells: each folder has its own newest image, and the message says where
    cells = base_args(logos, tmp_path / "cells", *extra, "--layers", "conv1_1=20", "--layers", "conv1_1=200")
    code, _, stderr = steel_main(cells, capsys)
    assert code == 130 and f"the newest image is {tmp_path / 'cells' / '*' / 'interrupted.png'} " in stderr
    assert {p.parent.name for p in (tmp_path / "cells").glob("*/interrupted.png")} == {
        "conv1_1-20__relu1_2-2000",  # CHEAP's
        "conv1_1-20",
        "conv1_1-200",
    }

    monkeypatch.setattr(steel.cells.stylize, "run", run)
    code, _, stderr = steel_main(resumable, capsys)
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text())
    assert record["resumed_from"] == 2 and record["iterations_run"] == 2
    whole = tmp_path / "whole"
    assert files_under(out) == files_under(whole)  # the checkpoint is gone
    assert (out / "losses.tsv").read_text() == (whole / "losses.tsv").read_text()
    for name in ("stylized.png", "snapshots/step000002.png"):
        assert (np.asarray(Image.open(out / name)) == np.asarray(Image.open(whole / name))).all(), name


def test_checkpoint_of_other_settings_is_not_resumed(logos, tmp_path, monkeypatch, capsys):
    def interrupt(event):
        if event.step == 1:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    extra = (*CHEAP, "--iterations", "2", "--log-every", "1", "--checkpoint-every", "1")
    run = steel.cells.stylize.run
    monkeypatch.setattr(steel.cells.stylize, "run", hearing(run, interrupt))
    assert steel_main(base_args(logos, out, *extra), capsys)[0] == 130
    assert (out / "checkpoint.pt").is_file()
    monkeypatch.setattr(steel.cells.stylize, "run", run)
    code, _, stderr = steel_main(base_args(logos, out, *extra, "--lr", "0.5"), capsys)
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text())
    assert record["resumed_from"] == 0 and record["iterations_run"] == 2
    assert not (out / "checkpoint.pt").exists()


def test_the_same_cell_twice_is_refused_up_front(logos, tmp_path, capsys, monkeypatch):
    """conv1_2=20 and conv1_2=20.0 are one cell, one folder: refuse before any optimisation."""
    monkeypatch.setattr(
        steel.cells.stylize, "stylize", lambda *a, **k: pytest.fail("optimised a duplicate cell")
    )
    argv = base_args(logos, tmp_path / "out", "--layers", "conv1_2=20", "--layers", "conv1_2=20.0")
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2
    assert stderr == "steel: error: cell conv1_2-20 is given more than once; give each cell once\n"
    with pytest.raises(steel.cells.stylize.SteelError, match=r"^two cells share an output folder; give"):
        steel.cells.stylize.run(
            logos["style"],
            logos["content"],
            [{"conv1_1": 20}, {"conv1_2": 20}],
            [tmp_path / "x", tmp_path / "x"],
            RunOptions(weights="random", device="cpu", width=48),
        )
    assert files_under(tmp_path) == []


def test_two_stagings_of_one_path_in_one_process_do_not_collide(tmp_path):
    path = tmp_path / "run.json"
    first, second = StagedFiles(), StagedFiles()
    first.stage(path, lambda p: p.write_text("first"))
    second.stage(path, lambda p: p.write_text("second"))
    first.commit()
    assert path.read_text() == "first"
    second.commit()
    assert path.read_text() == "second"
    assert files_under(tmp_path) == ["run.json"]


def replace_failing_at(monkeypatch, call: int, failure: BaseException):
    """Make the ``call``-th rename of staged files raise ``failure``; returns the real rename."""
    replace, calls = os.replace, []

    def failing(source, target):
        calls.append(target)
        if len(calls) == call:
            raise failure
        replace(source, target)

    monkeypatch.setattr(steel.io.outputs.os, "replace", failing)
    return replace


@pytest.mark.parametrize("failure", [OSError("disk gone"), KeyboardInterrupt()], ids=["disk", "ctrl-c"])
def test_a_commit_failing_part_way_puts_the_old_set_back(tmp_path, monkeypatch, failure):
    """A set replaces the old one as a whole or not at all: an old image must never sit next to new
    logs, nor an old run lose its files to a new one that never arrived."""
    for name in ("losses.tsv", "stylized.png", "snapshots.gif"):
        (tmp_path / name).write_text(f"old {name}")
    replace = replace_failing_at(monkeypatch, 2, failure)
    staged = StagedFiles()
    staged.stage(tmp_path / "losses.tsv", lambda p: p.write_text("new"))
    staged.stage(tmp_path / "stylized.png", lambda p: p.write_text("new"))
    staged.remove(tmp_path / "snapshots.gif")
    with pytest.raises(type(failure)):
        staged.commit()
    assert files_under(tmp_path) == ["losses.tsv", "snapshots.gif", "stylized.png"]
    for name in files_under(tmp_path):
        assert (tmp_path / name).read_text() == f"old {name}"
    # and when it goes through, the files it removes are gone with the old ones it replaces
    monkeypatch.setattr(steel.io.outputs.os, "replace", replace)
    with StagedFiles() as staged:
        staged.stage(tmp_path / "stylized.png", lambda p: p.write_text("new"))
        staged.remove(tmp_path / "snapshots.gif")
        staged.remove(tmp_path / "never.there")
    assert files_under(tmp_path) == ["losses.tsv", "stylized.png"]
    assert (tmp_path / "stylized.png").read_text() == "new"


@pytest.mark.parametrize("eager", [False, True])
def test_run_json_records_how_the_steps_ran(logos, tmp_path, capsys, eager):
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "1", *(["--eager"] if eager else []))
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text())
    assert record["step_mode"] == "eager" and record["fast_path_fallback"] is None


def test_preset_time_estimates_per_cell_and_batched_jobs(logos, tmp_path, capsys):
    """benchmarks/preset_time.py on a tiny preset: job counts from plan_batches, times > 0."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "preset_time", Path(__file__).resolve().parents[1] / "benchmarks" / "preset_time.py"
    )
    preset_time = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(preset_time)
    preset = tmp_path / "tiny.yaml"
    preset.write_text(
        json.dumps(
            {
                "image": {"width": 48},
                "optimizer": {"iterations": 1000},
                "loss": {"content_layer": "conv1_2"},
                "styles": {"metal": str(logos["style"])},
                "contents": {"corp": {"image": str(logos["content"]), "text": "Corp"}},
                "sweeps": {
                    "t": {
                        "rows": {"layers": ["conv1_1"], "values": [0, 20]},
                        "cols": {"layers": ["relu1_2"], "values": [20, 200]},
                    }
                },
            }
        )
    )
    record = preset_time.estimate(
        [str(preset), "--device", "cpu", "--steps", "1", "--warmup", "0", "--cells-per-job", "3"]
    )
    assert record["cells"] == 4 and record["pairs"] == 1
    assert record["plans"]["1"]["jobs_per_pair"] == 4 and record["plans"]["3"]["jobs_per_pair"] == 2
    assert set(record["ms_per_step"]) == {"1xrelu1_2", "3xrelu1_2"}
    assert all(plan["seconds_total"] > 0 for plan in record["plans"].values())
    assert "cells per job" in capsys.readouterr().out


# --- your own logo: SVG files and words in a font --------------------------------------------

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="60">'
    '<rect x="15" y="15" width="60" height="30" fill="#102030"/></svg>'
)


def own_logo_args(out: Path, *extra: str) -> list[str]:
    common = ["--weights", "random", "--width", "48", "--device", "cpu", "--quiet", "--iterations", "2"]
    return ["stylize", "--out", str(out), *common, *CHEAP, *extra]


def test_svg_style_and_text_content(tmp_path, capsys):
    (tmp_path / "band.svg").write_text(SVG)
    out = tmp_path / "out"
    argv = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme")
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    assert files_under(out) == [
        MANIFEST,
        "content.png",
        "losses.tsv",
        "run.json",
        "stylized.png",
        "stylized_alpha.png",
    ]
    record = json.loads((out / "run.json").read_text())
    assert record["content"]["path"] == str(out / "content.png")
    assert record["style"]["width"] == 48 and record["style"]["height"] == 32  # SVG at the width
    with Image.open(out / "stylized.png") as stylized, Image.open(out / "content.png") as content:
        assert stylized.size == content.size and content.width == 48


def test_a_drawn_words_trace_is_read_against_that_word(tmp_path, capsys):
    (tmp_path / "band.svg").write_text(SVG)
    out = tmp_path / "out"
    argv = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme", "--svg")
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    assert {"stylized.svg", "vector.json", "vector_preview.png"} <= set(files_under(out))
    record = json.loads((out / "vector.json").read_text())
    assert 0 <= record["vector_cer"] <= 1  # None when the command forgets the word


def test_drawn_words_take_their_own_widths(tmp_path, capsys, logos):
    out = tmp_path / "out"
    argv = own_logo_args(out, "--style", str(logos["style"]), "--content-text", "Acme")
    code, _, stderr = steel_main([*argv, "--width", "96", "--style-width", "64"], capsys)
    assert code == 0, stderr
    with Image.open(out / "content.png") as content:
        assert content.width == 96  # --style-width is the style's alone
    assert json.loads((out / "run.json").read_text())["style"]["width"] == 64


def test_an_explicit_zero_beats_the_presets_value(capsys, logos, tmp_path):
    from steel.cli import build_parser, resolve_presets, settings_from_args

    args = resolve_presets(build_parser().parse_args(base_args(logos, tmp_path, "--lr-final", "0")))
    assert settings_from_args(args).lr_final == 0.0  # the quick preset's is 0.1
    args = resolve_presets(build_parser().parse_args(base_args(logos, tmp_path)))
    assert settings_from_args(args).lr_final == 0.1


def test_every_flag_whose_help_says_0_means_none_takes_0(logos, tmp_path, capsys):
    from steel.settings import SETTINGS

    zeros = [s.flag for s in SETTINGS if s.flag and "(0: none)" in s.help]
    assert zeros == ["--snapshot-every", "--checkpoint-every"]
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "2", *(a for f in zeros for a in (f, "0")))
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    assert "snapshots" not in files_under(out) and not (out / "checkpoint.pt").exists()
    for flag in zeros:
        code, _, stderr = steel_main(base_args(logos, out, flag, "-1"), capsys)
        assert code == 2 and f"argument {flag}: -1 must be at least 0" in stderr


def test_text_style_in_a_metal_font_and_svg_content(tmp_path, capsys):
    (tmp_path / "corp.svg").write_text(SVG)
    out = tmp_path / "out"
    argv = own_logo_args(
        out,
        "--style-text",
        "Vorthane",
        "--style-font",
        str(METAL_FONT),
        "--content",
        str(tmp_path / "corp.svg"),
    )
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    assert "style.png" in files_under(out) and "content.png" not in files_under(out)


OWN_LOGO_MISTAKES = {
    "empty text": (["--style", "{svg}", "--content-text", " "], "text is empty"),
    "missing font": (["--style", "{svg}", "--content-text", "Acme", "--font", "{missing}"], "does not exist"),
    "malformed svg": (["--style", "{bad}", "--content-text", "Acme"], "cannot read SVG"),
    "style text without font": (["--style-text", "Band", "--content", "{svg}"], "needs --style-font"),
    "font without text": (["--style", "{svg}", "--content", "{svg}", "--font", "{svg}"], "--content-text"),
    "neither content": (["--style", "{svg}"], "--content-text"),
}


@pytest.mark.parametrize("case", list(OWN_LOGO_MISTAKES))
def test_own_logo_mistakes_are_one_line_and_leave_no_files(case, tmp_path, capsys):
    (tmp_path / "ok.svg").write_text(SVG)
    (tmp_path / "bad.svg").write_text("<svg><g></svg")
    names = {"svg": tmp_path / "ok.svg", "bad": tmp_path / "bad.svg", "missing": tmp_path / "none.ttf"}
    extra, words = OWN_LOGO_MISTAKES[case]
    out = tmp_path / "out"
    code, stdout, stderr = steel_main(own_logo_args(out, *[a.format(**names) for a in extra]), capsys)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert words in stderr.strip().splitlines()[-1]
    assert files_under(out) == []


def test_an_svg_logo_never_pulls_in_a_file_of_the_machine(tmp_path, capsys, monkeypatch):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (30, 30), (13, 200, 77)).save(secret)
    monkeypatch.chdir(tmp_path)
    for href in ("secret.png", str(secret), "./secret.png"):
        (tmp_path / "band.svg").write_text(
            SVG.replace("</svg>", f'<image width="30" height="30" href="{href}"/></svg>')
        )
        out = tmp_path / "out"
        argv = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme")
        code, stdout, stderr = steel_main(argv, capsys)
        assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1
        assert repr(href) in stderr and "data: URIs" in stderr
        assert not out.exists()  # the folder it made for the drawn word is gone again


# --- the output folder ----------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, a folder nobody can write")
@pytest.mark.parametrize("out", ["/proc", "/proc/steel-out/sub", "{file}", "{file}/sub"])
def test_an_unwritable_out_is_one_line_before_the_first_step(logos, tmp_path, capsys, monkeypatch, out):
    (tmp_path / "file").write_text("mine")
    out = out.format(file=tmp_path / "file")
    # a run that reached the optimiser would fail the test here, not after 50,000 steps
    monkeypatch.setattr(steel.cells.stylize, "stylize", lambda *a, **k: pytest.fail("the optimiser ran"))
    code, stdout, stderr = steel_main(base_args(logos, Path(out), *CHEAP), capsys)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    line = stderr.strip()
    assert "\n" not in line and line.startswith("steel: error: ") and "--out" in line
    assert (tmp_path / "file").read_text() == "mine"


def test_a_full_disk_is_one_line_and_leaves_nothing(logos, tmp_path, capsys, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    out = tmp_path / "new" / "out"
    code, stdout, stderr = steel_main(base_args(logos, out, *CHEAP, "--iterations", "2"), capsys)
    assert code == 2 and stdout == ""
    assert stderr.strip() == (
        f"steel: error: cannot write the results to {out} (No space left on device); "
        "free some space or choose another --out"
    )
    assert not (tmp_path / "new").exists()  # the folders the run made are removed again


def test_a_users_file_in_out_is_never_overwritten_by_a_drawn_word(tmp_path, capsys):
    (tmp_path / "band.svg").write_text(SVG)
    out = tmp_path / "ow"
    out.mkdir()
    (out / "content.png").write_bytes(b"the user's own picture")
    argv = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme")
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2 and stderr == (
        f"steel: error: {out / 'content.png'} is in --out but was not written by steel (it may be "
        "yours), and a run writes that name; choose another --out, or move it away\n"
    )
    assert (out / "content.png").read_bytes() == b"the user's own picture"
    assert files_under(out) == ["content.png"]
    # the command's own drawing is redrawn by a rerun, of the same word or of another
    (out / "content.png").unlink()
    assert steel_main(argv, capsys)[0] == 0
    drawn = (out / "content.png").read_bytes()
    assert steel_main(argv, capsys)[0] == 0 and (out / "content.png").read_bytes() == drawn
    assert steel_main([*argv[:-1], "Zeta"], capsys)[0] == 0 and (out / "content.png").read_bytes() != drawn
    record = json.loads((out / "run.json").read_text())
    assert record["content"]["path"] == str(out / "content.png")
    assert record["content"]["sha256"] == hashlib.sha256((out / "content.png").read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--scales", "nan,1", "argument --scales: nan must be a finite number"),
        ("--lr", "inf", "argument --lr: inf must be a finite number"),
        ("--seed", "99999999999999999999999", "99999999999999999999999 must be at most 18446744073709551615"),
        ("--content-text", "Acme\nCorp", None),
    ],
)
def test_numbers_that_are_not_numbers_are_one_line(tmp_path, capsys, flag, value, words):
    (tmp_path / "band.svg").write_text(SVG)
    extra = [] if flag == "--content-text" else ["--content-text", "Acme"]
    argv = own_logo_args(tmp_path / "out", "--style", str(tmp_path / "band.svg"), *extra, flag, value)
    code, _, stderr = steel_main(argv, capsys)
    if words is None:  # a line break: a two-line logo
        assert code == 0, stderr
        return
    assert code == 2 and stderr.strip().splitlines() == [
        f"steel: error: {stderr.split('error: ', 1)[1].strip()}"
    ]
    assert words in stderr


# --- light glyphs on a dark ground -------------------------------------------------------------


def _white_on_black(path: Path) -> Path:
    array = np.zeros((32, 48, 3), dtype=np.uint8)
    array[10:22, 8:40] = 255
    Image.fromarray(array).save(path)
    return path


@pytest.mark.parametrize(("setting", "inverted"), [("auto", True), ("false", False)])
def test_white_on_black_comes_back_white_on_black(logos, tmp_path, capsys, setting, inverted):
    content = _white_on_black(tmp_path / "dark.png")
    out = tmp_path / "out"
    argv = own_logo_args(out, "--style", str(logos["style"]), "--content", str(content), "--invert", setting)
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text())
    assert record["invert"]["setting"] == ("auto" if setting == "auto" else False)
    assert record["invert"]["content"] is inverted
    with Image.open(out / "stylized.png") as image:
        pixels = np.asarray(image.convert("L"), dtype=int)
    # the user's colour scheme: dark border, light glyphs (2 steps barely move the pixels)
    assert np.median(np.concatenate([pixels[0], pixels[-1]])) < 60
    assert pixels[12:20, 12:36].mean() > 180


def test_bad_invert_value_is_refused(logos, tmp_path, capsys):
    code, _, stderr = steel_main(base_args(logos, tmp_path / "out", "--invert", "maybe"), capsys)
    assert code == 2 and "invalid choice" in stderr


# ---- logo-aware options: --grey, --shape-weight, --alpha -----------------------------------------


def test_grey_shape_term_and_alpha_end_to_end(logos, tmp_path, capsys):
    out = tmp_path / "out"
    argv = base_args(
        logos, out, *CHEAP, "--iterations", "3", "--log-every", "1", "--grey", "--shape-weight", "1"
    )
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    with Image.open(out / "stylized.png") as image:
        rgb = np.asarray(image)
    assert image.mode == "RGB" and (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
    with Image.open(out / "stylized_alpha.png") as image:
        assert image.mode == "RGBA" and image.size == (48, 32)
    losses = read_losses(out / "losses.tsv")
    assert list(losses)[:6] == ["iteration", "total", "content", "style", "tv", "shape"]
    settings = json.loads((out / "run.json").read_text())["settings"]
    assert (settings["colour"], settings["shape_weight"], settings["shape_reach"]) == ("grey", 1.0, 8.0)


def test_no_alpha_writes_no_transparent_image(logos, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, stderr = steel_main(base_args(logos, out, *CHEAP, "--iterations", "2", "--no-alpha"), capsys)
    assert code == 0, stderr
    assert files_under(out) == [MANIFEST, "losses.tsv", "run.json", "stylized.png"]


# ---- schedules: --scales, --coarse-iterations, --lr-schedule, --lr-final --------------------------


def test_coarse_to_fine_with_a_cosine_schedule_end_to_end(logos, tmp_path, capsys):
    out = tmp_path / "out"
    argv = base_args(
        logos, out, *CHEAP, "--iterations", "2", "--log-every", "1", "--scales", "0.5,1",
        "--coarse-iterations", "3", "--lr-schedule", "cosine", "--lr", "4", "--lr-final", "0.5",
    )  # fmt: skip
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    with Image.open(out / "stylized.png") as image:
        assert image.size == (48, 32)
    losses = read_losses(out / "losses.tsv")
    assert list(losses["iteration"]) == [0, 1, 2, 3, 4, 5] and list(losses["scale"]) == [0.5] * 3 + [1.0] * 3
    record = json.loads((out / "run.json").read_text())
    settings = record["settings"]
    assert (settings["scales"], settings["coarse_iterations"]) == ([0.5, 1.0], [3])
    assert (settings["lr_schedule"], settings["lr"], settings["lr_final"]) == ("cosine", 4.0, 0.5)
    assert record["iterations_run"] == 5


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--scales", "0.5"], "scales must end at 1"),
        (["--scales", "1,0.5,1"], "scales must increase"),
        (
            ["--scales", "0.5,1", "--coarse-iterations", "0"],
            "argument --coarse-iterations: 0 must be at least 1",
        ),
        (["--scales", "half,1"], "is not a comma-separated list of numbers"),
        (["--lr-schedule", "step"], "invalid choice"),
    ],
)
def test_bad_schedules_are_one_line_errors(logos, tmp_path, capsys, flags, words):
    code, _, stderr = steel_main(base_args(logos, tmp_path / "out", *CHEAP, *flags), capsys)
    assert code == 2 and words in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ,
    reason="under mutmut the child process runs instrumented code that a SIGINT can miss, and "
    "mutmut cannot see mutants in a child process anyway",
)
def test_ctrl_c_keeps_the_newest_image_under_a_name_no_finished_run_has(logos, tmp_path):
    import signal
    import time

    out = tmp_path / "out"
    command = [sys.executable, "-m", "steel", *base_args(logos, out, *CHEAP, "--iterations", "100000")]
    process = subprocess.Popen([*command, "--checkpoint-every", "1"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # the optimisation has begun once the first checkpoint is written
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert (
        "steel: interrupted at step" in stderr and "interrupted.png" in stderr and "Traceback" not in stderr
    )
    assert not (out / "stylized.png").exists() and not (out / "run.json").exists()
    record = json.loads((out / "run.interrupted.json").read_text())
    step = record["interrupted"]["step"]
    assert 1 <= step < 100_000 and record["interrupted"]["of"] == 100_000
    with Image.open(out / "interrupted.png") as image:
        assert image.size == (48, 32)
    assert (out / "checkpoint.pt").is_file()  # a rerun resumes from it


def test_an_interrupted_run_in_the_library_raises_with_its_images(random_weights, make_logo_tensor, tmp_path):
    from steel.errors import Interrupted
    from steel.settings import Settings
    from steel.transfer.optimise import stylize

    def stop(event):
        if event.step == 3:
            raise KeyboardInterrupt

    settings = Settings(iterations=50, log_every=1, content_layer="conv1_2")
    content = make_logo_tensor(48, 32, seed=2)
    with pytest.raises(Interrupted) as stopped:
        stylize(
            random_weights,
            make_logo_tensor(48, 32, seed=1),
            content,
            [{"conv1_1": 20.0}],
            settings=settings,
            on_log=stop,
        )
    assert (stopped.value.step, stopped.value.total) == (3, 50)
    assert stopped.value.images.shape == content.shape and len(stopped.value.logs[0]) == 4


def test_lbfgs_under_the_quick_preset_is_refused_unless_it_sets_its_own_schedule(logos, tmp_path, capsys):
    """The quick preset's hot Adam cosine (lr 8) wrecks L-BFGS (the loss turned NaN by step 40 on the
    demo's pair): refused in one line naming the flags, before any folder is made; explicit flags
    win, and the paper preset's schedule is L-BFGS's own."""
    from steel.cli import build_parser, resolve_presets, settings_from_args

    out = tmp_path / "out"
    code, stdout, stderr = steel_main(base_args(logos, out, "--optimizer", "lbfgs", "--lr", "1"), capsys)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith(
        "steel: error: the quick preset's schedule (lr 8.0, cosine)"
    )
    assert "set both --lr and --lr-schedule (e.g. --lr 1 --lr-schedule constant" in stderr
    assert not out.exists()

    def settings(*extra):
        args = resolve_presets(build_parser().parse_args(base_args(logos, tmp_path, *extra)))
        return settings_from_args(args)

    adam = settings()
    assert (adam.lr, adam.lr_schedule, adam.lr_final) == (8.0, "cosine", 0.1)
    mine = settings("--optimizer", "lbfgs", "--lr", "0.5", "--lr-schedule", "constant")
    assert (mine.lr, mine.lr_schedule, mine.iterations) == (0.5, "constant", adam.iterations)
    paper = settings("--optimizer", "lbfgs", "--preset", "paper")
    assert (paper.lr, paper.lr_schedule, paper.iterations) == (1.0, "constant", 50_000)


# --- blended styles ---------------------------------------------------------------------------


def blend_args(logos, out: Path, *extra: str) -> list[str]:
    """The base run with a second style, ``logos["content"]`` drawn through the style's colours."""
    return base_args(logos, out, "--style", str(logos["content"]), *CHEAP, "--iterations", "2", *extra)


BLEND_MISTAKES = {
    "no blend": ([], "2 styles but no --blend; give their weights in order, e.g. --blend 1,1"),
    "count": (["--blend", "1"], "--blend has 1 weight(s) for 2 styles"),
    "negative": (["--blend", "1,-0.5"], "--blend has the negative weight -0.5"),
    "all zero": (["--blend", "0,0"], "--blend has only zero weights"),
    "not numbers": (["--blend", "a,b"], "argument --blend: 'a,b' is not numbers separated by commas"),
    "infinite": (["--blend", "1,inf"], "--blend has the weight inf"),
}


@pytest.mark.parametrize("case", list(BLEND_MISTAKES))
def test_blend_mistakes_are_one_line_and_leave_no_files(case, logos, tmp_path, capsys):
    extra, words = BLEND_MISTAKES[case]
    out = tmp_path / "out"
    code, stdout, stderr = steel_main(blend_args(logos, out, *extra), capsys)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert words in stderr.strip().splitlines()[-1]
    assert files_under(out) == []


def test_one_style_refuses_a_blend(logos, tmp_path, capsys):
    code, _, stderr = steel_main(base_args(logos, tmp_path / "out", "--blend", "1,1"), capsys)
    assert code == 2 and "--blend weighs two styles or more; give a second --style" in stderr


def test_a_blend_at_one_and_zero_is_the_first_style_and_records_both(logos, tmp_path, capsys):
    plain, blended = tmp_path / "plain", tmp_path / "blend"
    code, _, stderr = steel_main(base_args(logos, plain, *CHEAP, "--iterations", "2"), capsys)
    assert code == 0, stderr
    code, _, stderr = steel_main(blend_args(logos, blended, "--blend", "3,0"), capsys)
    assert code == 0, stderr
    assert (plain / "stylized.png").read_bytes() == (blended / "stylized.png").read_bytes()
    record = json.loads((blended / "run.json").read_text())
    assert [(m["path"], m["weight"]) for m in record["style"]["blend"]] == [
        (str(logos["style"]), 1.0),
        (str(logos["content"]), 0.0),
    ]
    # one style keeps today's record: a file's, no blend
    assert set(json.loads((plain / "run.json").read_text())["style"]) == {"path", "sha256", "width", "height"}


def test_drawn_styles_of_a_blend_are_kept_by_their_place_with_a_font_each(logos, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        *base_args(logos, out, *CHEAP, "--iterations", "1", "--width", "96"),
        *("--style-text", "Grim", "--style-font", str(METAL_FONT)),
        *("--style-text", "Acme", "--style-font", str(DEFAULT_FONT)),
        *("--blend", "1,1,2"),
    ]
    code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    assert {"style-2.png", "style-3.png"} <= set(files_under(out)) and "style.png" not in files_under(out)
    members = json.loads((out / "run.json").read_text())["style"]["blend"]
    assert [m["weight"] for m in members] == [0.25, 0.25, 0.5]
    assert [Path(m["path"]).name for m in members[1:]] == ["style-2.png", "style-3.png"]
    # two words need one font for both or one each
    argv[argv.index(str(DEFAULT_FONT)) - 1 : argv.index(str(DEFAULT_FONT)) + 1] = []
    argv += ["--style-font", str(METAL_FONT), "--style-font", str(METAL_FONT)]
    code, _, stderr = steel_main(argv, capsys)
    assert code == 2 and "2 --style-text but 3 --style-font" in stderr


# --- masked styles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--style-mask", "auto", "--style-mask", "alpha"], "1 --style file(s) but 2 --style-mask"),
        (["--style-mask", "{missing}"], "the mask {missing} of style"),
    ],
    ids=["count", "missing"],
)
def test_style_mask_mistakes_are_one_line_and_leave_no_files(extra, words, logos, tmp_path, capsys):
    out, missing = tmp_path / "out", str(tmp_path / "none.png")
    argv = base_args(logos, out, *CHEAP, "--iterations", "1") + [a.format(missing=missing) for a in extra]
    code, stdout, stderr = steel_main(argv, capsys)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert words.format(missing=missing) in stderr.strip().splitlines()[-1]
    assert files_under(out) == []


def test_a_style_mask_needs_a_style_file(tmp_path, capsys):
    argv = own_logo_args(
        tmp_path / "out", "--style-text", "Grim", "--style-font", str(METAL_FONT), "--content-text", "Acme"
    )
    code, _, stderr = steel_main([*argv, "--style-mask", "auto"], capsys)
    assert code == 2 and "--style-mask masks a --style file (a logo on a cover); give --style FILE" in stderr


def test_a_style_mask_from_alpha_is_recorded(logos, tmp_path, capsys):
    rgba = np.asarray(Image.open(logos["style"]).convert("RGBA")).copy()
    rgba[..., 3] = np.where(rgba[..., :3].mean(2) < 128, 255, 0)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    argv = base_args(logos, tmp_path / "out", *CHEAP, "--iterations", "1")
    argv[argv.index(str(logos["style"]))] = str(tmp_path / "logo.png")
    code, _, stderr = steel_main([*argv, "--style-mask", "alpha"], capsys)
    assert code == 0, stderr
    mask = json.loads((tmp_path / "out" / "run.json").read_text())["style"]["mask"]
    assert mask["source"] == "alpha" and 0 < mask["share"] < 1
