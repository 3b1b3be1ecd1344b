"""steel.run.run, the library's files-to-files entry point: what it refuses before any work, what
it records in run.json, and what its keyword defaults do."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import version

import pytest

from steel import DISTRIBUTION
from steel.errors import SteelError
from steel.run import run
from steel.settings import Settings

TINY = Settings(iterations=2, content_layer="conv1_2", log_every=1)
CELL = {"conv1_1": 20.0}


def tiny_run(logos, out_dirs, cells=(CELL,), **options):
    defaults = {"settings": TINY, "weights": "random", "device": "cpu", "width": 48, "progress": False}
    options = defaults | options
    return run(logos["style"], logos["content"], list(cells), out_dirs, **options)


@pytest.mark.parametrize(
    ("cells", "folders", "options", "words"),
    [
        ([CELL], ["a", "b"], {}, "1 cells but 2 output folders"),
        ([CELL, {"conv1_2": 20}], ["a", "b"], {"ids": ["x"]}, "2 cells but 1 cell ids"),
        ([CELL, {"conv1_2": 20}], ["a", "b"], {"ids": ["x", "x"]}, "cell x is given more than once"),
        ([CELL], ["a"], {"gif": True}, "an animated GIF needs snapshots: set snapshot_every"),
    ],
    ids=["folders", "ids", "same-id", "gif"],
)
def test_a_run_that_cannot_work_is_refused_before_any_file(logos, tmp_path, cells, folders, options, words):
    with pytest.raises(SteelError, match=words):
        tiny_run(logos, [tmp_path / f for f in folders], cells, **options)
    assert list(tmp_path.iterdir()) == []


def test_run_json_names_the_inputs_by_path_hash_and_working_size(logos, tmp_path):
    (record,) = tiny_run(logos, [tmp_path / "a"], width=54, style_width=48)
    written = json.loads((tmp_path / "a" / "run.json").read_text())
    assert {k: v for k, v in written.items() if k != "settings"} == {
        k: v
        for k, v in record.items()
        if k != "settings"  # (the returned settings hold tuples)
    }
    for name, width in (("content", 54), ("style", 48)):
        path = logos[name]
        assert record[name] == {
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "width": width,
            "height": width * 2 // 3,  # the logos are 3:2
        }
    assert record["versions"] == {
        "python": platform.python_version(),
        "steel": version(DISTRIBUTION),
        **{name: version(name) for name in ("torch", "torchvision", "pillow", "numpy")},
    }
    assert record["cell"] == "conv1_1-20" and record["batch"] == ["conv1_1-20"]


def test_by_default_no_checkpoint_no_gif_and_the_device_is_chosen(logos, tmp_path):
    out = tmp_path / "a"
    seen = []

    def on_log(step, rows):
        seen.append(sorted(p.name for p in out.iterdir()) if out.exists() else [])

    (record,) = run(
        logos["style"], logos["content"], [CELL], [out], settings=TINY, weights="random", width=48,
        progress=False, on_log=on_log,
    )  # fmt: skip
    assert seen and all(not names for names in seen)  # nothing written while it runs
    assert sorted(p.name for p in out.iterdir()) == ["losses.tsv", "run.json", "stylized.png"]
    assert record["device"] == "cpu"  # "auto" on a machine without a GPU
