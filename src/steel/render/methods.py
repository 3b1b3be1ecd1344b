"""The methods sheet: Network of Steel's cells beside another method's (MSG-Net) on one pair, each
with its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from steel.render.sheets import (
    SOFT_INK,
    WHITE,
    ImageSource,
    draw_missing,
    draw_outline,
    draw_text,
    open_source,
    paste_fitted,
)
from steel.render.text import (
    MAX_FONT_SIZE,
    MIN_FONT_SIZE,
    MIN_NOTE_FONT_SIZE,
    font,
    line_height,
    printable,
    text_width,
    wrap,
)


def methods_sheet(
    panels: Sequence[tuple[str, ImageSource, str | None]],
    *,
    title: str | None = None,
    width: int | None = None,
) -> Image.Image:
    """The methods side by side, one under the other (logos are wide): each panel is
    (label, image, note), its label above the image and its note (e.g. metrics) below.

    Images are scaled to a common ``width`` (default: the widest image's), never squashed; a missing
    or unreadable image is drawn as a grey box of the others' height.
    """
    if not panels:
        raise ValueError("methods_sheet needs at least one panel")
    opened = [(label, *open_source(source), note) for label, source, note in panels]
    present = [image for _, image, _, _ in opened if image is not None]
    width = width or (max(image.width for image in present) if present else 600)
    fallback_h = (
        max(round(width * image.height / image.width) for image in present) if present else width // 4
    )
    size = max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, round(width / 32)))
    bold, regular = font(size, bold=True), font(size)
    note_face = font(max(MIN_NOTE_FONT_SIZE, round(size * 0.85)))
    title_face = font(round(size * 1.35), bold=True)
    gutter = max(8, round(size * 0.6))
    margin, pad = 2 * gutter, max(4, gutter // 2)
    label_w = max(text_width(label, bold) for label, *_ in opened)
    label_w = min(label_w, width // 2)
    total_w = 2 * margin + label_w + gutter + width
    title_lines = wrap(printable(title), title_face, total_w - 2 * margin) if title else []

    heights = [
        round(width * image.height / image.width) if image is not None else fallback_h
        for _, image, _, _ in opened
    ]
    note_h = line_height(note_face) + pad
    total_h = (
        2 * margin
        + sum(line_height(title_face) + pad for _ in title_lines)
        + (gutter if title_lines else 0)
        + sum(h + note_h for h in heights)
        + (len(opened) - 1) * gutter
    )
    sheet = Image.new("RGB", (total_w, total_h), WHITE)
    draw = ImageDraw.Draw(sheet)
    y = margin
    for line in title_lines:
        draw_text(draw, line, (margin, y, total_w - margin, y + line_height(title_face)), title_face)
        y += line_height(title_face) + pad
    y += gutter if title_lines else 0
    x = margin + label_w + gutter
    for (label, image, why, note), h in zip(opened, heights, strict=True):
        box = (x, y, x + width, y + h)
        middle = y + (h - line_height(bold)) // 2
        label_box = (margin, middle, margin + label_w, middle + line_height(bold))
        draw_text(draw, label, label_box, bold, align="right")
        if image is None:
            draw_missing(draw, box, why, regular)
        else:
            paste_fitted(sheet, image, box)
        draw_outline(draw, box)
        if note:
            draw_text(draw, note, (x, y + h + pad, x + width, y + h + note_h), note_face, SOFT_INK)
        y += h + note_h + gutter
    return sheet
