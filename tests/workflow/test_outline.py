"""Outline cells in the workflow, for real (random weights, a word at 128 px, a few steps): planned
only when the outline section is on, never a pixel cell's rerun, a finished folder plans nothing,
and a changed outline setting reruns the outline cells alone."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image
from workflow_helpers import STYLES, planned_jobs, snakemake, write_config

from steel.plan import run_folder

pytestmark = pytest.mark.workflow

SVG_NS = "{http://www.w3.org/2000/svg}"
CELLS = ("conv3_3-20", "conv3_3-200")


def config(**outline) -> dict:
    return {
        "weights": "random",
        "image": {"width": 128},
        "optimizer": {"iterations": 2, "log_every": 1},
        "execution": {"checkpoint_every": 0, "device": "cpu"},
        "styles": {"ironwrath": str(STYLES / "ironwrath.png")},
        "contents": {"acme": {"text": "Acme"}},
        "sweeps": {"tiny": {"cols": {"layers": ["conv3_3"], "values": [20, 200]}}},
        **({"outline": outline} if outline else {}),
    }


def rules_planned(result) -> list[str]:
    assert result.returncode == 0, result.stderr[-3000:]
    return sorted(job["rule"] for job in planned_jobs(result))


def test_outline_cells_are_planned_only_when_on_and_never_rerun_a_pixel_cell(tmp_path):
    off = write_config(tmp_path / "off.yaml", config())
    planned = rules_planned(snakemake(tmp_path, off, "-n"))
    assert "stylize" in planned and not any("outline" in rule for rule in planned)
    assert snakemake(tmp_path, off).returncode == 0

    on = write_config(tmp_path / "on.yaml", config(enabled=True, iterations=2))
    planned = rules_planned(snakemake(tmp_path, on, "-n"))
    assert "stylize" not in planned  # the pixel cells' params do not hold the outline section
    assert planned.count("stylize_outline") == 2 and planned.count("outline_sheet") == 1
    result = snakemake(tmp_path, on)
    assert result.returncode == 0, result.stderr[-5000:]
    assert rules_planned(snakemake(tmp_path, on, "-n")) == []
    best = json.loads((tmp_path / "results" / "best" / "ironwrath__acme.json").read_text())
    assert best["candidates"] == 4 and best["method"] in ("pixel", "outline")  # two cells, two methods
    # vector is off, yet the recommendation is a vector logo: an outline cell's own or a trace
    svg = (tmp_path / "results" / "best" / "ironwrath__acme.svg").read_text()
    if best["method"] == "outline":
        assert svg == (tmp_path / best["svg"]).read_text()
    assert svg.count("<path") >= 4

    for cell in CELLS:
        folder = tmp_path / "results" / "outline" / "ironwrath" / "acme" / cell
        root = ElementTree.parse(folder / run_folder.SVG).getroot()
        assert [child.tag for child in root] == [SVG_NS + "path"] * 4  # A, c, m, e
        record = json.loads((folder / run_folder.RECORD).read_text())
        assert record["method"] == "outline" and record["content"]["source"]["kind"] == "text"
        assert json.loads((folder / run_folder.METRICS).read_text())["cer"] is not None
    with Image.open(tmp_path / "results" / "sheets" / "tiny" / "ironwrath__acme.outline.png") as sheet:
        pixels = np.asarray(sheet.convert("L"))
    assert sheet.width > 256 and pixels.std() > 20  # drawn, not blank

    changed = write_config(tmp_path / "changed.yaml", config(enabled=True, iterations=2, smoothness=1.0))
    planned = rules_planned(snakemake(tmp_path, changed, "-n"))
    assert planned.count("stylize_outline") == 2 and "stylize" not in planned
    # off again: no cell runs; the tables and the recommendation (and what reads it) lose the
    # outline candidates
    planned = set(rules_planned(snakemake(tmp_path, off, "-n")))
    assert {"best", "metrics_table"} <= planned
    assert not planned & {"stylize", "stylize_outline", "cell_metrics", "outline_metrics", "draw_content"}


def test_an_unknown_sweep_in_the_outline_section_is_one_line(tmp_path):
    bad = write_config(tmp_path / "bad.yaml", config(enabled=True, sweeps=["nope"]))
    result = snakemake(tmp_path, bad, "-n")
    assert result.returncode != 0
    assert (
        "outline.sweeps names 'nope', which is no sweep of the config; use one of tiny"
        in result.stdout + result.stderr
    )


def test_outline_cells_batch_like_pixel_cells(tmp_path):
    batched = config(enabled=True)
    batched["execution"]["cells_per_job"] = 2
    jobs = planned_jobs(snakemake(tmp_path, write_config(tmp_path / "b.yaml", batched), "-n"))
    outline_jobs = [job for job in jobs if job["rule"].startswith("stylize_outline")]
    assert [job["rule"] for job in outline_jobs] == ["stylize_outline_conv4_2_1"]  # one job, two cells
    images = [path for path in outline_jobs[0]["output"] if path.endswith(run_folder.STYLIZED)]
    assert sorted(path.split("/")[-2] for path in images) == sorted(CELLS)
