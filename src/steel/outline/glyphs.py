"""A text's glyph outlines in a font, laid out as :func:`steel.io.logo_text.render_text` draws the
word, so that the outlines drawn at the working width cover the pixels of the text logo.

HarfBuzz shapes each line (the engine under Pillow's text layout: the same glyphs, kerning and
ligatures); fontTools draws each glyph's outline, TrueType quadratics and CFF cubics alike,
composite glyphs decomposed. Where the lines go and the box the word is cropped to are Pillow's
own, read from the font ``render_text`` draws with; the margin, the padding and the scaling to the
working width are ``render_text``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from steel.errors import SteelError
from steel.io.limits import MIN_SIDE, check_image_size, check_pixels
from steel.io.logo_text import (
    DEFAULT_FONT,
    DRAW_SIZE,
    MARGIN,
    MAX_DRAW_RATIO,
    WIDTH,
    _ink_box,
    check_glyphs,
    load_font,
)
from steel.outline.pen import OutlinePen
from steel.outline.raster import Outlines
from steel.plan.logos import check_text


@dataclass(frozen=True)
class TextOutlines:
    """A text's outlines in pixels of a canvas ``size`` (width, height): one shape per inked
    glyph, named in ``glyphs`` (the font's glyph names) in the order of the text."""

    outlines: Outlines
    size: tuple[int, int]
    glyphs: tuple[str, ...]


def text_outlines(text: str, font: str | Path | None = None, width: int | None = WIDTH) -> TextOutlines:
    """The glyph outlines of ``text`` in ``font`` (default: the bundled Inter Bold) where
    :func:`steel.io.logo_text.render_text` draws its ink at ``width`` px (None: at its drawing
    size). A ``\n`` starts a new line (lines centred)."""
    text = check_text(text)
    check_glyphs(text, font)
    face = load_font(font)
    box = _ink_box(text, face)
    if width is not None and box[2] - box[0] > MAX_DRAW_RATIO * width:
        face = load_font(font, max(1, math.floor(DRAW_SIZE * MAX_DRAW_RATIO * width / (box[2] - box[0]))))
        box = _ink_box(text, face)
    lines = text.split("\n")
    # where Pillow puts each line: its pen origin after centring, and its baseline below the top
    widths = [face.getlength(line) for line in lines]
    ascent = face.getmetrics()[0]
    pitch = _line_pitch(face)
    path = Path(DEFAULT_FONT if font is None else font).expanduser()
    with TTFont(str(path), fontNumber=0) as opened:
        glyph_set = opened.getGlyphSet()
        order = opened.getGlyphOrder()
        units = face.size / opened["head"].unitsPerEm
        pen = OutlinePen(glyph_set)
        names = []
        for number, line in enumerate(lines):
            x = (max(widths) - widths[number]) / 2 / units
            for glyph, advance, dx, dy in _shaped(path, line):
                before = len(pen.contours)
                pen.group = len(names)
                # font units (y up) to drawing pixels (y down)
                place = (units, 0, 0, -units, (x + dx) * units, ascent + number * pitch - dy * units)
                glyph_set[order[glyph]].draw(TransformPen(pen, place))
                if len(pen.contours) > before:
                    names.append(order[glyph])
                x += advance
    if not pen.contours:
        raise SteelError(f"the font draws nothing for {text!r}; choose a font that has these letters")
    drawn = pen.outlines()
    placed, size = _fitted(drawn.points, box, width, text)
    return TextOutlines(drawn.with_points(placed), size, tuple(names))


def _shaped(path: Path, line: str) -> list[tuple[int, float, float, float]]:
    """(glyph id, advance, x offset, y offset) in font units of each glyph of ``line`` shaped by
    HarfBuzz with its default features (as Pillow's layout shapes it), in visual order."""
    import uharfbuzz

    shaper = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), 0))
    buffer = uharfbuzz.Buffer()
    buffer.add_str(line)
    buffer.guess_segment_properties()
    uharfbuzz.shape(shaper, buffer, {})
    return [
        (info.codepoint, place.x_advance, place.x_offset, place.y_offset)
        for info, place in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    ]


def _line_pitch(face) -> float:
    """The distance between baselines of Pillow's multi-line text in ``face``, read from Pillow
    itself (two lines' box against one line's)."""
    from PIL import Image, ImageDraw

    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    one = probe.textbbox((0, 0), "A", font=face)
    two = probe.multiline_textbbox((0, 0), "A\nA", font=face)
    return two[3] - one[3]


def _fitted(
    points: torch.Tensor, box: tuple[float, float, float, float], width: int | None, text: str
) -> tuple[torch.Tensor, tuple[int, int]]:
    """``points`` (drawing pixels) placed on the canvas of ``render_text``: Pillow's ``box`` of
    the text in whole pixels, a margin of :data:`MARGIN` of its height, padded to :data:`MIN_SIDE` px high at
    ``width``, then scaled to ``width``; and the canvas size (width, height)."""
    left, top, right, bottom = box
    margin = max(1, round(MARGIN * (bottom - top)))
    drawn = (right - left + 2 * margin, bottom - top + 2 * margin)
    shift = points.new_tensor([margin - left, margin - top])
    if width is None:
        return points + shift, drawn
    if round(drawn[1] * width / drawn[0]) < MIN_SIDE:
        tall = round(MIN_SIDE * drawn[0] / width) + 1
        shift[1] += (tall - drawn[1]) // 2
        drawn = (drawn[0], tall)
    size = (width, max(1, round(drawn[1] * width / drawn[0])))
    what = f"text logo {text!r}"
    check_pixels(size, what)
    check_image_size(size[1], size[0], what)
    scale = points.new_tensor([size[0] / drawn[0], size[1] / drawn[1]])
    return (points + shift) * scale, size
