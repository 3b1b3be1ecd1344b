"""Masked styles through the library: the Gram targets taken over the logo alone (a cover's ground left
out), a mask of ones the unmasked style exactly, masks from a file, from alpha and found; run.json
says which and what was found."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from steel.cells.measure import measure_cell
from steel.cells.pair import MaskedStyle
from steel.cells.stylize import run
from steel.errors import SteelError
from steel.io.images import load_image
from steel.settings import RunOptions, Settings
from steel.transfer.features import VGGFeatures
from steel.transfer.losses import gram, masked_gram
from steel.transfer.optimise import stylize
from steel.transfer.styles import StyleBlend

TINY = Settings(iterations=3, content_layer="conv1_2", log_every=1)
CELL = {"conv1_1": 20.0, "conv2_1": 200.0}
OPTIONS = RunOptions(settings=TINY, weights="random", device="cpu", width=64, progress=False)


@pytest.fixture(scope="module")
def on_cover(tmp_path_factory, logos):
    """The tests' style logo pasted on a noisy light ground (``cover.png``, where its dark pixels
    can be found) and on a noisy dark-red one (``red.png``, far from white), its true mask (the
    logo's dark pixels) and the logo with that mask as its alpha."""
    folder = tmp_path_factory.mktemp("cover")
    logo = np.asarray(Image.open(logos["style"]).convert("RGB"), dtype=np.float32)
    ink = (logo.mean(2) < 128).astype(np.float32)
    rng = np.random.default_rng(3)
    for name, colour in (("cover.png", (215.0, 190, 160)), ("red.png", (120.0, 30, 40))):
        ground = np.array(colour) + rng.normal(0, 20, logo.shape)
        picture = ground * (1 - ink[..., None]) + logo * ink[..., None]
        Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8), "RGB").save(folder / name)
    Image.fromarray((ink * 255).astype(np.uint8), "L").save(folder / "mask.png")
    rgba = np.dstack([logo, ink * 255]).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(folder / "logo-alpha.png")
    return folder


def test_a_mask_of_ones_is_no_mask_byte_for_byte(random_weights, make_logo_tensor):
    style, content = make_logo_tensor(64, 40, seed=1), make_logo_tensor(64, 40, seed=2)
    ones = torch.ones(1, 1, 40, 64)
    plain = stylize(random_weights, style, content, [CELL], settings=TINY)
    masked = stylize(random_weights, StyleBlend((style,), (1.0,), (ones,)), content, [CELL], settings=TINY)
    assert torch.equal(plain.images, masked.images)
    features = VGGFeatures(random_weights, ["conv2_1"])(style)["conv2_1"]
    assert torch.equal(masked_gram(features, ones, 300), gram(features) * (300 / features[0, 0].numel()))


def test_the_masked_gram_leaves_the_covers_ground_out(random_weights, on_cover, logos):
    extractor = VGGFeatures(random_weights, ["conv1_1"])
    cover = load_image(on_cover / "red.png", 64)
    mask = torch.from_numpy(np.asarray(Image.open(on_cover / "mask.png").resize((64, 17)), np.float32) / 255)
    with torch.no_grad():
        on_white = masked_gram(extractor(load_image(logos["style"], 64))["conv1_1"], None, 100)
        plain = masked_gram(extractor(cover)["conv1_1"], None, 100)
        masked = masked_gram(extractor(cover)["conv1_1"], mask[None, None], 100)
    # with the ground left out the cover's statistics move toward the logo's own
    assert torch.dist(masked, on_white) < torch.dist(plain, on_white)


def test_masks_from_a_file_from_alpha_and_found_are_recorded(on_cover, tmp_path, random_weights):
    content = on_cover / "mask.png"  # any logo will do as the content
    kinds = {
        "file": MaskedStyle(on_cover / "cover.png", on_cover / "mask.png"),
        "alpha": MaskedStyle(on_cover / "logo-alpha.png", "alpha"),
        "auto": MaskedStyle(on_cover / "cover.png", "auto"),
    }
    for name, style in kinds.items():
        record = run(style, content, [CELL], [tmp_path / name], OPTIONS)[0]
        mask = record["style"]["mask"]
        assert mask["source"] == str(style.mask) and 0.05 < mask["share"] < 0.6, name
        assert ("sha256" in mask) == (name == "file") and ("found" in mask) == (name == "auto")
        saved = json.loads((tmp_path / name / "run.json").read_text())
        assert saved["style"]["mask"] == mask
        assert measure_cell(tmp_path / name, None, random_weights)["style_strength"] is not None
    # a mask file of another size, or one keeping almost nothing: one line, no folder
    Image.new("L", (10, 10), 255).save(tmp_path / "small.png")
    Image.new("L", Image.open(on_cover / "cover.png").size, 0).save(tmp_path / "black.png")
    for mask, words in (("small.png", "is 10x10 px but style"), ("black.png", "keeps 0.0% of it")):
        out = tmp_path / f"out-{mask}"
        with pytest.raises(SteelError, match=words):
            run(MaskedStyle(on_cover / "cover.png", tmp_path / mask), content, [CELL], [out], OPTIONS)
        assert not out.exists()
