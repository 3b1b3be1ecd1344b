"""What the tests of the workflow's jobs (tests/jobs/) share: a run's settings as the workflow passes them,
tiny images and JSON files written for a job to read."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

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


# A stylize job's params and execution settings, as the workflow passes them

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
