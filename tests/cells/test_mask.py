"""Masked styles through the library: a cover's lettering laid on white (its ground replaced before
any Gram is taken), a mask of ones the unmasked style exactly, masks from a file, from alpha and
found; run.json says which and what was found."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from steel.cells.measure import measure_cell
from steel.cells.pair import MaskedStyle, load_style, on_white
from steel.cells.stylize import run
from steel.errors import SteelError
from steel.settings import RunOptions, Settings
from steel.transfer.optimise import stylize

TINY = Settings(iterations=3, content_layer="conv1_2", log_every=1)
CELL = {"conv1_1": 20.0, "conv2_1": 200.0}
OPTIONS = RunOptions(settings=TINY, weights="random", device="cpu", width=64, progress=False)


@pytest.fixture(scope="module")
def on_cover(tmp_path_factory, logos):
    """The tests' style logo pasted on a noisy light ground (``cover.png``, where its dark pixels
    can be found) and on a noisy dark-red one (``red.png``, far from white), on white
    (``logo-on-white.png``), its true mask (the logo's dark pixels) and the logo with that mask as
    its alpha."""
    folder = tmp_path_factory.mktemp("cover")
    logo = np.asarray(Image.open(logos["style"]).convert("RGB"), dtype=np.float32)
    ink = (logo.mean(2) < 128).astype(np.float32)
    rng = np.random.default_rng(3)
    Image.fromarray(
        np.clip(255 * (1 - ink[..., None]) + logo * ink[..., None], 0, 255).astype(np.uint8)
    ).save(folder / "logo-on-white.png")
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
    laid = on_white(style, torch.ones(1, 1, 40, 64))
    assert torch.equal(laid, style)
    plain = stylize(random_weights, style, content, [CELL], settings=TINY)
    masked = stylize(random_weights, laid, content, [CELL], settings=TINY)
    assert torch.equal(plain.images, masked.images)


def test_the_covers_ground_is_replaced_by_white(on_cover):
    """The lettering of a cover, read through its true mask, is the logo on white: the cover's
    ground does not reach the Gram targets."""
    on_white = load_style(on_cover / "logo-on-white.png", 64).image
    for cover in ("cover.png", "red.png"):
        plain = load_style(on_cover / cover, 64).image
        masked = load_style(MaskedStyle(on_cover / cover, on_cover / "mask.png"), 64)
        assert masked.inverted is False  # dark lettering, whatever its ground
        assert (masked.image - on_white).abs().mean() < 0.2 * (plain - on_white).abs().mean()
        assert (masked.image - on_white).abs().mean() < 8  # what differs: the letters' soft edges


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
