"""Running the real Snakemake workflow from tests: tiny configs, dry runs and their job lists."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
STYLES = REPO / "resources" / "logos" / "style"
CONTENTS = REPO / "resources" / "logos" / "content"
#: a metal font of the repository: Latin letters only
METAL_FONT = REPO / "resources" / "fonts" / "MetalMania-Regular.ttf"


class Planted:
    """A pickle that runs code when loaded (it touches ``marker``): what an untrusted .pth can hold."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def tiny_config(**overrides) -> dict:
    """2 styles x 1 content, a 2 x 2 sweep, random weights, 128-px logos, a few steps."""
    config = {
        "weights": "random",
        "image": {"width": 128},
        "optimizer": {"iterations": 4, "log_every": 2},
        "execution": {"checkpoint_every": 0, "device": "cpu"},
        "styles": {"ironwrath": str(STYLES / "ironwrath.png"), "vorthane": str(STYLES / "vorthane.png")},
        "contents": {"quorix": {"image": str(CONTENTS / "quorix.png"), "text": "Quorix"}},
        "sweeps": {
            "tiny": {
                "rows": {"layers": ["conv1_2"], "values": [0, 20]},
                "cols": {"layers": ["conv3_3"], "values": [20, 200]},
            }
        },
        "figures": {"fig": {"cells": ["tiny/0/20", "tiny/20/200"], "title": "two cells"}},
    }
    config.update(overrides)
    return config


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(
    workdir: Path, configfile: Path | None, *args: str, cwd: Path | None = None, env: dict | None = None
):
    """Run snakemake on the repository's Snakefile; ``workdir`` None runs in the repository;
    ``env`` adds environment variables."""
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--cores", "2"]
    if workdir is not None:
        command += ["--directory", str(workdir)]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    return subprocess.run(
        [*command, *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=os.environ | (env or {}),
    )


def planned_jobs(result) -> list[dict[str, str]]:
    """Rule and wildcards of every job a dry run (``-n``) planned."""
    jobs = []
    # jobs of a group are printed indented; a checkpoint's job is headed "checkpoint"
    for block in re.split(r"\n(?=\s*(?:rule|checkpoint) \w+:)", result.stdout + result.stderr):
        match = re.match(r"\s*(?:rule|checkpoint) (\w+):", block)
        if not match:
            continue
        job = {"rule": match.group(1)}
        wildcards = re.search(r"wildcards: (.*)", block)
        if wildcards:
            job |= dict(part.split("=", 1) for part in wildcards.group(1).split(", "))
        output = re.search(r"output: (.*)", block)
        job["output"] = output.group(1).split(", ") if output else []
        jobs.append(job)
    return jobs


def stylized_cells(result) -> set[tuple[str, str, str]]:
    """(style, content, cell) of every image a dry run plans, whichever stylize rule makes it."""
    assert result.returncode == 0, result.stderr[-3000:]
    return {
        tuple(Path(path).parts[-4:-1])
        for job in planned_jobs(result)
        # MSG-Net has no cell; an outline cell is not a pixel cell
        if job["rule"].startswith("stylize") and job["rule"] not in ("stylize_msgnet", "stylize_outline")
        for path in job["output"]
        if path.endswith("stylized.png")
    }


def stylize_jobs(result) -> set[tuple[str, str, str]]:
    assert result.returncode == 0, result.stderr[-3000:]
    return {(j["style"], j["content"], j["cell"]) for j in planned_jobs(result) if j["rule"] == "stylize"}
