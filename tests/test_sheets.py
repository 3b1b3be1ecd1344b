"""Contact sheets: size, headers, cell placement, missing cells, aspect ratio; overviews."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from steel.sheets import (
    MIN_FONT_SIZE,
    contact_sheet,
    contact_sheet_with_layout,
    fit_box,
    overview,
    printable,
)

CELL = (120, 40)
COLOURS = [(220, 40, 40), (40, 160, 60), (40, 80, 220), (200, 160, 20)]


def _png(path, size, colour):
    Image.new("RGB", size, colour).save(path)
    return path


@pytest.fixture
def sweep(tmp_path):
    """A 2x2 sweep of distinctly coloured 120x40 cells, a style and a content image."""
    cells = [
        [_png(tmp_path / f"cell{r}{c}.png", CELL, COLOURS[2 * r + c]) for c in range(2)] for r in range(2)
    ]
    style = _png(tmp_path / "metal.png", (160, 40), (0, 0, 0))
    content = _png(tmp_path / "corp.png", CELL, (90, 90, 90))
    return {
        "cells": cells,
        "row_values": [0, 2000],
        "col_values": [200, 2000],
        "row_layers": ["conv1_1", "conv1_2"],
        "col_layers": ["conv4_1", "conv4_2", "conv4_3"],
        "style": style,
        "content": content,
    }


def _dark(image, box, threshold=128):
    return int((np.asarray(image.crop(box).convert("L")) < threshold).sum())


def test_size_follows_cells_and_gutters(sweep):
    sheet, layout = contact_sheet_with_layout(**sweep, title="table9")
    assert sheet.size == layout.size
    g, m = layout.gutter, layout.margin
    assert layout.cell_size == CELL
    left, top, right, bottom = layout.grid_box
    assert (right - left, bottom - top) == (2 * CELL[0] + g, 2 * CELL[1] + g)
    # the grid ends one margin before the bottom edge; it is placed right of the row headers
    assert sheet.height == bottom + m
    row_header_w = layout.row_headers[0][1][2] - layout.row_headers[0][1][0]
    assert left == m + row_header_w + g
    assert sheet.width >= right + m
    assert layout.font_size >= MIN_FONT_SIZE
    # neighbouring cells are one gutter apart, in both directions
    assert layout.cells[0][1][0] - layout.cells[0][0][2] == g
    assert layout.cells[1][0][1] - layout.cells[0][0][3] == g


def test_headers_and_titles_are_not_blank(sweep):
    sheet, layout = contact_sheet_with_layout(**sweep, title="table9 · metal → corp")
    assert [h[0] for h in layout.column_headers] == ["200", "2000"]
    assert [h[0] for h in layout.row_headers] == ["0", "2000"]
    assert layout.title_lines[0][0].startswith("table9")
    assert "rows: conv1_1, conv1_2" in " ".join(t for t, _, _ in layout.title_lines)
    boxes = [b for _, b in layout.column_headers] + [b for _, b in layout.row_headers]
    boxes += [b for _, _, b in layout.title_lines]
    boxes += [layout.column_label[1], layout.row_label[1], layout.style_label[1], layout.content_label[1]]
    for box in boxes:
        assert _dark(sheet, box) > 5, box


def test_cells_appear_at_their_boxes(sweep):
    sheet, layout = contact_sheet_with_layout(**sweep)
    for r in range(2):
        for c in range(2):
            crop = sheet.crop(layout.cells[r][c])
            assert crop.size == CELL
            expected = Image.open(sweep["cells"][r][c]).convert("RGB")
            assert np.array_equal(np.asarray(crop), np.asarray(expected)), (r, c)
    style = np.asarray(sheet.crop(layout.style_box))
    assert style.shape[:2] == (CELL[1], 160) and style.max() == 0


def test_missing_and_unreadable_cells_are_marked(sweep, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    sweep["cells"][0][1] = tmp_path / "absent.png"
    sweep["cells"][1][0] = broken
    sweep["cells"][1][1] = None
    sheet, layout = contact_sheet_with_layout(**sweep)
    for r, c in [(0, 1), (1, 0), (1, 1)]:
        crop = np.asarray(sheet.crop(layout.cells[r][c]).convert("L"))
        # light grey with darker "missing"/"unreadable" text in it
        assert np.median(crop) == pytest.approx(232, abs=3)
        assert (crop < 160).sum() > 5
    present = sheet.crop(layout.cells[0][0])
    assert np.array_equal(np.asarray(present), np.asarray(Image.open(sweep["cells"][0][0])))


def test_aspect_kept_for_odd_cells(sweep, tmp_path):
    # a square image among wide cells is fitted into the cell box, not squashed
    sweep["cells"][0][0] = _png(tmp_path / "square.png", (40, 40), (250, 0, 250))
    sheet, layout = contact_sheet_with_layout(**sweep)
    assert layout.cell_size == CELL
    inner = fit_box(layout.cells[0][0], (40, 40))
    assert (inner[2] - inner[0], inner[3] - inner[1]) == (40, 40)
    assert np.all(np.asarray(sheet.crop(inner)) == (250, 0, 250))
    # and a sweep of tall cells gets tall cell boxes
    tall = [[_png(tmp_path / f"tall{r}{c}.png", (30, 90), COLOURS[c]) for c in range(2)] for r in range(2)]
    _, tall_layout = contact_sheet_with_layout(**{**sweep, "cells": tall})
    left, top, right, bottom = tall_layout.cells[1][1]
    assert (right - left, bottom - top) == (30, 90)


def test_one_row_sweep_and_notes(sweep):
    sweep.update(row_layers=[], row_values=[], cells=[sweep["cells"][0]])
    notes = [["CER 0.10 · art 0.02", None]]
    sheet, layout = contact_sheet_with_layout(**sweep, notes=notes)
    assert layout.row_label is None and layout.row_headers == ()
    assert layout.cells[0][0][0] == layout.margin
    assert _dark(sheet, layout.notes[0][0]) > 5
    assert _dark(sheet, layout.notes[0][1]) == 0
    assert contact_sheet(**sweep, notes=notes).size == sheet.size


def test_wrong_shape_is_refused(sweep):
    with pytest.raises(ValueError, match="2 rows of 2"):
        contact_sheet(**{**sweep, "cells": sweep["cells"][:1]})


def test_characters_missing_from_the_font_are_replaced():
    assert printable("a → b · c") == "a -> b · c"


def test_overview_stacks_sheets_at_a_common_width(sweep, tmp_path):
    small = contact_sheet(**sweep)
    big = small.resize((small.width * 2, small.height * 2))
    image = overview([("one", small), ("two", big), ("gone", tmp_path / "absent.png")])
    assert image.width >= small.width
    assert image.width < big.width
    assert image.height > 2 * small.height
    grid = overview([("one", small), ("two", big)], columns=2, width=300)
    assert grid.width > 600 and grid.height < small.height * 300 / small.width + 200
