"""The outline method: contents in (text, SVG, a traced raster), the optimisation on control points,
and the run folder it writes. Random VGG16 weights, logos a few tens of pixels wide, a few steps."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image, ImageDraw

from steel.cells.outline import content_outlines, stylize_outline
from steel.errors import SteelError
from steel.evaluate.vector import rendered
from steel.io.logo_text import render_text
from steel.io.outputs import read_losses
from steel.outline.glyphs import text_outlines
from steel.outline.optimise import OutlineOptions, contour_neighbours, polygon_laplacian
from steel.outline.raster import coverage
from steel.outline.sources import outlines_of_raster, outlines_of_svg
from steel.outline.svg import svg_text
from steel.settings import RunOptions, Settings

SVG_NS = "{http://www.w3.org/2000/svg}"
CELL = {"conv1_2": 2000, "conv3_1": 200}


def holes(mask: np.ndarray) -> int:
    padded = np.pad(~mask, 1, constant_values=True)
    image = Image.fromarray(padded.astype(np.uint8) * 255, "L")
    ImageDraw.floodfill(image, (0, 0), 128)
    return int((np.asarray(image) == 255).sum())


@pytest.fixture(scope="module")
def outline_run(tmp_path_factory, logos):
    """Two cells of "oa" (both with counters) optimised together for 8 steps at 64 px."""
    out = tmp_path_factory.mktemp("outline")
    content = content_outlines(text="oa", width=64)
    folders = [out / "one", out / "two"]
    options = RunOptions(
        settings=Settings(log_every=4),
        outline=OutlineOptions(iterations=8, lr=0.3),
        weights="random",
        progress=False,
    )
    cells = [CELL, {"conv1_1": 2000, "conv2_1": 20}]
    style = logos["style"]
    records = stylize_outline(style, content, cells, folders, options)
    return content, folders, records


def test_the_svg_holds_one_path_per_glyph_in_the_ink_colour_and_nothing_else(outline_run):
    content, folders, _ = outline_run
    root = ElementTree.parse(folders[0] / "stylized.svg").getroot()
    assert root.tag == SVG_NS + "svg"
    assert [child.tag for child in root] == [SVG_NS + "path"] * len(content.names) == [SVG_NS + "path"] * 2
    assert {child.get("fill") for child in root} == {"#000000"}
    assert set(root.attrib) == {"width", "height", "viewBox"}  # no background, no style


def test_the_loss_decreases_and_every_row_is_logged(outline_run):
    _, folders, records = outline_run
    for folder in folders:
        losses = read_losses(folder / "losses.tsv")
        assert list(losses["iteration"]) == [0, 4, 8]
        assert losses["total"][-1] < losses["total"][0]
        assert losses["smoothness"][0] == 0
    assert "conv3_1" in read_losses(folders[0] / "losses.tsv")
    assert "conv3_1" not in read_losses(folders[1] / "losses.tsv")
    assert records[0]["method"] == "outline" and records[0]["content"]["source"]["kind"] == "text"


def test_counters_stay_holes_after_optimisation(outline_run):
    _, folders, _ = outline_run
    start = holes(np.asarray(Image.open(folders[0] / "content.png").convert("L")) < 128)
    assert start > 0
    for folder in folders:
        stylized = np.asarray(Image.open(folder / "stylized.png").convert("L")) < 128
        assert holes(stylized) > 0.3 * start


def test_the_run_record_names_what_a_measurement_needs(outline_run):
    content, folders, _ = outline_run
    record = json.loads((folders[1] / "run.json").read_text())
    assert record["content"]["path"] == str(folders[1] / "content.png")
    assert (record["content"]["width"], record["content"]["height"]) == content.size
    assert Image.open(folders[1] / "stylized.png").size == content.size
    assert record["outline"]["iterations"] == 8 and record["layers"] == {"conv1_1": 2000, "conv2_1": 20}


def test_a_ten_letter_word_is_under_20_kb_at_the_default_subdivision():
    # a corporate word mark in the bundled sans; a distressed metal font has ten times the points
    placed = text_outlines("Metalheads", None, 256)
    finer = placed.outlines.subdivided(OutlineOptions().subdivide)
    # optimised points keep two decimals as these do; a point moved off the grid writes as many digits
    assert len(svg_text(finer, placed.size).encode()) < 20_000


def test_the_laplacian_term_is_zero_for_a_moved_word_and_not_for_a_bent_one():
    placed = text_outlines("oa", None, 64).outlines
    previous, following = contour_neighbours(placed)
    start = polygon_laplacian(placed.points, previous, following)
    moved = polygon_laplacian(placed.points + 5.0, previous, following)
    assert np.allclose(moved.numpy(), start.numpy(), atol=1e-4)
    bent = placed.points.clone()
    bent[3] += 2.0
    assert (polygon_laplacian(bent, previous, following) - start).abs().sum() > 1.0


@pytest.mark.parametrize(
    ("element", "named"),
    [
        ('<path d="M0 0 H9 V9 Z" stroke="#000"/>', "<path> has a stroke"),
        ('<path id="g" d="M0 0 H9 V9 Z" fill="url(#x)"/>', "<path id='g'> fills with a gradient"),
        ('<image href="data:image/png;base64,AAAA" width="4" height="4"/>', "<image> cannot become"),
        ("<text>Hi</text>", "<text> cannot become"),
        ('<path d="M0 0 H9 V9 Z" fill-rule="evenodd"/>', "<path> fills even-odd"),
        ('<path d="M0 0 H9 V9 Z"/><path d="M20 0 H29 V9 Z" style="fill:#f00"/>', "more than one colour"),
        ('<g mask="url(#m)"><path d="M0 0 H9 V9 Z"/></g>', "<g> has a mask"),
        ("<linearGradient/>", "<linearGradient> cannot become"),
    ],
)
def test_what_outlines_cannot_say_is_refused_in_one_line_naming_the_element(tmp_path, element, named):
    path = tmp_path / "logo.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32">{element}</svg>')
    with pytest.raises(SteelError) as error:
        outlines_of_svg(path, 64)
    assert named in str(error.value) and "\n" not in str(error.value)


def test_an_svg_content_keeps_its_ink_colour(tmp_path):
    path = tmp_path / "logo.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 32">'
        '<g fill="#1a4d80"><path d="M4 4 H28 V28 H4 Z"/><circle cx="46" cy="16" r="12"/></g></svg>'
    )
    read = content_outlines(path, width=128)
    assert read.size == (128, 64) and read.ink == (26.0, 77.0, 128.0) and read.source["kind"] == "svg"
    assert len(read.names) == 2


def test_a_raster_content_is_traced_once_into_outlines_that_cover_its_ink(tmp_path):
    path = tmp_path / "word.png"
    render_text("Quorix", None, 256).save(path)
    read = outlines_of_raster(path, 256)
    assert read.source == {"kind": "traced", "path": str(path), "trace": "binary"}
    # the ink is the glyphs' own colour (black), not an average with their edges or the ground
    assert read.ink == (0.0, 0.0, 0.0) and read.ground == (255.0, 255.0, 255.0)
    ours = coverage(read.outlines, read.size[1], read.size[0])[0, 0].numpy() >= 0.5
    raster = np.asarray(Image.open(path).convert("L")) < 128
    assert (ours & raster).sum() / (ours | raster).sum() > 0.9
    assert holes(ours) > 0  # the counters of Q and o
    drawn = np.asarray(rendered(svg_text(read.outlines, read.size), read.size).convert("L")) < 128
    assert (ours & drawn).sum() / (ours | drawn).sum() > 0.97


def test_the_growth_term_holds_the_glyphs_to_their_footprint(tmp_path, logos):
    """Ink beyond the reach costs: at a high growth weight the outlines spread less ink beyond the
    content's glyphs than with the term off; at the start there is none."""
    content = content_outlines(text="oa", width=64)
    grown = {}
    for weight in (0.0, 100.0):
        options = RunOptions(
            settings=Settings(log_every=1),
            outline=OutlineOptions(iterations=6, lr=2.0, lr_final=2.0, growth=weight, reach=1.0),
            weights="random",
            progress=False,
        )
        folder = tmp_path / f"g{weight:g}"
        stylize_outline(logos["style"], content, [CELL], [folder], options)
        growth = read_losses(folder / "losses.tsv")["growth"]
        assert growth[0] == 0
        grown[weight] = growth[-1]
    assert grown[100.0] < 0.5 * grown[0.0]


def test_bad_options_are_one_line():
    with pytest.raises(SteelError, match=r"outline\.lr"):
        OutlineOptions(lr=0)
    with pytest.raises(SteelError, match=r"outline\.subdivide"):
        OutlineOptions(subdivide=0)


def test_content_is_a_file_or_a_text():
    with pytest.raises(SteelError, match="either as a file or as a text"):
        content_outlines("a.png", text="A")
