"""Contact sheets: size, headers, cell placement, missing cells, aspect ratio; overviews."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from steel.jobs.sheets import sheet_job
from steel.layers import cell_id
from steel.plan.sweeps import Sweep
from steel.render import sheets
from steel.render import text as typography
from steel.render.sheet_layout import ALPHA_NOTE, fit_box
from steel.render.sheets import contact_sheet, contact_sheet_with_layout, overview
from steel.render.text import MIN_FONT_SIZE, printable

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


def _drawn_alone(size, text, box, face, fill, align):
    """``text`` drawn by itself on a white sheet of ``size``, as the sheet draws it into ``box``."""
    image = Image.new("RGB", size, sheets.WHITE)
    sheets.draw_text(ImageDraw.Draw(image), text, box, face, fill, align=align)
    return np.asarray(image.crop(box))


def test_headers_are_drawn_in_their_own_boxes(sweep):
    sweep.update(row_values=[0, 20, 2000], col_values=[200, 2000])
    sweep["cells"] = [*sweep["cells"], sweep["cells"][0]]
    sheet, layout = contact_sheet_with_layout(**sweep, title="table9")
    bold = typography.font(layout.font_size, bold=True)
    assert [t for t, _ in layout.column_headers] == ["200", "2000"]
    assert [t for t, _ in layout.row_headers] == ["0", "20", "2000"]
    for text, box in layout.column_headers:
        crop = np.asarray(sheet.crop(box))
        assert np.array_equal(crop, _drawn_alone(sheet.size, text, box, bold, sheets.INK, "centre")), text
    for text, box in layout.row_headers:
        crop = np.asarray(sheet.crop(box))
        assert np.array_equal(crop, _drawn_alone(sheet.size, text, box, bold, sheets.INK, "right")), text
    # each header lines up with its column / row of cells
    for (_, box), cell in zip(layout.column_headers, layout.cells[0], strict=True):
        assert (box[0], box[2]) == (cell[0], cell[2]) and box[3] < cell[1]
    for (_, box), row in zip(layout.row_headers, layout.cells, strict=True):
        assert row[0][1] <= box[1] and box[3] <= row[0][3] and box[2] < row[0][0]


def test_notes_are_drawn_under_every_cell(sweep):
    notes = [
        ["CER 0.00 · art 0.01", "CER 0.25 · art 0.20"],
        ["CER 1.50 · art n/a: background not light", None],
    ]
    sheet, layout = contact_sheet_with_layout(**sweep, notes=notes)
    face = typography.font(layout.note_font_size)
    for r in range(2):
        for c in range(2):
            box = layout.notes[r][c]
            cell = layout.cells[r][c]
            assert (box[0], box[2]) == (cell[0], cell[2]) and cell[3] < box[1]
            crop = np.asarray(sheet.crop(box))
            if notes[r][c] is None:
                assert (crop == 255).all()
            else:
                expected = _drawn_alone(sheet.size, notes[r][c], box, face, sheets.SOFT_INK, "centre")
                assert np.array_equal(crop, expected), (r, c)


def test_sheet_job_places_each_cell_at_its_row_and_column(tmp_path):
    """A 2 x 3 sweep: each crop of the sheet is that cell's own stylized.png."""
    sweep = Sweep.from_config(
        "wide",
        {
            "title": "config title",
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"layers": ["conv4_3"], "values": [20, 200, 2000]},
        },
    )
    rng = np.random.default_rng(0)
    run_dirs = {}
    for r, row in enumerate(sweep.grid):
        for c, coefficients in enumerate(row):
            folder = tmp_path / "runs" / cell_id(coefficients)
            folder.mkdir(parents=True)
            pixels = rng.integers(0, 256, (30, 90, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / "stylized.png")
            metrics = {"cer": r + c / 10, "artefacts": 0.01 * c, "style_strength": 0.5}
            (folder / "metrics.json").write_text(json.dumps(metrics))
            run_dirs[cell_id(coefficients)] = str(folder)
    style = _png(tmp_path / "metal.png", (90, 30), (0, 0, 0))
    content = _png(tmp_path / "corp.png", (90, 30), (200, 200, 200))
    out = tmp_path / "sheet.png"
    layout = sheet_job(sweep, run_dirs, str(style), str(content), out, ("metal", "corp"), title="new title")
    sheet = Image.open(out).convert("RGB")
    assert sheet.size == layout.size
    assert layout.title_lines[0][0] == "new title"
    assert len(layout.cells) == 2 and all(len(row) == 3 for row in layout.cells)
    for r, row in enumerate(sweep.grid):
        for c, coefficients in enumerate(row):
            expected = np.asarray(Image.open(tmp_path / "runs" / cell_id(coefficients) / "stylized.png"))
            assert np.array_equal(np.asarray(sheet.crop(layout.cells[r][c])), expected), (r, c)
            assert _dark(sheet, layout.notes[r][c], threshold=200) > 5, (r, c)
    assert [t for t, _ in layout.column_headers] == ["20", "200", "2000"]
    assert [t for t, _ in layout.row_headers] == ["0", "2000"]
    # without a title param the sweep's own title is used
    layout = sheet_job(sweep, run_dirs, str(style), str(content), out, ("metal", "corp"), with_notes=False)
    assert layout.title_lines[0][0] == "config title" and layout.notes is None


def test_metrics_note_says_why_artefacts_are_missing(tmp_path):
    from steel.jobs.sheets import _metrics_note

    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"cer": 0.125, "artefacts": 0.0312, "style_strength": 0.4}))
    assert _metrics_note(path) == "CER 0.12 · art 0.03 · style 0.40"
    grey = {"cer": 0.5, "artefacts": None, "artefact_note": "background not light (border level 215 < 223)"}
    path.write_text(json.dumps(grey))
    assert _metrics_note(path) == "CER 0.50 · art n/a: background not light"
    assert _metrics_note(tmp_path / "absent.json") is None


def _alpha_logo(size=CELL):
    """An RGBA logo: transparent ground, an opaque black bar, a half-transparent red square."""
    pixels = np.zeros((size[1], size[0], 4), np.uint8)
    pixels[10:30, 10:60] = (0, 0, 0, 255)
    pixels[10:30, 80:100] = (255, 0, 0, 128)
    return Image.fromarray(pixels, "RGBA")


def test_alpha_results_sit_on_a_mid_grey_band_under_their_cells(sweep, tmp_path):
    plain, plain_layout = contact_sheet_with_layout(**sweep)
    assert plain_layout.alpha is None
    path = tmp_path / "alpha.png"
    _alpha_logo().save(path)
    alpha = [[path, _alpha_logo()], [tmp_path / "absent.png", path]]
    sheet, layout = contact_sheet_with_layout(**sweep, alpha=alpha)
    g, pad = layout.gutter, max(4, layout.gutter // 2)
    assert sheets.ALPHA_BAND == (128, 128, 128)
    # each band: the cell's size, right under it; the sheet grows by one band (and its pad) a row
    for r in range(2):
        for c in range(2):
            left, _, right, bottom = layout.cells[r][c]
            assert layout.alpha[r][c] == (left, bottom + pad, right, bottom + pad + CELL[1])
            # the cell itself is untouched
            expected = np.asarray(Image.open(sweep["cells"][r][c]).convert("RGB"))
            assert np.array_equal(np.asarray(sheet.crop(layout.cells[r][c])), expected)
    assert layout.cells[1][0][1] - layout.alpha[0][0][3] == g
    assert sheet.height - plain.height == 2 * (pad + CELL[1]) + (
        layout.title_lines[-1][2][3] - plain_layout.title_lines[-1][2][3]
    )
    assert ALPHA_NOTE in " ".join(text for text, _, _ in layout.title_lines)
    for r, c in [(0, 0), (0, 1), (1, 1)]:
        band = np.asarray(sheet.crop(layout.alpha[r][c])).astype(int)
        assert band.shape[:2] == (CELL[1], CELL[0])
        # the transparent ground shows the band's grey exactly, the opaque bar its black, the
        # half-transparent red square half red, half grey
        assert (band[:10] == 128).all() and (band[30:] == 128).all() and (band[:, :10] == 128).all()
        assert (band[10:30, 10:60] == 0).all()
        assert np.abs(band[10:30, 80:100] - (128 + 127 * 128 / 255, 64, 64)).max() <= 1
    missing = np.asarray(sheet.crop(layout.alpha[1][0]).convert("L"))
    assert np.median(missing) == pytest.approx(232, abs=3) and (missing < 160).sum() > 5
    with pytest.raises(ValueError, match="must have the same shape"):
        contact_sheet_with_layout(**sweep, alpha=[[path, path]])


def test_sheet_job_draws_each_cells_alpha_file_when_asked(tmp_path):
    from steel.plan.run_folder import ALPHA as ALPHA_FILE

    sweep = Sweep.from_config("s", {"cols": {"layers": ["conv4_3"], "values": [20, 200]}})
    run_dirs = {}
    for i, cell in enumerate(sweep.cell_ids):
        folder = tmp_path / cell
        folder.mkdir()
        _png(folder / "stylized.png", CELL, (255, 255, 255))
        logo = np.asarray(_alpha_logo()).copy()
        logo[10:30, 10:60, :3] = 60 * i  # each cell's own ink
        Image.fromarray(logo, "RGBA").save(folder / ALPHA_FILE)
        run_dirs[cell] = str(folder)
    style, content = _png(tmp_path / "s.png", CELL, (0, 0, 0)), _png(tmp_path / "c.png", CELL, (0, 0, 0))
    out = tmp_path / "sheet.png"
    plain = sheet_job(sweep, run_dirs, str(style), str(content), out, ("s", "c"), with_notes=False)
    assert plain.alpha is None
    layout = sheet_job(
        sweep, run_dirs, str(style), str(content), out, ("s", "c"), with_notes=False, alpha=True
    )
    sheet = np.asarray(Image.open(out).convert("RGB")).astype(int)
    for i, box in enumerate(layout.alpha[0]):
        left, top, _, _ = box
        assert (sheet[top + 10 : top + 30, left + 10 : left + 60] == 60 * i).all()
        assert (sheet[top : top + 10, left : left + 120] == 128).all()


def _extent(image: Image.Image, colour) -> tuple[int, int, int, int]:
    """Left, top, right, bottom (exclusive) of the pixels of exactly ``colour``."""
    ys, xs = np.nonzero(np.all(np.asarray(image) == colour, axis=2))
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def test_an_overview_places_each_sheet_whole_below_its_label_with_even_margins():
    red, blue = Image.new("RGB", (200, 100), (255, 0, 0)), Image.new("RGB", (200, 100), (0, 0, 255))
    image = overview([("one", red), ("two", blue)], title="one")  # the first label's word
    assert image.getpixel((0, 0)) == image.getpixel((image.width - 1, image.height - 1)) == sheets.WHITE
    (rl, rt, rr, rb), (bl, bt, br, bb) = _extent(image, (255, 0, 0)), _extent(image, (0, 0, 255))
    assert (rr - rl, rb - rt) == (br - bl, bb - bt) == (200, 100)  # whole, at their own width
    assert rl == bl == image.width - rr  # one column, centred between equal margins
    assert bt > rb + 10  # the second below the first, its label between them
    assert image.height - bb == rl  # as much white below the last sheet as beside it
    # the title above the labels, in a larger face
    ink = np.any(np.asarray(image.crop((0, 0, image.width, rt))) < 128, axis=(1, 2))
    rows = np.flatnonzero(ink)
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)  # title line, then the first label
    assert len(runs) == 2 and len(runs[0]) > len(runs[1])


def test_an_overview_of_sheets_not_made_yet_is_a_page_of_placeholders(tmp_path):
    image = overview([("one", tmp_path / "a.png"), ("two", tmp_path / "b.png")], columns=2)
    assert image.width > 2 * 800  # the default width of a sheet, for each column
    assert image.height < 300  # short placeholders, not a sheet's height each
    assert image.getpixel((image.width // 4, image.height - 40)) == sheets.MISSING_FILL


def test_cells_of_two_sizes_equally_often_get_boxes_of_the_larger(sweep, tmp_path):
    big = [
        [_png(tmp_path / f"big{r}{c}.png", (240, 80), COLOURS[2 * r + c]) for c in range(2)] for r in range(2)
    ]
    _, all_big = contact_sheet_with_layout(**(sweep | {"cells": big}))
    _, mixed = contact_sheet_with_layout(**(sweep | {"cells": [sweep["cells"][0], big[1]]}))
    assert mixed.cell_size == all_big.cell_size  # the small ones enlarged, not the large ones shrunk
    _, all_small = contact_sheet_with_layout(**sweep)
    assert all_small.cell_size != all_big.cell_size


def test_default_labels_name_the_logos_files(sweep):
    _, layout = contact_sheet_with_layout(**sweep)
    assert layout.style_label[0] == "style: metal" and layout.content_label[0] == "content: corp"


@pytest.mark.parametrize("notes", [[["a", "b"]], [["a", "b"], ["c"]]], ids=["rows", "columns"])
def test_notes_of_another_shape_than_the_cells_are_refused(sweep, notes):
    with pytest.raises(ValueError, match="notes must have the same shape as cells"):
        contact_sheet_with_layout(**sweep, notes=notes)


def test_a_sheet_of_images_names_them_images_and_contact_sheet_draws_what_the_layout_says(sweep):
    style, content = Image.new("RGB", (160, 40), (0, 0, 0)), Image.new("RGB", (200, 50), (90, 90, 90))
    _, layout = contact_sheet_with_layout(**(sweep | {"style": style, "content": content}))
    assert (layout.style_label[0], layout.content_label[0]) == ("style: image", "content: image")
    # the content at the cells' height, in its own aspect (4:1 here, the cells' 3:1)
    left, top, right, bottom = layout.content_box
    assert (right - left, bottom - top) == (160, 40)
    given = {"title": "table9", "style_label": "band", "content_label": "firm"}
    alone = contact_sheet(**sweep, **given)
    assert np.array_equal(np.asarray(alone), np.asarray(contact_sheet_with_layout(**sweep, **given)[0]))
    assert not np.array_equal(np.asarray(alone), np.asarray(contact_sheet(**sweep)))


def test_a_sheet_with_nothing_made_yet_has_placeholders_for_everything(sweep, tmp_path):
    nothing = [[None, None], [None, None]]
    absent = {"cells": nothing, "style": tmp_path / "no.png", "content": tmp_path / "none.png"}
    sheet, layout = contact_sheet_with_layout(**(sweep | absent))
    assert layout.cell_size == (300, 100)  # no image to take a size from
    for box in (layout.style_box, layout.content_box, layout.cells[0][0]):
        crop = np.asarray(sheet.crop(box))
        assert (np.median(crop, axis=(0, 1)) == sheets.MISSING_FILL).all() and (crop < 160).sum() > 5


def test_a_placeholder_fills_its_box_with_its_word_centred_in_the_sheets_face(sweep, tmp_path):
    sweep["cells"][0][1] = tmp_path / "absent.png"
    alpha = [[_alpha_logo(), tmp_path / "absent_alpha.png"], [_alpha_logo(), _alpha_logo()]]
    sheet, layout = contact_sheet_with_layout(**sweep, alpha=alpha)
    box = layout.cells[0][1]
    crop = np.asarray(sheet.crop(box))
    for edge in (crop[0], crop[-1], crop[:, 0], crop[:, -1]):
        assert (edge == sheets.MISSING_FILL).all()
    ys, xs = np.nonzero(np.asarray(sheet.crop(box).convert("L")) < 200)
    face = typography.font(layout.font_size)
    ink = face.getbbox("missing")
    assert abs((xs.min() + xs.max()) / 2 - crop.shape[1] / 2) <= 2
    assert abs((ys.min() + ys.max()) / 2 - crop.shape[0] / 2) <= 2
    assert abs((xs.max() - xs.min() + 1) - (ink[2] - ink[0])) <= 2
    # a missing transparent result is marked as a missing cell is: not made, not there, unreadable
    assert np.array_equal(np.asarray(sheet.crop(layout.alpha[0][1])), crop)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    sweep["cells"][0] = [None, broken]
    sheet, layout = contact_sheet_with_layout(**sweep, alpha=[[None, broken], alpha[1]])
    for c in (0, 1):
        assert np.array_equal(
            np.asarray(sheet.crop(layout.alpha[0][c])), np.asarray(sheet.crop(layout.cells[0][c]))
        )


def test_labels_and_the_title_are_drawn_in_their_faces_colours_and_alignments(sweep):
    sheet, layout = contact_sheet_with_layout(**sweep, title="table9")
    regular = typography.font(layout.font_size)
    title_face = typography.font(round(layout.font_size * 1.35), bold=True)
    text, bold, box = layout.title_lines[0]
    assert (text, bold) == ("table9", True)
    expected = _drawn_alone(sheet.size, text, box, title_face, sheets.INK, "left")
    assert np.array_equal(np.asarray(sheet.crop(box)), expected)
    for (text, box), align in (
        (layout.style_label, "left"),
        (layout.column_label, "centre"),
        (layout.row_label, "right"),
    ):
        expected = _drawn_alone(sheet.size, text, box, regular, sheets.SOFT_INK, align)
        assert np.array_equal(np.asarray(sheet.crop(box)), expected), text


def test_every_box_lies_inside_the_margins_and_none_overlaps_another(sweep, tmp_path):
    big = [
        [_png(tmp_path / f"b{r}{c}.png", (480, 160), COLOURS[2 * r + c]) for c in range(2)] for r in range(2)
    ]
    notes = [["a", "b"], ["c", "d"]]
    alpha = [[_alpha_logo((480, 160))] * 2] * 2
    sheet, layout = contact_sheet_with_layout(
        **(sweep | {"cells": big}), title="table9", notes=notes, alpha=alpha
    )
    assert layout.note_font_size < layout.font_size  # notes in a smaller face
    # one gutter between the title block and the references; headers as wide as their bold words
    assert layout.style_box[1] - layout.title_lines[-1][2][3] == layout.gutter
    bold = typography.font(layout.font_size, bold=True)
    for text, box in (*layout.row_headers, *layout.column_headers):
        assert typography.text_width(text, bold) <= box[2] - box[0], text
    boxes = [box for *_, box in layout.title_lines]
    boxes += [layout.style_box, layout.content_box, layout.style_label[1], layout.content_label[1]]
    boxes += [layout.column_label[1], layout.row_label[1]]
    boxes += [box for _, box in (*layout.column_headers, *layout.row_headers)]
    boxes += [box for grid in (layout.cells, layout.notes, layout.alpha) for row in grid for box in row]
    m, (width, height) = layout.margin, layout.size
    for box in boxes:
        assert m <= box[0] < box[2] <= width - m and m <= box[1] < box[3] <= height - m, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    pixels = np.asarray(sheet)
    # the outlines sit one pixel outside their boxes; the margin itself stays white
    for border in (pixels[: m - 1], pixels[height - m + 1 :], pixels[:, : m - 1], pixels[:, width - m + 1 :]):
        assert (border == 255).all()


def test_an_overviews_placeholder_is_as_high_as_the_first_sheet_is_for_its_width():
    low, high = Image.new("RGB", (200, 60), (255, 0, 0)), Image.new("RGB", (200, 100), (0, 0, 255))
    image = overview([("low", low), ("high", high), ("gone", None)])
    left, top, right, bottom = _extent(image, sheets.MISSING_FILL)
    assert (right - left, bottom - top) == (200, 60)


def test_a_sheet_as_wide_as_its_references_ends_one_margin_after_them(sweep, tmp_path):
    wide = _png(tmp_path / "wide.png", (900, 40), (0, 0, 0))
    one = {"cells": [sweep["cells"][0][:1]], "col_values": [200], "row_layers": [], "style": wide}
    _, layout = contact_sheet_with_layout(**(sweep | one))
    right = max(layout.content_box[2], layout.content_label[1][2])
    assert layout.size[0] == right + layout.margin
