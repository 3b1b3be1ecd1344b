"""Writes this folder's files with the code of commit b3d3c93 (before the settings table), so that
tests can hold today's code to what results and checkpoints made then still mean:

    git worktree add /tmp/b3d3c93 b3d3c93
    mkdir -p /tmp/b3d3c93/tests/data/b3d3c93 && cp tests/data/b3d3c93/make.py "$_"
    PYTHONPATH=/tmp/b3d3c93/src python /tmp/b3d3c93/tests/data/b3d3c93/make.py
    cp /tmp/b3d3c93/tests/data/b3d3c93/*.json /tmp/b3d3c93/tests/data/b3d3c93/*.pt tests/data/b3d3c93/

- ``checkpoint-{name}.pt``: a run interrupted after step 4 of 6 (random weights, the test logos,
  its settings in ``checkpoints.json``), which today's code must resume;
- ``params.json``: the stylize rule's canonical params of b3d3c93's demo config with a few
  overrides (each whole config, defaults filled, stored beside them), which must not change.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import yaml
from snakemake.utils import validate

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "tests"))

from conftest import logo_tensor  # noqa: E402
from steel.optimise import Settings, stylize  # noqa: E402
from steel.params import stylize_params  # noqa: E402
from steel.weights import load_weights  # noqa: E402

CELLS = [{"conv1_1": 20.0, "conv1_2": 200.0}]
CHECKPOINTS = {
    "defaults": {"iterations": 6, "log_every": 1, "content_layer": "conv1_2"},
    "later": {
        "iterations": 6,
        "log_every": 1,
        "content_layer": "conv1_2",
        "colour": "grey",
        "lr_schedule": "cosine",
        "lr_final": 0.1,
        "shape_weight": 2.0,
    },
}
CONFIGS = {
    "demo": {},
    "grey_alpha_schedule": {
        "image": {"width": 128, "colour": "grey", "alpha": True, "scales": [0.5, 1]},
        "optimizer": {"lr": 4, "lr_schedule": "cosine", "lr_final": 0.1, "coarse_iterations": [50]},
        "loss": {"normalise": "gatys", "style_weight": 3, "shape_weight": 1.0e10},
        "seed": 7,
        "weights": "random:3",
    },
}


class Stop(Exception):
    pass


def stop_at(step):
    def on_log(iteration, rows):
        if iteration == step:
            raise Stop

    return on_log


def checkpoints() -> None:
    weights = load_weights("random")
    style, content = logo_tensor(48, 32, seed=1), logo_tensor(48, 32, seed=2)
    (HERE / "checkpoints.json").write_text(
        json.dumps({"cells": CELLS, "settings": CHECKPOINTS}, indent=1) + "\n"
    )
    for name, settings in CHECKPOINTS.items():
        path = HERE / f"checkpoint-{name}.pt"
        path.unlink(missing_ok=True)
        with contextlib.suppress(Stop):  # b3d3c93's stylize took its arguments by position
            stylize(weights, style, content, CELLS, Settings(**settings), "cpu", False, path, 2, stop_at(5))


def params() -> None:
    schema_path = REPO / "workflow" / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    demo = yaml.safe_load((REPO / "config.yaml").read_text())
    found = {}
    for name, overrides in CONFIGS.items():
        config = json.loads(json.dumps(demo))
        for key, value in overrides.items():
            config[key] = config.get(key, {}) | value if isinstance(value, dict) else value
        validate(config, str(schema_path))
        found[name] = {"config": config, "params": stylize_params(config, schema)}
    (HERE / "params.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    checkpoints()
    params()
