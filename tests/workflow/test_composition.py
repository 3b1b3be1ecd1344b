"""Every optional part of the workflow on at once, for real (random weights, tiny logos, 4 steps):
two sweeps (one under its own loss), a figure, a coefficient search, vector traces, MSG-Net, the
convergence study, outline cells, findings, transparent results, a drawn style, a blend of it and
a masked style found on a cover (MSG-Net skips the blend), an SVG content and batched cells.
Parts built one at a time must also run together."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from workflow_helpers import CONTENTS, METAL_FONT, STYLES, planned_jobs, snakemake, write_config

from steel.plan import run_folder

pytestmark = pytest.mark.workflow

#: a word mark as an SVG file (its text in the bundled sans)
SVG_WORD = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
    '<text x="20" y="70" font-family="Inter" font-weight="bold" font-size="60">Vectra</text></svg>'
)
PAIRS = [["ironwrath", "vectra"], ["grimwrath", "quorix"]]
SEARCH = "t"


def cover(workdir: Path) -> Path:
    """Ironwrath's logo on a noisy blue ground: a style found on an album cover."""
    logo = np.asarray(Image.open(STYLES / "ironwrath.png").convert("RGB"), dtype=np.float32)
    ink = (logo.mean(2) < 128).astype(np.float32)[..., None]
    ground = np.array([40.0, 60, 110]) + np.random.default_rng(1).normal(0, 20, logo.shape)
    Image.fromarray(np.clip(ground * (1 - ink) + logo * ink, 0, 255).astype(np.uint8)).save(
        workdir / "cover.png"
    )
    return workdir / "cover.png"


def everything(workdir: Path) -> dict:
    (workdir / "vectra.svg").write_text(SVG_WORD)
    return {
        "weights": "random",
        "image": {"width": 128, "alpha": True},
        "optimizer": {"iterations": 4, "log_every": 2},
        "execution": {"checkpoint_every": 0, "device": "cpu", "cells_per_job": 2},
        "styles": {
            "ironwrath": str(STYLES / "ironwrath.png"),
            "grim": {"text": "Grim", "font": str(METAL_FONT)},
            # a logo found on a cover, its lettering masked
            "ironcover": {"image": str(cover(workdir)), "mask": "auto"},
            # a drawn style and a masked one blended
            "grimwrath": {"blend": {"grim": 3, "ironcover": 1}},
        },
        "contents": {
            "quorix": {"image": str(CONTENTS / "quorix.png"), "text": "Quorix"},
            "vectra": {"image": str(workdir / "vectra.svg"), "text": "Vectra"},
        },
        "pairs": PAIRS,
        "sweeps": {
            "tiny": {
                "rows": {"layers": ["conv1_2"], "values": [20]},
                "cols": {"layers": ["conv3_3"], "values": [20, 200]},
            },
            "own": {"loss": {"tv_weight": 0}, "cols": {"layers": ["conv3_3"], "values": [20]}},
        },
        "figures": {"fig": {"cells": ["tiny/20/20", "own/20"], "title": "two sweeps"}},
        "search": {
            SEARCH: {
                "coarse": ["conv1_2"],
                "deep": ["conv3_3"],
                "ratio": [0.01, 100],
                "rounds": 1,
                "per_round": 2,
                "points_per_decade": 1,
            }
        },
        "vector": {"enabled": True},
        "msgnet": {"enabled": True, "steps": 2, "width": 64, "batch_size": 2, "lr": 0.001},
        "convergence": {
            "enabled": True,
            "cells": ["conv1_2=20,conv3_3=200"],
            "every": 2,
        },
        "outline": {"enabled": True, "iterations": 2},
    }


def best_files(workdir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (workdir / "results" / "best").iterdir():
        if path.suffix in (".png", ".svg", ".json"):
            found.setdefault(path.name.split(".")[0], set()).add(path.suffix)
    return found


def run_to_the_end(workdir: Path, config: dict) -> Path:
    configfile = write_config(workdir / "config.yaml", config)
    result = snakemake(workdir, configfile)
    assert result.returncode == 0, result.stderr[-5000:]
    again = snakemake(workdir, configfile, "-n")
    assert again.returncode == 0, again.stderr[-3000:]
    assert planned_jobs(again) == [], "a finished workflow plans nothing"
    return configfile


def searched_cells(workdir: Path, style: str, content: str) -> set[str]:
    result = json.loads((workdir / f"results/search/{SEARCH}/{style}__{content}.json").read_text())
    return {point["cell"] for point in result["evaluated"]}


def test_every_optional_part_at_once_runs_to_the_end_and_plans_nothing_after(tmp_path):
    config = everything(tmp_path)
    run_to_the_end(tmp_path, config)
    pairs = [f"{s}__{c}" for s, c in PAIRS]
    assert best_files(tmp_path) == {pair: {".png", ".svg", ".json"} for pair in pairs}
    for style, content in PAIRS:
        runs = tmp_path / "results" / "runs" / style / content
        # every searched cell is a cell like any other: traced, transparent, measured
        for cell in searched_cells(tmp_path, style, content):
            for name in run_folder.cell_files(alpha=True, vector=True):
                assert (runs / cell / name).is_file(), f"{cell}/{name}"
        best = json.loads((tmp_path / f"results/best/{style}__{content}.json").read_text())
        svg = (tmp_path / f"results/best/{style}__{content}.svg").read_bytes()
        # the recommendation's own vector logo: a pixel cell's trace or an outline cell's SVG
        method_root = {"pixel": runs, "outline": tmp_path / "results" / "outline" / style / content}
        assert best["svg"] == str(
            Path(method_root[best["method"]].relative_to(tmp_path)) / best["cell"] / run_folder.SVG
        )
        assert svg == (tmp_path / best["svg"]).read_bytes()
        # MSG-Net learns one image per style: the blend gets no MSG-Net cell
        assert (runs / "msgnet" / run_folder.METRICS).is_file() == (style == "ironwrath")
        assert (tmp_path / f"results/convergence/{style}__{content}.png").is_file()
        assert (tmp_path / f"results/plots/figures/fig/{style}__{content}.png").is_file()
        for sweep in ("tiny", "own"):
            with Image.open(tmp_path / f"results/sheets/{sweep}/{style}__{content}.vector.png") as sheet:
                assert sheet.width > 128
    # outline cells of every sweep, batched as the pixel cells are (the sweep with a loss of its own
    # in a job of its own); the SVG content's text cannot be an outline, so it is traced as drawn
    # (and run.json says so)
    own, tiny = "conv3_3-20__tv_weight-0", {"conv1_2-20__conv3_3-20", "conv1_2-20__conv3_3-200"}
    for style, content in PAIRS:
        root = tmp_path / "results" / "outline" / style / content
        assert {p.name for p in root.iterdir() if p.name != "batches"} == {own, *tiny}
        for cell in (own, *tiny):
            for name in (run_folder.SVG, run_folder.STYLIZED, run_folder.ALPHA, run_folder.METRICS):
                assert (root / cell / name).is_file(), f"{root / cell}/{name}"
            record = json.loads((root / cell / run_folder.RECORD).read_text())
            assert record["batch_size"] == (1 if cell == own else 2)
            assert record["settings"]["tv_weight"] == (0 if cell == own else 0.001)
            assert ("because" in record["content"]["source"]) == (content == "vectra")
        for sweep in ("tiny", "own"):
            assert (tmp_path / f"results/sheets/{sweep}/{style}__{content}.outline.png").is_file()
        methods = (tmp_path / f"results/sheets/methods/{style}__{content}.tsv").read_text()
        assert "\nNetwork of Steel, outlines\t" in methods
        assert ("\nMSG-Net" in methods) == (style == "ironwrath")
    # the drawn style and the rasterised SVG content at the working width
    for drawn in ("styles/grim.png", "contents/vectra.png"):
        with Image.open(tmp_path / "results" / drawn) as image:
            assert image.width == 128
    # the blend's cells read both members at the working width, weighed 3:1, the cover masked
    record = json.loads((tmp_path / "results/runs/grimwrath/quorix" / own / run_folder.RECORD).read_text())
    members = record["style"]["blend"]
    assert [(Path(m["path"]).name, m["weight"], m["width"]) for m in members] == [
        ("grim.png", 0.75, 128),
        ("cover.png", 0.25, 128),
    ]
    assert "mask" not in members[0] and members[1]["mask"]["source"] == "auto"
    # the runs page lists every cell the workflow ran, searched cells too (MSG-Net is no cell)
    page = (tmp_path / "results" / "runs.html").read_text()
    records = (tmp_path / "results" / "runs").glob(f"*/*/*/{run_folder.RECORD}")
    assert f"What the {sum(1 for r in records if r.parent.name != 'msgnet')} runs used" in page


def test_a_searched_cell_that_wins_gives_the_pairs_svg(tmp_path):
    """The sweep's one cell cannot win by construction: its own loss holds it at the content (content
    weight 1e12), while the searched cells, free of any content term, take on style (measured: style
    strength 0.004 against 0.108 at these settings); both stay readable and no artefact limit applies.
    So the recommendation is a searched cell, and its trace becomes results/best/{pair}.svg."""
    config = everything(tmp_path)
    for part in ("msgnet", "convergence", "outline"):  # the searched cell's rivals: the sweep's alone
        config.pop(part)
    config["figures"] = {}
    config["pairs"] = [PAIRS[1]]
    config["optimizer"] = {"iterations": 8, "lr": 30.0, "log_every": 4}
    config["loss"] = {"content_weight": 0.0, "tv_weight": 0.0}
    config["search"][SEARCH] |= {"rounds": 2, "per_round": 1}
    config["sweeps"] = {
        "held": {
            "loss": {"content_weight": 1.0e12},
            "rows": {"layers": ["conv1_2"], "values": [20]},
            "cols": {"layers": ["conv3_3"], "values": [20]},
        }
    }
    config["selection"] = {"max_cer": 0.25, "max_artefacts": None}
    run_to_the_end(tmp_path, config)
    style, content = PAIRS[1]
    best = json.loads((tmp_path / f"results/best/{style}__{content}.json").read_text())
    assert best["source"] == f"search {SEARCH}" and best["cell"] in searched_cells(tmp_path, style, content)
    svg = (tmp_path / f"results/best/{style}__{content}.svg").read_bytes()
    assert svg == (tmp_path / "results/runs" / style / content / best["cell"] / run_folder.SVG).read_bytes()
