"""Text on sheets: cut to a width with an ellipsis, wrapped at spaces (steel.render.text)."""

from __future__ import annotations

from steel.render.text import font, shorten, text_width, wrap

FACE = font(14)


def test_a_text_that_fits_exactly_is_kept_and_a_longer_one_is_cut_to_fit_with_an_ellipsis():
    text = "conv1_2-2000__conv4_3-200"
    exact = text_width(text, FACE)
    assert shorten(text, FACE, exact) == text
    cut = shorten(text, FACE, exact - 1)
    assert cut.endswith("…") and text.startswith(cut[:-1]) and text_width(cut, FACE) <= exact - 1
    # the longest cut that fits: one more letter would not
    assert text_width(text[: len(cut)] + "…", FACE) > exact - 1
    assert shorten(text, FACE, 1) == ""


def test_wrap_breaks_at_spaces_into_lines_that_fit():
    text = "the strongest style among the cells that OCR still reads"
    width = text_width("the strongest style among", FACE)
    lines = wrap(text, FACE, width)
    assert lines[0] == "the strongest style among" and " ".join(lines) == text
    assert all(text_width(line, FACE) <= width for line in lines)
    assert wrap("Averyveryverylongword and", FACE, 10) == ["Averyveryverylongword", "and"]
