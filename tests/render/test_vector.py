"""A result as a vector logo (steel.render.vector) and how faithful the trace is
(steel.evaluate.vector): binary for grey results, colour otherwise, the ground always left out."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from steel.evaluate.vector import ink_iou, rendered, vector_metrics
from steel.io.logo_text import render_text
from steel.render.vector import TraceSettings, is_grey, trace, trace_mode

pytest.importorskip("vtracer")


def on_red(svg: str, size: tuple[int, int]) -> np.ndarray:
    """The SVG drawn on red: wherever it has no path, red shows through."""
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, width=size[0], height=size[1], background="#ff0000")
    with Image.open(io.BytesIO(bytes(png))) as opened:
        return np.asarray(opened.convert("RGB")).astype(int)


def word(width: int = 192) -> Image.Image:
    return render_text("Acme", width=width)


def test_a_grey_result_is_traced_in_binary_mode_and_keeps_its_shape():
    image = word()
    svg, mode = trace(image)
    assert is_grey(image) and mode == "binary"
    assert ink_iou(rendered(svg, image.size), image) > 0.9
    drawn = on_red(svg, image.size)
    assert (drawn[0, 0] == (255, 0, 0)).all()  # the ground is no path: transparent
    assert (drawn[np.asarray(image.convert("L")) < 50] < 80).all(axis=1).mean() > 0.95  # the glyphs are ink


def test_a_coloured_result_is_traced_in_colour_with_its_ground_left_out():
    array = np.asarray(word().convert("RGB")).copy()
    array[np.all(array > 200, axis=2)] = (242, 238, 252)  # a lavender ground, as optimised logos get
    array[4:12, 4:12] = (220, 20, 20)  # a red artefact in a corner
    image = Image.fromarray(array)
    svg, mode = trace(image)
    assert not is_grey(image) and mode == "color" and trace_mode(image, grey_run=True) == "binary"
    drawn = on_red(svg, image.size)
    ground = np.all(np.abs(array.astype(int) - (242, 238, 252)) <= 4, axis=2)
    red = (drawn[..., 0] > 200) & (drawn[..., 1] < 60) & (drawn[..., 2] < 60)
    assert red[ground].mean() > 0.9  # transparent where the ground was (edges blend with the glyphs)
    assert abs(drawn[8, 8] - (220, 20, 20)).max() < 40  # the artefact stays, in its colour
    assert ink_iou(rendered(svg, image.size), image) > 0.8


def test_a_dark_ground_is_keyed_by_the_borders_colour_not_by_white():
    """Light glyphs on a navy ground (a light-on-dark style's result): the navy is left out, the
    glyphs are the paths."""
    ink = np.asarray(word().convert("L")) < 128
    array = np.empty((*ink.shape, 3), np.uint8)
    array[...] = (20, 24, 70)
    array[ink] = (240, 200, 40)
    image = Image.fromarray(array)
    svg, mode = trace(image)
    drawn = on_red(svg, image.size)
    red = (drawn[..., 0] > 200) & (drawn[..., 1] < 60) & (drawn[..., 2] < 60)
    assert mode == "color"
    assert red[~ink].mean() > 0.9 and red[ink].mean() < 0.1
    assert vector_metrics(svg, image, None, None)["vector_coverage"] < 0.5


@pytest.mark.parametrize(("fill", "coverage"), [(255, 0.0), (0, 1.0)])
def test_an_empty_or_all_ink_result_traces_to_nothing_or_everything(fill, coverage):
    image = Image.new("RGB", (96, 32), (fill, fill, fill))
    svg, mode = trace(image)
    metrics = vector_metrics(svg, image, None, None)
    assert mode == "binary" and metrics["vector_coverage"] == coverage and metrics["vector_cer"] is None
    assert metrics["vector_iou"] is None  # no ink on a light ground in either: nothing to compare
    assert (metrics["vector_paths"] == 0) == (fill == 255)


def test_the_settings_reach_the_trace():
    image = word()
    fine, coarse = (trace(image, TraceSettings(path_precision=p))[0] for p in (4, 1))
    assert len(fine) > len(coarse)
    specks = np.asarray(image).copy()
    specks[2:4, 100:102] = 0  # a 2x2 speck
    with_speck = trace(Image.fromarray(specks), TraceSettings(filter_speckle=1))[0].count("<path")
    without = trace(Image.fromarray(specks), TraceSettings(filter_speckle=8))[0].count("<path")
    assert with_speck > without


def test_the_colour_precision_reaches_a_colour_trace():
    array = np.asarray(word().convert("RGB")).copy()
    array[:, : array.shape[1] // 2][array[:, : array.shape[1] // 2, 0] < 128] = (200, 20, 40)
    array[:, array.shape[1] // 2 :][array[:, array.shape[1] // 2 :, 0] < 128] = (190, 30, 50)
    image = Image.fromarray(array)
    fine, coarse = (trace(image, TraceSettings(color_precision=p), "color")[0] for p in (8, 2))
    assert fine != coarse


def test_ink_iou_by_hand():
    def bar(left: int, right: int) -> Image.Image:
        array = np.full((20, 40, 3), 255, np.uint8)
        array[5:15, left:right] = 0
        return Image.fromarray(array)

    assert ink_iou(bar(0, 10), bar(5, 15)) == round(5 / 15, 4)  # 5 columns shared of 15 inked
    assert ink_iou(bar(0, 10), bar(0, 10)) == 1.0
    assert ink_iou(bar(0, 0), bar(0, 0)) is None


def test_the_trace_of_a_word_is_read_back_without_a_drawing_given():
    image = word()
    svg, _ = trace(image)
    metrics = vector_metrics(svg, image, image, "Acme")
    assert metrics["vector_cer"] is not None and metrics["vector_cer"] <= 0.25 and metrics["vector_iou"] > 0.9


def test_the_trace_job_takes_the_configs_vector_section_and_says_an_empty_trace(tmp_path, capsys):
    from steel.jobs.vector import trace_job

    Image.new("RGB", (96, 32), "white").save(tmp_path / "stylized.png")
    (tmp_path / "run.json").write_text(json.dumps({"settings": {"colour": "rgb"}}))
    record = trace_job(tmp_path, {"filter_speckle": 2, "path_precision": 5}, None)
    assert (record["filter_speckle"], record["path_precision"], record["vector_paths"]) == (2, 5, 0)
    printed = capsys.readouterr().out
    assert "binary trace: 0 paths" in printed and "the trace is empty" in printed


def test_the_best_svg_job_copies_the_recommended_cells_svg_or_says_it_is_missing(tmp_path):
    from steel.errors import SteelError
    from steel.jobs.vector import best_svg_job

    svgs = []
    for cell in ("conv4_3-20", "conv4_3-200"):
        (tmp_path / cell).mkdir()
        (tmp_path / cell / "stylized.svg").write_text(f"<svg id='{cell}'/>")
        svgs.append(str(tmp_path / cell / "stylized.svg"))
    (tmp_path / "best.json").write_text(json.dumps({"cell": "conv4_3-200"}))
    out = best_svg_job(tmp_path / "best.json", svgs, tmp_path / "best" / "pair.svg")
    assert out.read_text() == "<svg id='conv4_3-200'/>"
    with pytest.raises(SteelError, match=r"^the recommended cell conv4_3-200 has no stylized\.svg"):
        best_svg_job(tmp_path / "best.json", svgs[:1], tmp_path / "other.svg")
    assert not (tmp_path / "other.svg").exists()
    # best.json names the chosen SVG: an outline cell's own, beside a pixel cell of the same id
    (tmp_path / "outline" / "conv4_3-20").mkdir(parents=True)
    (tmp_path / "outline" / "conv4_3-20" / "stylized.svg").write_text("<svg id='outline'/>")
    outline = str(tmp_path / "outline" / "conv4_3-20" / "stylized.svg")
    (tmp_path / "best.json").write_text(json.dumps({"cell": "conv4_3-20", "svg": outline}))
    out = best_svg_job(tmp_path / "best.json", [*svgs, outline], tmp_path / "best" / "pair.svg")
    assert out.read_text() == "<svg id='outline'/>"


def test_the_best_svg_job_traces_a_recommended_pixel_cell_that_was_not_traced(tmp_path):
    """Outlines on, vector off: a pixel cell that wins has no stylized.svg, so the job traces its
    picture now, with the vector section's settings, as trace_cell would."""
    from steel.cells.trace import traced_svg
    from steel.jobs.vector import best_svg_job

    cell = tmp_path / "runs" / "conv4_3-20"
    cell.mkdir(parents=True)
    word().save(cell / "stylized.png")
    (cell / "run.json").write_text(json.dumps({"settings": {"colour": "rgb"}}))
    image = str(cell / "stylized.png")
    choice = {"cell": cell.name, "method": "pixel", "image": image, "svg": str(cell / "stylized.svg")}
    (tmp_path / "best.json").write_text(json.dumps(choice))
    out = best_svg_job(
        tmp_path / "best.json", [], tmp_path / "best" / "pair.svg", rasters=[image], section={}
    )
    assert out.read_text() == traced_svg(cell, TraceSettings())
    assert out.read_text().count("<path") >= 3  # the word's glyphs
    assert not (cell / "stylized.svg").exists()  # written nowhere else
    coarse = best_svg_job(tmp_path / "best.json", [], tmp_path / "c.svg", [image], {"filter_speckle": 40})
    assert coarse.read_text() != out.read_text()  # the section's settings apply


def on_ground(ground, glyphs) -> Image.Image:
    """The word as two flat colours: its glyphs on its ground."""
    mask = np.asarray(word(256).convert("L")) < 128
    array = np.empty((*mask.shape, 3), np.uint8)
    array[~mask], array[mask] = ground, glyphs
    return Image.fromarray(array)


@pytest.mark.parametrize(
    ("ground", "glyphs"),
    [((16, 24, 64), (250, 250, 250)), ((250, 210, 40), (120, 10, 30)), ((30, 120, 60), (255, 240, 200))],
    ids=["light-on-navy", "maroon-on-yellow", "cream-on-green"],
)
def test_a_faithful_trace_on_a_dark_or_coloured_ground_scores_as_on_white(ground, glyphs):
    """The measures read the trace on the raster's own ground: the same shape scores the same on any
    ground (near 1: a smooth outline against hard-edged pixels), reads as the word, and a trace
    shifted by a stroke's width scores clearly lower there too (ink counted against white made
    every picture on a coloured ground all ink, and any trace score 1)."""
    on_white = on_ground((255, 255, 255), (0, 0, 0))
    expected = vector_metrics(trace(on_white)[0], on_white, on_white, "Acme")["vector_iou"]
    image = on_ground(ground, glyphs)
    svg, _ = trace(image)
    measured = vector_metrics(svg, image, image, "Acme")
    assert expected > 0.85 and measured["vector_iou"] == pytest.approx(expected, abs=0.01), measured
    assert measured["vector_cer"] == 0.0, measured
    head = svg.index(">", svg.index("<svg")) + 1
    shifted = svg[:head] + '<g transform="translate(6 0)">' + svg[head:].replace("</svg>", "</g></svg>")
    assert vector_metrics(shifted, image, image, "Acme")["vector_iou"] < expected - 0.2
