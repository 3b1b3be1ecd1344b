"""Styles on album covers in the workflow, for real (random weights, 128-px logos, a few steps): a
masked style's cells get their mask in their params and its file as an input, so that adding one
or changing its mask reruns its cells alone; a missing mask file is one line when Snakemake plans."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from PIL import Image
from workflow_helpers import CONTENTS, STYLES, planned_jobs, snakemake, write_config

from steel.plan import run_folder

pytestmark = pytest.mark.workflow

CELLS = ("conv3_3-20",)


@pytest.fixture
def on_cover(tmp_path):
    """Ironwrath's logo on a noisy ground, and its true mask."""
    logo = np.asarray(Image.open(STYLES / "ironwrath.png").convert("RGB"), dtype=np.float32)
    ink = (logo.mean(2) < 128).astype(np.float32)
    ground = np.array([40.0, 60, 110]) + np.random.default_rng(1).normal(0, 20, logo.shape)
    picture = ground * (1 - ink[..., None]) + logo * ink[..., None]
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8), "RGB").save(tmp_path / "cover.png")
    Image.fromarray((ink * 255).astype(np.uint8), "L").save(tmp_path / "mask.png")
    return tmp_path


def config(**styles) -> dict:
    return {
        "weights": "random",
        "image": {"width": 128},
        "optimizer": {"iterations": 2, "log_every": 1},
        "execution": {"checkpoint_every": 0, "device": "cpu"},
        "styles": {"ironwrath": str(STYLES / "ironwrath.png"), **styles},
        "contents": {"quorix": {"image": str(CONTENTS / "quorix.png"), "text": "Quorix"}},
        "sweeps": {"tiny": {"cols": {"layers": ["conv3_3"], "values": [20]}}},
    }


def stylize_jobs(result) -> list[tuple[str, str]]:
    assert result.returncode == 0, result.stderr[-3000:]
    return sorted((j["rule"], j["style"]) for j in planned_jobs(result) if j["rule"].startswith("stylize"))


def test_a_missing_mask_file_is_one_line_when_planning(tmp_path, on_cover):
    missing = config(cover={"image": str(on_cover / "cover.png"), "mask": str(tmp_path / "none.png")})
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", missing), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert f"the mask of style cover {tmp_path / 'none.png'} does not exist; give an image" in output


def test_a_masked_style_reruns_its_own_cells_alone(tmp_path, on_cover):
    plain = write_config(tmp_path / "plain.yaml", config())
    assert snakemake(tmp_path, plain).returncode == 0

    found = config(cover={"image": str(on_cover / "cover.png"), "mask": "auto"})
    masked = write_config(tmp_path / "auto.yaml", found)
    assert stylize_jobs(snakemake(tmp_path, masked, "-n")) == [("stylize_own", "cover")]
    result = snakemake(tmp_path, masked)
    assert result.returncode == 0, result.stderr[-5000:]
    record = json.loads((tmp_path / "results/runs/cover/quorix" / CELLS[0] / run_folder.RECORD).read_text())
    assert record["style"]["mask"]["source"] == "auto" and "found" in record["style"]["mask"]
    # the sheet draws the mask over the style: the found edge in magenta (scaled into its box)
    with Image.open(tmp_path / "results/sheets/tiny/cover__quorix.png") as sheet:
        red, green, blue = np.asarray(sheet.convert("RGB"), dtype=int).reshape(-1, 3).T
    assert ((red - green > 90) & (blue - green > 40)).sum() > 50

    # the drawn mask instead of the found one: the masked style's cell alone reruns
    from_file = copy.deepcopy(found)
    from_file["styles"]["cover"]["mask"] = str(on_cover / "mask.png")
    planned = stylize_jobs(snakemake(tmp_path, write_config(tmp_path / "file.yaml", from_file), "-n"))
    assert planned == [("stylize_own", "cover")]
