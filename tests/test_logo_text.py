"""A word drawn in a font as a logo: black on white, a margin, the working width, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from steel.errors import SteelError
from steel.images import MIN_SIDE
from steel.logo_text import DEFAULT_FONT, render_text, write_text_logo

METAL = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "MetalMania-Regular.ttf"


def test_word_is_black_on_white_with_a_margin():
    image = render_text("Acme", width=200)
    assert image.mode == "RGB" and image.width == 200
    assert 40 < image.height < 120  # a word mark: wider than high
    grey = np.asarray(image.convert("L"))
    assert grey.min() == 0 and grey.max() == 255
    for border in (grey[:3], grey[-3:], grey[:, :3], grey[:, -3:]):
        assert (border == 255).all()


def test_the_bundled_font_is_the_default_and_another_font_differs():
    assert DEFAULT_FONT.is_file()
    plain = np.asarray(render_text("Acme", width=160))
    metal = np.asarray(render_text("Acme", METAL, width=160))
    assert plain.shape != metal.shape or (plain != metal).any()


def test_a_long_word_at_a_small_width_keeps_the_minimum_height():
    image = render_text("Averyveryverylongcompanyname", width=64)
    assert image.width == 64 and image.height >= MIN_SIDE


@pytest.mark.parametrize(
    ("text", "font", "words"),
    [
        ("", None, "text is empty"),
        ("   ", None, "text is empty"),
        ("Acme", "no/such/font.ttf", "does not exist"),
        ("Acme", "NOTAFONT", "cannot read font"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, text, font, words):
    if font == "NOTAFONT":
        font = tmp_path / "font.ttf"
        font.write_text("not a font")
    out = tmp_path / "out" / "logo.png"
    with pytest.raises(SteelError, match=words) as error:
        write_text_logo(out, text, font, 128)
    assert "\n" not in str(error.value)
    assert not out.parent.exists()


def test_write_text_logo(tmp_path):
    path = write_text_logo(tmp_path / "a" / "acme.png", "Acme", None, 96)
    with Image.open(path) as image:
        assert image.width == 96
    assert [p.name for p in path.parent.iterdir()] == ["acme.png"]
