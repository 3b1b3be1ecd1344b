"""Blended styles through the library: several style files and their weights, each layer's Gram
target the weighted mean of the files' targets; run.json names every member."""

from __future__ import annotations

import json

import pytest
import torch

from steel.cells.measure import measure_cell
from steel.cells.pair import blend_members, load_style
from steel.cells.stylize import run
from steel.errors import SteelError
from steel.settings import RunOptions, Settings
from steel.transfer.features import VGGFeatures
from steel.transfer.losses import gram
from steel.transfer.stages import target_loss
from steel.transfer.styles import StyleBlend

TINY = Settings(iterations=3, content_layer="conv1_2", log_every=1)
CELL = {"conv1_1": 20.0, "conv2_1": 200.0}
OPTIONS = RunOptions(settings=TINY, weights="random", device="cpu", width=48, progress=False)


@pytest.fixture(scope="module")
def second_style(tmp_path_factory, make_logo_file):
    """A second style of another aspect ratio (its Grams are taken at its own size)."""
    return make_logo_file(tmp_path_factory.mktemp("second") / "second.png", 80, 64, seed=7)


def test_the_target_is_the_weighted_mean_of_the_members_grams(random_weights, make_logo_tensor):
    a, b = make_logo_tensor(48, 32, seed=1), make_logo_tensor(40, 32, seed=5)
    content = make_logo_tensor(48, 32, seed=2)
    extractor = VGGFeatures(random_weights, ["conv1_1", "conv1_2"])
    loss = target_loss(extractor, StyleBlend((a, b), (0.75, 0.25)), content, [{"conv1_1": 1.0}], TINY)
    with torch.no_grad():
        fa, fb = extractor(a)["conv1_1"], extractor(b)["conv1_1"]
    pixels = 32 * 48
    expected = 0.75 * gram(fa) * pixels / fa[0, 0].numel() + 0.25 * gram(fb) * pixels / fb[0, 0].numel()
    torch.testing.assert_close(loss.gram_conv1_1, expected)
    # and a blend is not either member: the mean moves the target
    alone = target_loss(extractor, a, content, [{"conv1_1": 1.0}], TINY)
    assert not torch.allclose(alone.gram_conv1_1, expected)


def test_a_blend_at_one_and_zero_is_the_single_style_byte_for_byte(logos, second_style, tmp_path):
    plain = run(logos["style"], logos["content"], [CELL], [tmp_path / "plain"], OPTIONS)
    blend = {logos["style"]: 1.0, second_style: 0.0}
    blended = run(blend, logos["content"], [CELL], [tmp_path / "blend"], OPTIONS)
    assert (tmp_path / "plain/stylized.png").read_bytes() == (tmp_path / "blend/stylized.png").read_bytes()
    assert (tmp_path / "plain/losses.tsv").read_bytes() == (tmp_path / "blend/losses.tsv").read_bytes()
    # the other end: the second style alone
    run(second_style, logos["content"], [CELL], [tmp_path / "second"], OPTIONS)
    run({logos["style"]: 0, second_style: 2}, logos["content"], [CELL], [tmp_path / "other"], OPTIONS)
    assert (tmp_path / "second/stylized.png").read_bytes() == (tmp_path / "other/stylized.png").read_bytes()
    # a plain style's record is what it always was; a blend's names each member and its weight
    assert set(plain[0]["style"]) == {"path", "sha256", "width", "height"}
    members = blended[0]["style"]["blend"]
    assert [m["path"] for m in members] == [str(logos["style"]), str(second_style)]
    assert [m["weight"] for m in members] == [1.0, 0.0]
    assert blended[0]["invert"]["style"] == [False, False]


def test_a_half_blend_differs_from_both_ends_and_measures_against_the_blend(
    logos, second_style, tmp_path, random_weights
):
    halves = [(logos["style"], 1), (second_style, 1)]
    record = run(halves, logos["content"], [CELL], [tmp_path / "half"], OPTIONS)[0]
    assert [m["weight"] for m in record["style"]["blend"]] == [0.5, 0.5]
    run(logos["style"], logos["content"], [CELL], [tmp_path / "plain"], OPTIONS)
    assert (tmp_path / "half/stylized.png").read_bytes() != (tmp_path / "plain/stylized.png").read_bytes()
    metrics = measure_cell(tmp_path / "half", None, random_weights)
    assert 0 <= metrics["style_strength"] <= 1
    # measured against the blend, not its first member: the record's members are read back
    saved = json.loads((tmp_path / "half/run.json").read_text())
    saved["style"] = saved["style"]["blend"][0] | {}
    saved["style"].pop("weight")
    (tmp_path / "half/run.json").write_text(json.dumps(saved))
    against_first = measure_cell(tmp_path / "half", None, random_weights)
    assert against_first["style_strength"] != metrics["style_strength"]


@pytest.mark.parametrize(
    ("weights", "words"),
    [
        ([1.0], "has 1 member"),
        ([1.0, -0.5], "negative weight -0.5"),
        ([0.0, 0.0], "only zero weights"),
        ([1.0, float("nan")], "give each member a finite number"),
        ([1.0, "a"], "give each member a finite number"),
    ],
)
def test_bad_weights_are_one_line(logos, weights, words):
    style = [(logos["style"], w) for w in weights]
    with pytest.raises(SteelError, match=words):
        blend_members(style)


def test_weights_near_the_float_limit_keep_their_ratio(logos):
    assert [w for _, w in blend_members([(logos["style"], 1e308), (logos["style"], 1e308)])] == [0.5, 0.5]


def test_each_member_is_read_at_the_style_width_and_inverted_by_its_own_border(logos, tmp_path):
    from PIL import Image, ImageOps

    with Image.open(logos["style"]) as image:
        ImageOps.invert(image.convert("RGB")).save(tmp_path / "dark.png")
    loaded = load_style({logos["style"]: 0.5, tmp_path / "dark.png": 0.5}, 48, 60, "auto")
    blend, inverted = loaded.image, loaded.inverted
    assert [tuple(image.shape[2:]) for image in blend.images] == [(40, 60), (40, 60)]
    assert inverted == [False, True]
    assert blend.weights == (0.5, 0.5)
