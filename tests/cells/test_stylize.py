"""steel.cells.stylize.run, the library's files-to-files entry point: what it refuses before any work, what
it records in run.json, and what its keyword defaults do."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib.metadata import version

import numpy as np
import pytest
import torch

import steel.cells.stylize
from steel import DISTRIBUTION
from steel.cells.stylize import run
from steel.errors import SteelError
from steel.io.outputs import read_losses
from steel.settings import RunOptions, Settings

TINY = Settings(iterations=2, content_layer="conv1_2", log_every=1)
CELL = {"conv1_1": 20.0}


def tiny_run(logos, out_dirs, cells=(CELL,), staged=None, **options):
    """``run`` on ``logos`` (a mapping with "style" and "content" files) at the tests' tiny size,
    ``options`` over the tiny :class:`RunOptions` (``ids``: the cells' names)."""
    defaults = {"settings": TINY, "weights": "random", "device": "cpu", "width": 48, "progress": False}
    ids = options.pop("ids", None)
    cells = list(cells) if ids is None else dict(zip(ids, cells, strict=False))
    return run(logos["style"], logos["content"], cells, out_dirs, RunOptions(**defaults | options), staged)


def inverted_copy(path, folder):
    """The logo at ``path`` with its colours inverted (light glyphs on a dark ground), as a file."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        ImageOps.invert(image.convert("RGB")).save(folder / "dark.png")
    return folder / "dark.png"


@pytest.mark.parametrize(
    ("cells", "folders", "options", "words"),
    [
        ([CELL], ["a", "b"], {}, "1 cells but 2 output folders"),
        ([CELL, {"conv1_2": 20}], ["a", "b"], {"ids": ["x"]}, "1 cells but 2 output folders"),
        ([CELL, CELL], ["a", "b"], {}, "cell conv1_1-20 is given more than once"),
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

    def on_log(event):
        seen.append(sorted(p.name for p in out.iterdir()) if out.exists() else [])

    options = RunOptions(settings=TINY, weights="random", width=48, progress=False, on_log=on_log)
    (record,) = run(logos["style"], logos["content"], [CELL], [out], options)
    assert seen and all(not names for names in seen)  # nothing written while it runs
    assert sorted(p.name for p in out.iterdir()) == ["losses.tsv", "run.json", "stylized.png"]
    assert record["device"] == "cpu"  # "auto" on a machine without a GPU


def test_a_bad_style_file_is_named_as_the_style(logos, tmp_path, make_logo_file):
    flat = make_logo_file(tmp_path / "flat.png", 96, 30, seed=3)  # 48x15 at width 48
    with pytest.raises(SteelError, match=r"^style image .*flat\.png is 48x15 px"):
        run(flat, logos["content"], [CELL], [tmp_path / "a"], RunOptions(weights="random", width=48))


def test_a_light_on_dark_style_is_optimised_as_its_dark_on_light_inverse(logos, tmp_path):
    from PIL import Image

    dark = inverted_copy(logos["style"], tmp_path)
    (inverted,) = tiny_run(logos | {"style": dark}, [tmp_path / "a"])
    tiny_run(logos, [tmp_path / "b"])
    assert inverted["invert"] == {"setting": "auto", "content": False, "style": True}
    # the same up to the resize's rounding (an inverted file resized is not exactly the inverse)
    with Image.open(tmp_path / "a" / "stylized.png") as a, Image.open(tmp_path / "b" / "stylized.png") as b:
        assert np.abs(np.asarray(a, float) - np.asarray(b, float)).mean() < 0.5
    a, b = (read_losses(tmp_path / name / "losses.tsv") for name in "ab")
    np.testing.assert_allclose(a["style"], b["style"], rtol=0.01)


def test_checkpoints_go_into_a_folder_made_for_them_and_are_gone_at_the_end(logos, tmp_path):
    out = tmp_path / "deep" / "er" / "cell"
    seen = []
    checkpoint = out / "checkpoint.pt"
    tiny_run(logos, [out], checkpoint_every=1, on_log=lambda *_: seen.append(checkpoint.exists()))
    assert seen[-1] and not checkpoint.exists()


def test_timings_and_the_finish_time_are_recorded(logos, tmp_path):
    before = datetime.now(UTC).replace(microsecond=0)
    (record,) = tiny_run(logos, [tmp_path / "a"], settings=dataclasses.replace(TINY, iterations=3))
    finished = datetime.fromisoformat(record["finished"])
    assert finished.tzinfo is not None and before <= finished <= datetime.now(UTC)
    assert 0 < record["optimise_seconds"] <= record["wall_seconds"] < 60
    assert record["seconds_per_iteration"] == pytest.approx(record["optimise_seconds"] / 3, abs=2e-3)


def test_out_of_memory_is_one_line_naming_the_size_and_the_ways_out(logos, tmp_path, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")  # what a too-large batch meets on a GPU

    monkeypatch.setattr(steel.cells.stylize, "stylize", out_of_memory)
    with pytest.raises(SteelError, match=r"^out of memory on cpu optimising 2 image\(s\) of 48x32 px; use a"):
        tiny_run(logos, [tmp_path / "a", tmp_path / "b"], cells=[CELL, {"conv1_2": 20}])
    assert list(tmp_path.iterdir()) == []


def test_a_package_that_is_not_installed_is_recorded_as_such(monkeypatch):
    def version(name):
        if name == "numpy":
            raise steel.cells.stylize.PackageNotFoundError(name)
        return "1.0"

    monkeypatch.setattr(steel.cells.stylize, "version", version)
    assert steel.cells.stylize.versions()["numpy"] == "not installed"


def test_a_run_shorter_than_its_checkpoint_interval_finishes_without_one(logos, tmp_path):
    (record,) = tiny_run(logos, [tmp_path / "a"], checkpoint_every=100)
    assert record["iterations_run"] == 2 and not (tmp_path / "a" / "checkpoint.pt").exists()


def test_an_interrupted_light_on_dark_logo_is_kept_in_its_own_colours(logos, tmp_path):
    from PIL import Image

    dark = inverted_copy(logos["content"], tmp_path)

    def interrupt(event):
        if event.step == 1:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        tiny_run(logos | {"content": dark}, [out], on_log=interrupt)
    with Image.open(out / "interrupted.png") as kept:
        assert kept.convert("L").getpixel((0, 0)) < 64  # dark ground, as given (optimised inverted)


def test_an_interrupted_dark_on_light_logo_is_kept_as_it_is(logos, tmp_path):
    from PIL import Image

    def interrupt(event):
        if event.step == 1:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        tiny_run(logos, [out], on_log=interrupt)
    with Image.open(out / "interrupted.png") as kept:
        assert kept.convert("L").getpixel((0, 0)) > 192  # a light ground, not inverted


def test_an_inverted_runs_animation_is_in_the_users_colours(logos, tmp_path):
    import imageio.v3 as iio

    dark = inverted_copy(logos["content"], tmp_path)
    settings = dataclasses.replace(TINY, snapshot_every=1)
    tiny_run(logos | {"content": dark}, [tmp_path / "out"], settings=settings, gif=True)
    frames = iio.imread(tmp_path / "out" / "optimisation.gif", index=None)
    assert len(frames) == 3
    for frame in frames:  # a dark ground with light glyphs, as given, in every frame
        grey = frame[..., :3].mean(axis=2)
        assert grey[0, 0] < 64 and grey.max() > 192


def test_a_content_too_small_is_named_as_the_content(logos, tmp_path, make_logo_file):
    flat = make_logo_file(tmp_path / "flat.png", 96, 30, seed=3)  # 48x15 at width 48
    with pytest.raises(SteelError, match=r"^content image .*flat\.png is 48x15 px"):
        run(logos["style"], flat, [CELL], [tmp_path / "a"], RunOptions(weights="random", width=48))


def test_invert_true_inverts_the_content_and_judges_the_style_by_its_border(logos, tmp_path):
    (record,) = tiny_run(logos, [tmp_path / "a"], invert=True)
    assert record["invert"] == {"setting": True, "content": True, "style": False}  # a light style


def test_an_inverted_runs_transparent_result_keeps_the_users_colours(logos, tmp_path):
    from PIL import Image

    out = tmp_path / "out"
    tiny_run(logos | {"content": inverted_copy(logos["content"], tmp_path)}, [out], alpha=True)
    with Image.open(out / "stylized.png") as flat, Image.open(out / "stylized_alpha.png") as clear:
        flat, clear = np.asarray(flat.convert("RGB"), float), np.asarray(clear.convert("RGBA"), float)
    ground = flat[0, 0]
    assert ground.max() < 64  # a dark ground, as given
    alpha = clear[:, :, 3:] / 255
    laid = alpha * clear[:, :, :3] + (1 - alpha) * ground  # back on its ground: the flat result
    assert np.abs(laid - flat).max() <= 3


def test_in_a_callers_set_the_run_is_in_place_only_when_the_caller_commits(logos, tmp_path):
    """A caller stages files of its own with the run's (the command: a drawn logo, its list), read
    from their staged copies and recorded by their final names."""
    import shutil

    from steel.io.outputs import StagedFiles

    out = tmp_path / "out"
    (out / "interrupted.png").parent.mkdir()
    (out / "interrupted.png").write_bytes(b"an earlier Ctrl-C's")
    with StagedFiles() as staged:
        content = staged.stage(out / "content.png", lambda path: shutil.copy(logos["content"], path))
        (record,) = tiny_run(logos | {"content": content}, [out], staged=staged)
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["interrupted.png"]
    assert record["content"]["path"] == str(out / "content.png")
    assert record["content"]["sha256"] == hashlib.sha256(logos["content"].read_bytes()).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == ["content.png", "losses.tsv", "run.json", "stylized.png"]
