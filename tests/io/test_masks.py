"""A style's mask: read from a file of the style's size, from its alpha channel, or found on a cover;
a mask that keeps almost nothing or almost everything is one line."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from workflow_helpers import METAL_FONT

from steel.errors import SteelError
from steel.io.masks import MIN_SHARE, alpha_mask, check_share, find_lettering, read_mask


def lettering(size=(480, 160)) -> np.ndarray:
    """A metal word, white on black: the truth a found mask is held to."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).text((30, 30), "Grim", font=ImageFont.truetype(str(METAL_FONT), 100), fill=255)
    return np.asarray(mask, dtype=np.float32) / 255.0


def cover(word: np.ndarray, light_on_dark: bool, seed: int = 0) -> Image.Image:
    """The word on a textured ground: light on a dark noisy gradient, or dark on a light one."""
    rng = np.random.default_rng(seed)
    height, width = word.shape
    ramp = np.linspace(0, 1, width)[None, :, None]
    ground = (30 + 70 * ramp) if light_on_dark else (230 - 50 * ramp)
    ground = ground + rng.normal(0, 12, (height, width, 3)) + np.array([10.0, 0.0, 25.0])
    ink = np.array([245.0, 240, 230]) if light_on_dark else np.array([20.0, 10, 10])
    picture = ground * (1 - word[..., None]) + ink * word[..., None]
    return Image.fromarray(np.clip(np.round(picture), 0, 255).astype(np.uint8), "RGB")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0.5, b > 0.5
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("light_on_dark", [True, False], ids=["light-on-dark", "dark-on-light"])
def test_the_lettering_is_found_on_a_textured_ground(light_on_dark):
    word = lettering()
    found, said = find_lettering(cover(word, light_on_dark))
    assert iou(found, word) >= 0.85
    assert said["polarity"] == ("light on dark" if light_on_dark else "dark on light")
    assert said["share"] == pytest.approx(word.mean(), abs=0.02)


def test_a_mask_file_of_another_size_is_one_line(tmp_path):
    Image.new("L", (40, 20), 255).save(tmp_path / "mask.png")
    with pytest.raises(SteelError, match=r"mask .* is 40x20 px but style s.png is 80x40 px; give a mask"):
        read_mask(tmp_path / "mask.png", (80, 40), (64, 32), "style s.png")


def test_a_mask_file_is_read_white_as_the_logo_at_the_working_size(tmp_path):
    picture = np.zeros((40, 80), np.uint8)
    picture[:, :40] = 255
    Image.fromarray(picture, "L").convert("RGBA").save(tmp_path / "mask.png")
    mask = read_mask(tmp_path / "mask.png", (80, 40), (64, 32), "style")
    assert mask.shape == (32, 64) and mask.dtype == np.float32
    assert mask[:, :30].min() == 1.0 and mask[:, 34:].max() == 0.0


def test_the_alpha_channel_is_a_mask_and_none_is_one_line(tmp_path):
    rgba = np.full((40, 80, 4), 200, np.uint8)
    rgba[..., 3] = 0
    rgba[10:30, 20:60, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    mask = alpha_mask(tmp_path / "logo.png", (80, 40), "style logo.png")
    assert mask.sum() == 20 * 40 and mask[10:30, 20:60].min() == 1.0
    Image.new("RGB", (80, 40), "white").save(tmp_path / "flat.png")
    with pytest.raises(SteelError, match=r"style flat\.png has no alpha channel to mask it with"):
        alpha_mask(tmp_path / "flat.png", (80, 40), "style flat.png")


@pytest.mark.parametrize(("share", "words"), [(0.004, "almost nothing"), (0.996, "almost everything")])
def test_a_mask_keeping_almost_nothing_or_everything_is_one_line(share, words):
    mask = np.zeros((100, 100), np.float32)
    mask.flat[: round(share * mask.size)] = 1.0
    with pytest.raises(SteelError, match=rf"keeps {share:.1%} of it \({words}\)"):
        check_share(mask, "style s.png")
    ok = np.zeros((100, 100), np.float32)
    ok.flat[: round(2 * MIN_SHARE * ok.size)] = 1.0
    assert check_share(ok, "style s.png") == pytest.approx(2 * MIN_SHARE)


def test_a_mask_file_declaring_a_huge_size_is_one_line_before_it_is_decoded(tmp_path, make_png_header_only):
    bomb = make_png_header_only(tmp_path / "bomb.png", 60000, 60000)
    with pytest.raises(SteelError, match=r"bomb\.png"):
        read_mask(bomb, (80, 40), (64, 32), "style s.png")
