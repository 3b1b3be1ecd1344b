"""A word drawn in a font as a logo: black on white, a margin, the working width, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from workflow_helpers import METAL_FONT

from steel.errors import SteelError
from steel.io.limits import MIN_SIDE
from steel.io.logo_text import DEFAULT_FONT, draw_logo, render_text, write_text_logo


def test_word_is_black_on_white_with_a_margin():
    image = render_text("Acme", width=200)
    assert image.mode == "RGB" and image.width == 200
    assert 40 < image.height < 120  # a word mark: wider than high
    grey = np.asarray(image.convert("L"))
    assert grey.min() == 0 and grey.max() == 255
    for border in (grey[:3], grey[-3:], grey[:, :3], grey[:, -3:]):
        assert (border == 255).all()


def test_a_word_is_drawn_at_the_runs_default_width(tmp_path):
    from steel.settings import BY_NAME

    assert render_text("Acme").width == BY_NAME["width"].default
    assert Image.open(write_text_logo(tmp_path / "acme.png", "Acme")).width == BY_NAME["width"].default


def test_the_bundled_font_is_the_default_and_another_font_differs():
    assert DEFAULT_FONT.is_file()
    plain = np.asarray(render_text("Acme", width=160))
    metal = np.asarray(render_text("Acme", METAL_FONT, width=160))
    assert plain.shape != metal.shape or (plain != metal).any()


def ink_margins(image: Image.Image) -> tuple[int, int, int, int]:
    """White rows or columns between the ink and the left, top, right and bottom edges."""
    ink = np.asarray(image.convert("L")) < 250  # a long text at a small width is faint grey
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return cols[0], rows[0], ink.shape[1] - 1 - cols[-1], ink.shape[0] - 1 - rows[-1]


@pytest.mark.parametrize("text", ["Averyveryverylongcompanyname", "Acme Corp " * 10])
def test_a_long_word_at_a_small_width_keeps_the_minimum_height_with_the_word_whole_and_centred(text):
    image = render_text(text, width=64)
    assert image.width == 64 and image.height >= MIN_SIDE
    left, top, right, bottom = ink_margins(image)
    assert min(top, bottom) > 0 and abs(top - bottom) <= 2  # padded above and below alike
    assert abs(left - right) <= 2  # not cut at either end


@pytest.mark.parametrize(
    ("text", "font", "words"),
    [
        ("", None, "text is empty"),
        ("   ", None, "text is empty"),
        ("Acme", "no/such/font.ttf", "does not exist"),
        ("Acme", "NOTAFONT", "cannot read font"),
        ("\U0001f918\U0001f525", None, r"Inter Bold has no glyph for '\U0001f918' \(U\+1F918\) '\U0001f525'"),
        ("\u05e9\u05dc\u05d5\u05dd", None, r"no glyph for '\u05e9' \(U\+05E9\)"),
        ("Z\u0337a\u0338l", None, r"no glyph for '\u0337' \(U\+0337\) '\u0338' \(U\+0338\)"),
        # white space but the space and the line break is drawn from the font too
        ("Acme\u2028Corp", None, r"Inter Bold has no glyph for '\\u2028' \(U\+2028\) in the text"),
        ("Acme\u1680Corp", None, r"Inter Bold has no glyph for '\\u1680' \(U\+1680\) in the text"),
        ("Ac\x07me", None, r"control characters \(U\+0007\)"),
        ("Ac\u200eme", None, r"control characters \(U\+200E\)"),
        ("A" * 101, None, "has 101 characters; a logo shows at most 100"),
        ("Acme", str(METAL_FONT), None),  # Metal Mania has Latin letters: no error
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, text, font, words):
    if font == "NOTAFONT":
        font = tmp_path / "font.ttf"
        font.write_text("not a font")
    out = tmp_path / "out" / "logo.png"
    if words is None:
        write_text_logo(out, text, font, 128)
        assert out.is_file()
        return
    with pytest.raises(SteelError, match=words) as error:
        write_text_logo(out, text, font, 128)
    assert "\n" not in str(error.value)
    assert not out.parent.exists()


def test_write_text_logo(tmp_path):
    path = write_text_logo(tmp_path / "a" / "acme.png", "Acme", None, 96)
    with Image.open(path) as image:
        assert image.width == 96
    assert [p.name for p in path.parent.iterdir()] == ["acme.png"]


def test_more_than_ten_missing_letters_are_counted_not_listed():
    text = "".join(chr(0x0430 + i) for i in range(13))  # Cyrillic: Metal Mania has none of it
    with pytest.raises(
        SteelError, match=r"'\u0439' \(U\+0439\) and 3 more in the text; choose a font"
    ) as error:
        render_text(text, METAL_FONT, 128)
    assert "U+043A" not in str(error.value)


def test_an_image_file_is_drawn_from_the_file_not_from_the_text(tmp_path):
    Image.new("RGB", (200, 100), (255, 0, 0)).save(tmp_path / "red.png")
    image = draw_logo(tmp_path / "red.png", "Acme", None, 100)
    assert image.size == (100, 50) and image.getpixel((50, 25)) == (255, 0, 0)


def test_a_metal_font_without_a_letter_names_it():
    with pytest.raises(SteelError, match=rf"font {METAL_FONT} has no glyph for '\u0436' \(U\+0436\)"):
        render_text("\u0436uk", METAL_FONT, 128)


def test_a_line_break_makes_a_two_line_logo():
    one = np.asarray(render_text("Acme Corp", width=200).convert("L"))
    two = np.asarray(render_text("Acme\nCorp", width=200).convert("L"))
    assert two.shape[0] > 1.5 * one.shape[0]  # two lines of text, centred, each as wide as a word
    rows = (two < 128).any(axis=1)
    gaps = np.flatnonzero(np.diff(rows.astype(int)))
    assert len(gaps) == 4  # ink starts and ends twice: two lines with white between them
    assert render_text("Acme\r\nCorp", width=200).size == render_text("Acme\nCorp", width=200).size


def test_a_very_long_text_is_drawn_at_a_bounded_size(monkeypatch):
    """100 characters at a small width: the word is drawn at a smaller font size instead of at
    DRAW_SIZE on a canvas 64 times too wide (which then got padded to gigabytes)."""
    import steel.io.logo_text as logo_text

    drawn = []
    original = logo_text.load_font
    monkeypatch.setattr(
        logo_text,
        "load_font",
        lambda font, size=logo_text.DRAW_SIZE: drawn.append(size) or original(font, size),
    )
    assert render_text("Acme Corp " * 10, width=64).size == (64, MIN_SIDE)
    assert drawn[0] == logo_text.DRAW_SIZE and 0 < drawn[1] < logo_text.DRAW_SIZE / 2
    drawn.clear()
    render_text("Acme", width=64)
    assert drawn == [logo_text.DRAW_SIZE]  # a word: drawn at DRAW_SIZE, as before


CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from steel.errors import SteelError
from steel.io.logo_text import render_text
for width in (32, 128, 384):
    print(render_text(sys.argv[1] * int(sys.argv[2]), None, width).size)
try:
    render_text("W" * 1000, None, 128)
except SteelError as error:
    print("refused:", error)
"""


def test_long_texts_stay_within_2_gb():
    """In a subprocess under a 2 GB address-space cap (the reader is torch-free)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", CAPPED, "W", "100"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[:3] == ["(32, 32)", "(128, 32)", "(384, 32)"]
    assert lines[3].startswith("refused: the text has 1000 characters")


def test_an_entry_with_an_image_is_written_from_the_image_not_drawn(tmp_path, make_logo_file):
    from steel.io.images import read_logo
    from steel.io.logo_text import write_logo

    image = make_logo_file(tmp_path / "given.png", 96, 48, seed=1)
    written = write_logo(tmp_path / "logo.png", image, "Ignored", None, 64)
    with Image.open(written) as logo:
        assert np.array_equal(np.asarray(logo.convert("RGB")), np.asarray(read_logo(image, 64)))


@pytest.mark.parametrize("table", ["loca", "glyf"])
def test_a_font_with_a_damaged_outline_table_is_one_line(tmp_path, table):
    """FreeType opens the font and maps its characters, and fails only when it draws a glyph."""
    from fontTools.ttLib import TTFont

    data = bytearray(DEFAULT_FONT.read_bytes())
    with TTFont(DEFAULT_FONT) as font:
        entry = font.reader.tables[table]
        assert font["head"].indexToLocFormat == 0  # loca: 16-bit offsets, in units of 2 bytes
    if table == "loca":  # every glyph but the first starts 2 bytes late, inside another's outline
        offsets = np.frombuffer(data, ">u2", entry.length // 2, entry.offset).copy()
        offsets[1:] += 1
        data[entry.offset : entry.offset + entry.length] = offsets.tobytes()
    else:
        data[entry.offset : entry.offset + entry.length] = b"\xff" * entry.length
    damaged = tmp_path / "damaged.ttf"
    damaged.write_bytes(data)
    out = tmp_path / "out" / "logo.png"
    with pytest.raises(SteelError) as error:
        write_text_logo(out, "Acme", damaged, 128)
    assert str(error.value).startswith(f"cannot draw 'Acme' with font {damaged} (invalid ")
    assert str(error.value).endswith("the font file is damaged; give another .ttf or .otf file")
    assert not out.parent.exists()
