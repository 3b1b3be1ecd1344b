"""Blended styles in the workflow, for real (random weights, 128-px logos, a few steps): every mistake
refused in one line when Snakemake plans; a blend at 1/0 gives its first member's images byte for
byte; adding a blend or changing its weights reruns that blend's cells and nothing else."""

from __future__ import annotations

import copy
import json

import pytest
from PIL import Image
from workflow_helpers import CONTENTS, STYLES, planned_jobs, snakemake, write_config

from steel.plan import run_folder

pytestmark = pytest.mark.workflow

CELLS = ("conv3_3-20", "conv3_3-200")


def config(**styles) -> dict:
    return {
        "weights": "random",
        "image": {"width": 128},
        "optimizer": {"iterations": 2, "log_every": 1},
        "execution": {"checkpoint_every": 0, "device": "cpu"},
        "styles": {
            "ironwrath": str(STYLES / "ironwrath.png"),
            "vorthane": str(STYLES / "vorthane.png"),
            **styles,
        },
        "contents": {"quorix": {"image": str(CONTENTS / "quorix.png"), "text": "Quorix"}},
        "sweeps": {"tiny": {"cols": {"layers": ["conv3_3"], "values": [20, 200]}}},
    }


def stylize_jobs(result) -> list[tuple[str, str, str]]:
    """(rule, style, cell) of every stylize job a dry run plans."""
    assert result.returncode == 0, result.stderr[-3000:]
    return sorted(
        (job["rule"], job["style"], job["cell"])
        for job in planned_jobs(result)
        if job["rule"].startswith("stylize")
    )


@pytest.mark.parametrize(
    ("styles", "message"),
    [
        ({"mix": {"blend": {"ironwrath": 1}}}, "style mix's blend has 1 member(s); a blend mixes two styles"),
        (
            {"mix": {"blend": {"ironwrath": 1, "grimhollow": 1}}},
            "style mix's blend names 'grimhollow', which is no style",
        ),
        (
            {"mix": {"blend": {"ironwrath": 1, "vorthane": 1}}, "mix2": {"blend": {"mix": 1, "vorthane": 1}}},
            "style mix2's blend names 'mix', itself a blend",
        ),
        (
            {"mix": {"blend": {"ironwrath": 1, "vorthane": -0.5}}},
            "style mix's blend has the negative weight -0.5",
        ),
        ({"mix": {"blend": {"ironwrath": 0, "vorthane": 0}}}, "style mix's blend has only zero weights"),
        ({"mix": {"blend": {"ironwrath": 1, "vorthane": "a"}}}, "style mix's blend has the weight 'a'"),
    ],
    ids=["one-member", "unknown-member", "blend-of-blends", "negative", "all-zero", "not-a-number"],
)
def test_blend_mistakes_are_refused_when_planning(tmp_path, styles, message):
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config(**styles)), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in output
    assert "Traceback" not in output


def test_a_content_cannot_be_a_blend(tmp_path):
    mistaken = config()
    mistaken["contents"]["mix"] = {"blend": {"quorix": 1, "other": 1}}
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", mistaken), "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    # the schema's own message: a content's entry is a logo, which has no blend
    assert "is not valid under any of the given schemas" in output
    assert "On instance['contents']['mix']" in output


def test_msgnet_skips_a_blend_in_one_line(tmp_path):
    with_msgnet = config(mix={"blend": {"ironwrath": 1, "vorthane": 1}})
    with_msgnet["msgnet"] = {"enabled": True, "steps": 2, "width": 64, "batch_size": 2}
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", with_msgnet), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "msgnet: the blends and masked styles mix get no MSG-Net cell" in result.stderr
    msgnet = {job["style"] for job in planned_jobs(result) if job["rule"] == "stylize_msgnet"}
    assert msgnet == {"ironwrath", "vorthane"}


def test_a_blend_reruns_only_its_own_cells_and_at_one_and_zero_is_its_first_style(tmp_path):
    plain = write_config(tmp_path / "plain.yaml", config())
    assert snakemake(tmp_path, plain).returncode == 0

    # adding a blend plans its cells alone: the plain styles' params are as they were
    ends = config(mix={"blend": {"ironwrath": 1, "vorthane": 0}})
    blended = write_config(tmp_path / "blend.yaml", ends)
    assert stylize_jobs(snakemake(tmp_path, blended, "-n")) == [("stylize_own", "mix", c) for c in CELLS]
    result = snakemake(tmp_path, blended)
    assert result.returncode == 0, result.stderr[-5000:]
    runs = tmp_path / "results" / "runs"
    for cell in CELLS:
        mixed = (runs / "mix" / "quorix" / cell / run_folder.STYLIZED).read_bytes()
        assert mixed == (runs / "ironwrath" / "quorix" / cell / run_folder.STYLIZED).read_bytes()
        record = json.loads((runs / "mix" / "quorix" / cell / run_folder.RECORD).read_text())
        assert [member["weight"] for member in record["style"]["blend"]] == [1.0, 0.0]
    # the blend's sheet shows both members side by side, wider than one
    with (
        Image.open(tmp_path / "results/sheets/tiny/mix__quorix.png") as mix,
        Image.open(tmp_path / "results/sheets/tiny/ironwrath__quorix.png") as single,
    ):
        assert mix.width > single.width
    assert stylize_jobs(snakemake(tmp_path, blended, "-n")) == []

    # a new weight reruns the blend's cells, and only theirs
    halves = copy.deepcopy(ends)
    halves["styles"]["mix"]["blend"] = {"ironwrath": 1, "vorthane": 1}
    rerun = snakemake(tmp_path, write_config(tmp_path / "halves.yaml", halves), "-n")
    assert stylize_jobs(rerun) == [("stylize_own", "mix", c) for c in CELLS]
    # a replaced member reruns the blends it is in (and its own cells)
    (tmp_path / "vorthane.png").write_bytes((STYLES / "vorthane.png").read_bytes())
    moved = copy.deepcopy(halves)
    moved["styles"]["vorthane"] = str(tmp_path / "vorthane.png")
    planned = stylize_jobs(snakemake(tmp_path, write_config(tmp_path / "moved.yaml", moved), "-n"))
    assert {style for _, style, _ in planned} == {"mix", "vorthane"}
