"""Contact sheets: a sweep's stylized images laid out like the paper's tables, and overviews of them.

A sheet, top to bottom: an optional title, a line naming the layers of each group, the style and
content images with their labels, then the grid. Above the grid a spanning label names the column
layers and each column is headed by its coefficient; left of the grid the row layers' label sits in
the corner and each row is headed by its coefficient. Optional notes (e.g. metrics) go under each
cell in a smaller font.

Every size follows the images: the cell size is the most common size of the cell images, the
font size is derived from the cell size, the gutters from the font size. Images are never squashed:
a cell image of another size is scaled to fit its box, centred. The geometry is computed by
:func:`steel.render.sheet_layout.sheet_layout` (deterministic, no drawing) and :func:`contact_sheet` draws it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from steel.errors import SteelError
from steel.render.sheet_layout import Box, SheetLayout, fit_box, sheet_layout
from steel.render.text import (
    MAX_FONT_SIZE,
    MIN_FONT_SIZE,
    font,
    line_height,
    printable,
    shorten,
    wrap,
)

ImageSource = str | Path | Image.Image | None

WHITE = (255, 255, 255)
INK = (20, 20, 20)
SOFT_INK = (85, 85, 85)
OUTLINE = (205, 205, 205)
MISSING_FILL = (232, 232, 232)
MISSING_INK = (110, 110, 110)
#: the band a transparent result (``stylized_alpha.png``) is laid on: a mid grey, on which a white
#: ground left behind and dark ink both show
ALPHA_BAND = (128, 128, 128)


def _source_label(source: ImageSource, fallback: str) -> str:
    return Path(source).stem if isinstance(source, str | Path) else fallback


def open_source(source: ImageSource) -> tuple[Image.Image | None, str]:
    """The image as RGB, or None and why not ("missing" or "unreadable")."""
    if source is None:
        return None, "missing"
    if isinstance(source, Image.Image):
        return source.convert("RGB"), ""
    if not Path(source).is_file():
        return None, "missing"
    from steel.io.images import read_image  # here: importing this module stays free of torch

    try:
        return read_image(source), ""
    except SteelError:
        return None, "unreadable"


def _open_rgba(source: ImageSource) -> tuple[Image.Image | None, str]:
    """A transparent result as RGBA (its alpha kept), or None and why not."""
    if source is None:
        return None, "missing"
    if isinstance(source, Image.Image):
        return source.convert("RGBA"), ""
    if not Path(source).is_file():
        return None, "missing"
    try:
        with Image.open(source) as opened:
            return opened.convert("RGBA"), ""
    except (OSError, ValueError):
        return None, "unreadable"


def _alpha_band(sheet: Image.Image, image: Image.Image, box: Box) -> None:
    """``box`` filled with :data:`ALPHA_BAND` and the RGBA ``image`` laid on it by its alpha (scaled
    to fit, centred, as a cell image)."""
    left, top, right, bottom = box
    sheet.paste(ALPHA_BAND, (left, top, right, bottom))
    target = fit_box(box, image.size)
    size = (target[2] - target[0], target[3] - target[1])
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    band = Image.new("RGBA", size, (*ALPHA_BAND, 255))
    sheet.paste(Image.alpha_composite(band, image).convert("RGB"), target[:2])


#: what a mask drops of a style, drawn faded this far toward white; its edge in :data:`MASK_EDGE`
MASK_FADE = 0.7
MASK_EDGE = (220, 30, 120)


def masked_picture(picture: Image.Image, mask: np.ndarray) -> Image.Image:
    """A style with its mask drawn over it: what the mask drops (its ground) faded toward white,
    the mask's edge drawn in :data:`MASK_EDGE`, so that a sheet shows what the run took."""
    image = np.asarray(picture.convert("RGB"), dtype=np.float32)
    keep = np.clip(np.asarray(mask, dtype=np.float32), 0, 1)[..., None]
    faded = image * (1 - MASK_FADE) + 255.0 * MASK_FADE
    drawn = image * keep + faded * (1 - keep)
    inside = Image.fromarray(((keep[..., 0] > 0.5) * 255).astype(np.uint8), "L")
    edge = np.asarray(inside.filter(ImageFilter.MaxFilter(3)), dtype=bool) & ~np.asarray(inside, dtype=bool)
    drawn[edge] = MASK_EDGE
    return Image.fromarray(np.clip(np.round(drawn), 0, 255).astype(np.uint8), "RGB")


#: the height a blend's styles are drawn at side by side (:func:`blend_picture`), at most
BLEND_HEIGHT = 64


def blend_picture(members: Sequence[tuple[ImageSource, str]]) -> Image.Image:
    """A blended style's images side by side at one height, each under its caption (its name and
    weight): one picture, drawn where a sheet shows its style."""
    opened = [(*open_source(source), caption) for source, caption in members]
    # at a logo's height on a sheet (a user's file may be far larger), so that the captions stay
    # legible once the picture is fitted into the sheet's style box
    height = min(
        BLEND_HEIGHT, max((image.height for image, _, _ in opened if image is not None), default=100)
    )
    size = max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, round(height * 0.4)))
    face = font(size)
    caption = line_height(face) + size // 4
    tiles = [
        (image.resize((max(1, round(image.width * height / image.height)), height), Image.Resampling.LANCZOS)
         if image is not None and image.height != height else image, why, text)
        for image, why, text in opened
    ]  # fmt: skip
    widths = [image.width if image is not None else 2 * height for image, _, _ in tiles]
    gap = size
    picture = Image.new("RGB", (sum(widths) + gap * (len(tiles) - 1), caption + height), WHITE)
    draw = ImageDraw.Draw(picture)
    left = 0
    for (image, why, text), width in zip(tiles, widths, strict=True):
        draw_text(draw, text, (left, 0, left + width, caption), face, INK, align="centre")
        box = (left, caption, left + width, caption + height)
        if image is None:
            draw_missing(draw, box, why, face)
        else:
            picture.paste(image, box[:2])
        left += width + gap
    return picture


def _cell_size(images: Sequence[Image.Image], fallback: tuple[int, int]) -> tuple[int, int]:
    """The most common image size (ties: the largest), or ``fallback`` when there is no image."""
    if not images:
        return fallback
    counts = Counter(image.size for image in images)
    return max(counts, key=lambda size: (counts[size], size[0] * size[1]))


def _check_shape(cells, row_values, col_values, row_layers, notes) -> None:
    rows = len(row_values) if row_layers else 1
    if len(cells) != rows or any(len(row) != len(col_values) for row in cells):
        raise ValueError(
            f"cells must be {rows} rows of {len(col_values)} (row values by column values); "
            f"got rows of {[len(row) for row in cells]}"
        )
    if notes is not None and (len(notes) != rows or any(len(row) != len(col_values) for row in notes)):
        raise ValueError("notes must have the same shape as cells")


def paste_fitted(sheet: Image.Image, image: Image.Image, box: Box) -> None:
    target = fit_box(box, image.size)
    size = (target[2] - target[0], target[3] - target[1])
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    sheet.paste(image, target[:2])


def draw_outline(draw: ImageDraw.ImageDraw, box: Box) -> None:
    """A thin grey frame just outside ``box`` (the box itself stays the image's)."""
    left, top, right, bottom = box
    draw.rectangle((left - 1, top - 1, right, bottom), outline=OUTLINE)


def draw_missing(draw: ImageDraw.ImageDraw, box: Box, why: str, face: ImageFont.FreeTypeFont) -> None:
    left, top, right, bottom = box
    draw.rectangle((left, top, right - 1, bottom - 1), fill=MISSING_FILL)
    centre = ((left + right) // 2, (top + bottom) // 2)
    draw.text(centre, shorten(why, face, right - left - 4), font=face, fill=MISSING_INK, anchor="mm")


def draw_text(draw, text: str, box: Box, face, fill=INK, align: str = "left") -> None:
    """One line of text in ``box`` (its top at the box's top), cut to the box's width."""
    left, top, right, _ = box
    text = shorten(printable(text), face, right - left)
    baseline = top + face.getmetrics()[0]
    x, anchor = {"left": (left, "ls"), "centre": ((left + right) // 2, "ms"), "right": (right, "rs")}[align]
    draw.text((x, baseline), text, font=face, fill=fill, anchor=anchor)


def contact_sheet(
    cells: Sequence[Sequence[ImageSource]],
    row_values: Sequence[float],
    col_values: Sequence[float],
    row_layers: Sequence[str],
    col_layers: Sequence[str],
    style: ImageSource,
    content: ImageSource,
    title: str | None = None,
    notes: Sequence[Sequence[str | None]] | None = None,
    *,
    style_label: str | None = None,
    content_label: str | None = None,
    cell_size: tuple[int, int] | None = None,
    alpha: Sequence[Sequence[ImageSource]] | None = None,
) -> Image.Image:
    """Draw a sweep's images as a table like the paper's; see :func:`contact_sheet_with_layout`."""
    return contact_sheet_with_layout(
        cells,
        row_values,
        col_values,
        row_layers,
        col_layers,
        style,
        content,
        title,
        notes,
        style_label=style_label,
        content_label=content_label,
        cell_size=cell_size,
        alpha=alpha,
    )[0]


def contact_sheet_with_layout(
    cells: Sequence[Sequence[ImageSource]],
    row_values: Sequence[float],
    col_values: Sequence[float],
    row_layers: Sequence[str],
    col_layers: Sequence[str],
    style: ImageSource,
    content: ImageSource,
    title: str | None = None,
    notes: Sequence[Sequence[str | None]] | None = None,
    *,
    style_label: str | None = None,
    content_label: str | None = None,
    cell_size: tuple[int, int] | None = None,
    alpha: Sequence[Sequence[ImageSource]] | None = None,
) -> tuple[Image.Image, SheetLayout]:
    """Draw a sweep's images as a table like the paper's; return the sheet and its geometry.

    ``cells[r][c]`` is the image (path or PIL image) of row value ``row_values[r]`` and column value
    ``col_values[c]``; None, a missing path or an unreadable file is drawn as a grey "missing" /
    "unreadable" cell. Without ``row_layers`` (a sweep with no row group) ``cells`` is one row and
    ``row_values`` is ignored. ``notes`` has the shape of ``cells`` (entries may be None).
    ``style_label`` / ``content_label`` default to "style: <file stem>" / "content: <file stem>".
    ``cell_size`` defaults to the most common size of the cell images (of the content image if
    there is none). ``alpha``, of the shape of ``cells``: each cell's transparent result
    (``stylized_alpha.png``), drawn under the cell on a band of :data:`ALPHA_BAND` grey, so that
    the ground it dropped shows grey and its ink as drawn (a missing one as a grey "missing" box).
    """
    _check_shape(cells, row_values, col_values, row_layers, notes)
    if alpha is not None and (
        len(alpha) != len(cells) or any(len(a) != len(c) for a, c in zip(alpha, cells, strict=False))
    ):
        raise ValueError("alpha must have the same shape as cells")
    opened = [[open_source(source) for source in row] for row in cells]
    style_image, style_why = open_source(style)
    content_image, content_why = open_source(content)
    present = [image for row in opened for image, _ in row if image is not None]
    fallback = content_image.size if content_image is not None else (300, 100)
    cell_size = cell_size or _cell_size(present, fallback)
    layout = sheet_layout(
        (len(cells), len(col_values)),
        cell_size,
        row_values,
        col_values,
        row_layers,
        col_layers,
        style_image.size if style_image is not None else cell_size,
        content_image.size if content_image is not None else cell_size,
        title=title,
        style_label=style_label or f"style: {_source_label(style, 'image')}",
        content_label=content_label or f"content: {_source_label(content, 'image')}",
        with_notes=notes is not None,
        with_alpha=alpha is not None,
    )
    sheet = Image.new("RGB", layout.size, WHITE)
    draw = ImageDraw.Draw(sheet)
    regular, bold = font(layout.font_size), font(layout.font_size, bold=True)
    note_face = font(layout.note_font_size)
    title_face = font(round(layout.font_size * 1.35), bold=True)

    for text, is_bold, box in layout.title_lines:
        draw_text(draw, text, box, title_face if is_bold else regular, INK if is_bold else SOFT_INK)
    for image, why, box, (label, label_box) in (
        (style_image, style_why, layout.style_box, layout.style_label),
        (content_image, content_why, layout.content_box, layout.content_label),
    ):
        if image is None:
            draw_missing(draw, box, why, regular)
        else:
            paste_fitted(sheet, image, box)
        draw_outline(draw, box)
        draw_text(draw, label, label_box, regular, SOFT_INK)

    draw_text(draw, *layout.column_label, regular, SOFT_INK, align="centre")
    for text, box in layout.column_headers:
        draw_text(draw, text, box, bold, align="centre")
    if layout.row_label is not None:
        draw_text(draw, *layout.row_label, regular, SOFT_INK, align="right")
    for text, box in layout.row_headers:
        draw_text(draw, text, box, bold, align="right")

    for r, row in enumerate(opened):
        for c, (image, why) in enumerate(row):
            box = layout.cells[r][c]
            if image is None:
                draw_missing(draw, box, why, regular)
            else:
                paste_fitted(sheet, image, box)
            draw_outline(draw, box)
            if layout.alpha is not None:
                band_image, band_why = _open_rgba(alpha[r][c])
                band_box = layout.alpha[r][c]
                if band_image is None:
                    draw_missing(draw, band_box, band_why, regular)
                else:
                    _alpha_band(sheet, band_image, band_box)
            if notes is not None and notes[r][c]:
                draw_text(draw, notes[r][c], layout.notes[r][c], note_face, SOFT_INK, align="centre")
    return sheet, layout


def overview(
    sheets: Sequence[tuple[str, ImageSource]],
    *,
    columns: int = 1,
    width: int | None = None,
    title: str | None = None,
) -> Image.Image:
    """Several sheets at a glance: each scaled to a common ``width`` (aspect kept) under its label.

    ``sheets`` is a list of (label, path or image), placed left to right in ``columns`` columns and
    then top to bottom. ``width`` defaults to the narrowest sheet's width (so nothing is enlarged
    unless sheets differ). A missing sheet is drawn as a grey "missing" box.
    """
    if not sheets:
        raise ValueError("overview needs at least one sheet")
    opened = [(label, *open_source(source)) for label, source in sheets]
    present = [image for _, image, _ in opened if image is not None]
    width = width or (min(image.width for image in present) if present else 800)
    aspect = present[0].height / present[0].width if present else 0.5
    size = max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, round(width / 60)))
    bold, regular, title_face = font(size, bold=True), font(size), font(round(size * 1.35), bold=True)
    lh = line_height(bold)
    gutter = max(8, round(size * 0.6))
    margin, pad = 2 * gutter, max(4, gutter // 2)

    scaled = []
    for label, image, why in opened:
        # a missing sheet gets a short placeholder, not the height of a whole sheet
        h = (
            round(width * image.height / image.width)
            if image is not None
            else min(round(width * aspect), 4 * lh)
        )
        scaled.append((label, image.resize((width, h), Image.Resampling.LANCZOS) if image else None, why, h))
    columns = max(1, min(columns, len(scaled)))
    rows = [scaled[i : i + columns] for i in range(0, len(scaled), columns)]
    total_w = 2 * margin + columns * width + (columns - 1) * 2 * gutter
    title_lines = wrap(title, title_face, total_w - 2 * margin) if title else []
    title_h = sum(line_height(title_face) + pad for _ in title_lines) + (gutter if title_lines else 0)
    row_hs = [lh + pad + max(h for *_, h in row) for row in rows]
    total_h = 2 * margin + title_h + sum(row_hs) + (len(rows) - 1) * 2 * gutter

    canvas = Image.new("RGB", (total_w, total_h), WHITE)
    draw = ImageDraw.Draw(canvas)
    y = margin
    for line in title_lines:
        draw_text(draw, line, (margin, y, total_w - margin, y + lh), title_face)
        y += line_height(title_face) + pad
    y += gutter if title_lines else 0
    for row, row_h in zip(rows, row_hs, strict=True):
        for c, (label, image, why, h) in enumerate(row):
            x = margin + c * (width + 2 * gutter)
            draw_text(draw, label, (x, y, x + width, y + lh), bold)
            box = (x, y + lh + pad, x + width, y + lh + pad + h)
            if image is None:
                draw_missing(draw, box, why, regular)
            else:
                canvas.paste(image, box[:2])
            draw_outline(draw, box)
        y += row_h + 2 * gutter
    return canvas
