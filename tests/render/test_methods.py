"""The methods sheet: Network of Steel's cells beside another method's (steel.render.methods)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from steel.render.methods import methods_sheet
from steel.render.sheets import MISSING_FILL, SOFT_INK

RED, BLUE = (220, 30, 30), (30, 30, 220)
#: the sheet's common image width
WIDTH = 320


def box_of(sheet: np.ndarray, colour) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels of exactly ``colour``."""
    ys, xs = np.nonzero((sheet == colour).all(axis=2))
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.fixture
def sheet() -> tuple[Image.Image, int]:
    panels = [
        ("Network of Steel", Image.new("RGB", (400, 100), RED), "CER 0, style 0.41"),
        ("MSG-Net", Image.new("RGB", (200, 100), BLUE), "CER 0.5, style 0.62"),
        ("missing", None, None),
    ]
    return methods_sheet(panels, title="ironwrath on quorix", width=WIDTH), WIDTH


def test_each_image_is_scaled_to_the_common_width_unsquashed_one_under_the_other(sheet):
    image, _ = sheet
    pixels = np.asarray(image)
    red, blue = box_of(pixels, RED), box_of(pixels, BLUE)
    assert red[2] - red[0] == WIDTH and red[3] - red[1] == 80  # 400 x 100 at 320 wide
    assert blue[2] - blue[0] == WIDTH and blue[3] - blue[1] == 160
    assert red[0] == blue[0] and red[3] < blue[1]  # aligned, the first above
    for panel in (red, blue):  # each box is its image's own height: the outline hugs it
        assert (pixels[panel[1] - 1, panel[0] + 5] != 255).any() and (
            pixels[panel[3], panel[0] + 5] != 255
        ).any()
    grey = box_of(pixels[:, red[0] :], MISSING_FILL)  # (the labels' anti-aliasing has this grey too)
    assert grey[0] <= 1 and grey[3] - grey[1] >= 159  # a missing image: the tallest's height (in its outline)
    right_margin = image.width - red[2]
    assert right_margin >= 16 and (pixels[:, red[2] + 1 :] == 255).all()  # beyond the outlines: white


def test_labels_left_notes_below_and_the_title_above_all_inside_the_sheet(sheet):
    image, _ = sheet
    pixels = np.asarray(image).astype(int)
    red, blue = box_of(pixels.astype(np.uint8), RED), box_of(pixels.astype(np.uint8), BLUE)
    ink = (pixels < 200).all(axis=2)
    assert ink[red[1] : red[3], : red[0]].any()  # the label, left of its image
    note = (np.abs(pixels - SOFT_INK) <= 40).all(axis=2)
    note_rows = np.flatnonzero(note[red[3] + 1 : blue[1] - 1, red[0] : red[2]].any(axis=1))
    assert len(note_rows) > 4  # the note, between the panel and the next, whole: white below it
    assert (pixels[red[3] + 2 + note_rows.max() : blue[1] - 1, red[0] : red[2]] == 255).all()
    assert note_rows.max() + 2 < blue[1] - red[3] - 2
    assert ink[: red[1] - 8, red[0] : red[2]].any()  # the title, above the first panel
    rows = np.flatnonzero(ink.any(axis=1))
    assert rows.min() >= 16 and image.height - rows.max() >= 16  # margins above and below
    cols = np.flatnonzero(ink[: red[1] - 8].any(axis=0))  # the title stays within the margins
    assert cols.min() >= 16 and image.width - cols.max() >= 16


def test_a_sheet_of_no_panels_is_refused():
    with pytest.raises(ValueError, match=r"^methods_sheet needs at least one panel$"):
        methods_sheet([])


def test_a_title_too_long_for_the_sheet_is_cut_inside_its_margins():
    image = methods_sheet(
        [("a", Image.new("RGB", (200, 50), RED), None)], title="ironwrath_on_quorix_" * 8, width=200
    )
    ink = (np.asarray(image) < 128).all(axis=2)
    top = box_of(np.asarray(image), RED)[1]
    cols = np.flatnonzero(ink[:top].any(axis=0))
    assert cols.min() >= 16 and image.width - 1 - cols.max() >= 16


def test_a_sheet_without_any_image_draws_boxes_a_quarter_as_high_as_wide():
    image = methods_sheet([("a", None, None), ("b", None, "no metrics")], width=200)
    column = (np.asarray(image)[:, image.width - 40] == MISSING_FILL).all(axis=1)  # right of the labels
    edges = np.flatnonzero(np.diff(column.astype(int)))
    runs = edges[1::2] - edges[::2]
    assert len(runs) == 2 and all(run in (48, 49, 50) for run in runs)  # two boxes, 200 / 4 high
