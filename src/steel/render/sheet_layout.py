"""A contact sheet's geometry: every box of the sheet, computed from the images' sizes, without
drawing (:func:`steel.render.sheets.contact_sheet` draws it).

Every size follows the images: the font size is derived from the cell size, the gutters from the
font size. Images are never squashed: one of another size is scaled to fit its box, centred.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageFont

from steel.layers import format_value
from steel.plan.run_folder import ALPHA
from steel.render.text import (
    MAX_FONT_SIZE,
    MIN_FONT_SIZE,
    MIN_NOTE_FONT_SIZE,
    font,
    line_height,
    text_width,
    wrap,
)

#: (left, top, right, bottom) in pixels, as used by ``Image.crop``
Box = tuple[int, int, int, int]

#: the legend line of a sheet with alpha bands
ALPHA_NOTE = f"under each cell: {ALPHA} (its ground transparent) on mid grey"


def fit_box(box: Box, size: tuple[int, int]) -> Box:
    """Where an image of ``size`` goes inside ``box``: scaled to fit (aspect kept), centred.

    An image of exactly the box's size fills the box.
    """
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    if size == (width, height):
        return box
    scale = min(width / size[0], height / size[1])
    w, h = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
    x, y = left + (width - w) // 2, top + (height - h) // 2
    return (x, y, x + w, y + h)


def group_title(row_layers: Sequence[str], col_layers: Sequence[str]) -> str:
    """``rows: conv1_1, conv1_2 · columns: conv4_1, conv4_2, conv4_3``."""
    parts = [f"rows: {', '.join(row_layers)}"] if row_layers else []
    parts.append(f"columns: {', '.join(col_layers)}")
    return " · ".join(parts)


@dataclass(frozen=True)
class SheetLayout:
    """Every box of a contact sheet; boxes are (left, top, right, bottom) pixel coordinates."""

    size: tuple[int, int]  # (width, height) of the whole sheet
    cell_size: tuple[int, int]  # (width, height) of one cell box
    font_size: int  # regular text; the title is larger, notes smaller
    note_font_size: int
    gutter: int  # white space between cells, and between the grid and its headers
    margin: int  # white border around everything
    title_lines: tuple[tuple[str, bool, Box], ...]  # (text, bold, box) of each title line
    style_box: Box
    content_box: Box
    style_label: tuple[str, Box]
    content_label: tuple[str, Box]
    column_label: tuple[str, Box]  # spanning label naming the column layers
    column_headers: tuple[tuple[str, Box], ...]
    row_label: tuple[str, Box] | None  # corner label naming the row layers (None: no row layers)
    row_headers: tuple[tuple[str, Box], ...]  # empty without row layers
    cells: tuple[tuple[Box, ...], ...]  # [row][column] box of each cell image
    notes: tuple[tuple[Box, ...], ...] | None  # [row][column] box of each note line, if notes
    #: [row][column] box of the grey band under each cell that shows its transparent result, if any
    alpha: tuple[tuple[Box, ...], ...] | None = None

    @property
    def grid_box(self) -> Box:
        """The box around all cells (headers excluded)."""
        return (self.cells[0][0][0], self.cells[0][0][1], self.cells[-1][-1][2], self.cells[-1][-1][3])


def sheet_font_size(cell_size: tuple[int, int]) -> int:
    """Text size for cells of ``cell_size``: grows with the cell, never below :data:`MIN_FONT_SIZE`."""
    width, height = cell_size
    return max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, round(min(width / 24, height / 3))))


def sheet_layout(
    shape: tuple[int, int],
    cell_size: tuple[int, int],
    row_values: Sequence[float],
    col_values: Sequence[float],
    row_layers: Sequence[str],
    col_layers: Sequence[str],
    style_size: tuple[int, int],
    content_size: tuple[int, int],
    *,
    title: str | None = None,
    style_label: str = "style",
    content_label: str = "content",
    with_notes: bool = False,
    with_alpha: bool = False,
) -> SheetLayout:
    """The geometry of a contact sheet with ``shape`` = (rows, columns) cells of ``cell_size``.

    ``style_size`` and ``content_size`` are the sizes of the reference images; they are shown at
    the cells' height. Without ``row_layers`` the grid has one row and no row headers.
    ``row_layers`` and ``col_layers`` name what the rows and columns vary (layers, or a loss setting
    such as ``loss.content_weight``); their values may be numbers or words.
    """
    rows, cols = shape
    cw, ch = cell_size
    size = sheet_font_size(cell_size)
    note_size = max(MIN_NOTE_FONT_SIZE, round(size * 0.85))
    regular, bold, note = font(size), font(size, bold=True), font(note_size)
    title_face = font(round(size * 1.35), bold=True)
    lh, note_lh = line_height(regular), line_height(note)
    gutter = max(8, round(size * 0.6))
    margin = 2 * gutter
    pad = max(4, gutter // 2)  # between a text line and what it labels

    values = [format_value(v) for v in row_values] if row_layers else []
    row_label = ", ".join(row_layers)
    row_header_w = max(text_width(t, bold) for t in [*values, row_label]) if row_layers else 0
    grid_x = margin + (row_header_w + gutter if row_layers else 0)
    grid_w = cols * cw + (cols - 1) * gutter
    note_h = pad + note_lh if with_notes else 0
    band_h = pad + ch if with_alpha else 0  # the transparent result under each cell, as tall

    # the style and content images at the cells' height, each with its label below it
    ref_h = ch
    refs = []
    x = margin
    for ref_size, label in ((style_size, style_label), (content_size, content_label)):
        w = max(1, round(ref_size[0] * ref_h / ref_size[1]))
        slot = max(w, text_width(label, regular))
        refs.append((x, w, label))
        x += slot + 2 * gutter
    refs_w = x - 2 * gutter - margin

    content_w = max(grid_x - margin + grid_w, refs_w)
    lines: list[tuple[str, bool, ImageFont.FreeTypeFont]] = []
    if title:
        lines += [(t, True, title_face) for t in wrap(title, title_face, content_w)]
    lines += [(t, False, regular) for t in wrap(group_title(row_layers, col_layers), regular, content_w)]
    if with_alpha:
        lines += [(t, False, regular) for t in wrap(ALPHA_NOTE, regular, content_w)]
    content_w = max([content_w] + [text_width(t, f) for t, _, f in lines])
    width = margin + content_w + margin

    y = margin
    title_lines = []
    for text, is_bold, face in lines:
        h = line_height(face)
        title_lines.append((text, is_bold, (margin, y, margin + text_width(text, face), y + h)))
        y += h + pad
    y += gutter - pad

    ref_boxes, ref_labels = [], []
    for x, w, label in refs:
        ref_boxes.append((x, y, x + w, y + ref_h))
        ref_labels.append((label, (x, y + ref_h + pad, x + text_width(label, regular), y + ref_h + pad + lh)))
    y += ref_h + pad + lh + 2 * gutter

    column_label = (", ".join(col_layers), (grid_x, y, grid_x + grid_w, y + lh))
    y += lh + pad
    column_headers = tuple(
        (format_value(v), (grid_x + c * (cw + gutter), y, grid_x + c * (cw + gutter) + cw, y + lh))
        for c, v in enumerate(col_values)
    )
    corner = (row_label, (margin, y, margin + row_header_w, y + lh)) if row_layers else None
    y += lh + pad

    cells, bands, notes, row_headers = [], [], [], []
    for r in range(rows):
        top = y + r * (ch + band_h + note_h + gutter)
        cells.append(
            tuple(
                (grid_x + c * (cw + gutter), top, grid_x + c * (cw + gutter) + cw, top + ch)
                for c in range(cols)
            )
        )
        bands.append(
            tuple((left, bottom + pad, right, bottom + band_h) for left, _, right, bottom in cells[-1])
        )
        notes.append(
            tuple(
                (left, bottom + band_h + pad, right, bottom + band_h + note_h)
                for left, _, right, bottom in cells[-1]
            )
        )
        if row_layers:
            mid = top + (ch - lh) // 2
            row_headers.append((values[r], (margin, mid, margin + row_header_w, mid + lh)))
    height = y + rows * (ch + band_h + note_h) + (rows - 1) * gutter + margin

    return SheetLayout(
        size=(width, height),
        cell_size=(cw, ch),
        font_size=size,
        note_font_size=note_size,
        gutter=gutter,
        margin=margin,
        title_lines=tuple(title_lines),
        style_box=ref_boxes[0],
        content_box=ref_boxes[1],
        style_label=ref_labels[0],
        content_label=ref_labels[1],
        column_label=column_label,
        column_headers=column_headers,
        row_label=corner,
        row_headers=tuple(row_headers),
        cells=tuple(cells),
        notes=tuple(notes) if with_notes else None,
        alpha=tuple(bands) if with_alpha else None,
    )
