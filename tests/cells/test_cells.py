"""Work on run folders (steel.cells): a pair as a run reads it, a cell measured and traced from its
folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageOps

from steel.cells.measure import measure_cell
from steel.cells.pair import load_pair
from steel.errors import SteelError
from steel.evaluate.metrics import cell_metrics
from steel.io.images import to_pil
from steel.io.logo_text import render_text
from steel.transfer.weights import load_weights

WORD = "Corvantis"
SIZE = (384, 80)
TIMINGS = ("ocr_seconds", "artefact_seconds", "style_seconds", "seconds")


@pytest.fixture(scope="module")
def weights():
    return load_weights("random")


@pytest.fixture(scope="module")
def content():
    return render_text(WORD, None, SIZE[0]).resize(SIZE)


@pytest.fixture(scope="module")
def style():
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8))


# --- the pair ---------------------------------------------------------------------------------


def test_a_pair_is_read_at_the_width_and_the_style_width_which_defaults_to_it(tmp_path, content, style):
    content.save(tmp_path / "c.png")
    style.resize((768, 160)).save(tmp_path / "s.png")
    pair = load_pair(tmp_path / "s.png", tmp_path / "c.png", 384)
    assert pair.content.shape == (1, 3, 80, 384) and pair.style.shape == (1, 3, 80, 384)
    assert load_pair(tmp_path / "s.png", tmp_path / "c.png", 384, 192).style.shape == (1, 3, 40, 192)
    assert pair.inverted == {"setting": False, "content": False, "style": False}


def test_a_pair_is_inverted_by_its_borders(tmp_path, content, style):
    ImageOps.invert(content).save(tmp_path / "c.png")  # light glyphs on a dark ground
    style.save(tmp_path / "s.png")
    pair = load_pair(tmp_path / "s.png", tmp_path / "c.png", SIZE[0], invert="auto")
    assert pair.inverted["content"] and to_pil(pair.content).tobytes() == content.tobytes()
    # True inverts the content always; the style still by its border
    forced = load_pair(tmp_path / "s.png", tmp_path / "s.png", SIZE[0], invert=True)
    assert forced.inverted["content"] and forced.inverted["style"] == pair.inverted["style"]


# --- measuring --------------------------------------------------------------------------------


def test_a_cell_is_measured_against_its_pair_at_the_runs_sizes_and_named_by_its_folder(
    tmp_path, content, style, weights
):
    run = tmp_path / "conv4_2-200"
    run.mkdir()
    stylized = Image.blend(content, style, 0.4)
    stylized.save(run / "stylized.png")
    content.resize((2 * SIZE[0], 2 * SIZE[1])).save(tmp_path / "content.png")
    style.resize((2 * SIZE[0], 2 * SIZE[1])).save(tmp_path / "style.png")
    record = {
        "content": {"path": str(tmp_path / "content.png"), "width": SIZE[0], "height": SIZE[1]},
        "style": {"path": str(tmp_path / "style.png"), "width": SIZE[0], "height": SIZE[1]},
    }
    (run / "run.json").write_text(json.dumps(record))
    result = measure_cell(run, WORD, weights)
    at_size = [
        Image.open(tmp_path / name).convert("RGB").resize(SIZE, Image.Resampling.LANCZOS)
        for name in ("content.png", "style.png")
    ]
    expected = cell_metrics(stylized, *at_size, WORD, weights)
    assert result["cell"] == "conv4_2-200"
    for key, value in expected.items():
        if key not in TIMINGS:
            assert result[key] == value, key
    # the record's own cell id wins over the folder's name
    (run / "run.json").write_text(json.dumps(record | {"cell": "conv1_2-2000__conv4_2-200"}))
    assert measure_cell(run, WORD, weights)["cell"] == "conv1_2-2000__conv4_2-200"


@pytest.mark.parametrize("record", [None, "{", {"content": {}}, {"content": None, "style": None}])
def test_a_cell_without_a_readable_record_is_one_line_naming_it(tmp_path, weights, record):
    if record is not None:
        (tmp_path / "run.json").write_text(record if isinstance(record, str) else json.dumps(record))
    with pytest.raises(SteelError, match=r"^cannot read the run record .*run\.json .*; rerun the cell$"):
        measure_cell(tmp_path, WORD, weights)


# --- tracing ----------------------------------------------------------------------------------


def test_a_run_folder_gets_its_svg_and_a_record_of_the_trace(tmp_path):
    pytest.importorskip("vtracer")
    from steel.cells.trace import trace_cell
    from steel.render.vector import TraceSettings

    image = render_text("Acme", None, 192)
    image.save(tmp_path / "stylized.png")
    image.save(tmp_path / "content.png")
    run = {"settings": {"colour": "rgb"}, "content": {"path": str(tmp_path / "content.png")}}
    (tmp_path / "run.json").write_text(json.dumps(run))
    record = trace_cell(tmp_path, TraceSettings(), "Acme")
    assert (tmp_path / "stylized.svg").read_text().startswith("<?xml")
    saved = json.loads((tmp_path / "vector.json").read_text())
    assert saved == record and record["mode"] == "binary" and record["vector_cer"] == 0.0
    assert record["vector_bytes"] == len((tmp_path / "stylized.svg").read_bytes())
    assert {"filter_speckle", "corner_threshold", "color_precision", "path_precision"} <= set(record)
    assert {"mode", "grey_spread", "grey_share"} <= set(record)
    assert (tmp_path / "vector_preview.png").is_file()


def test_a_grey_runs_result_in_colour_is_traced_in_binary_mode(tmp_path):
    """A grey run's result can come back in the user's colours (an inverted logo); the run, not the
    picture, says it is one tone."""
    pytest.importorskip("vtracer")
    from steel.cells.trace import trace_cell
    from steel.render.vector import TraceSettings

    ink = np.asarray(render_text("Acme", None, 192).convert("L")) < 128
    array = np.full((*ink.shape, 3), 255, np.uint8)
    array[ink] = (200, 20, 40)
    Image.fromarray(array).save(tmp_path / "stylized.png")
    (tmp_path / "run.json").write_text(json.dumps({"settings": {"colour": "grey"}}))
    assert trace_cell(tmp_path, TraceSettings())["mode"] == "binary"
    (tmp_path / "run.json").write_text(json.dumps({"settings": {"colour": "rgb"}}))
    assert trace_cell(tmp_path, TraceSettings())["mode"] == "color"


@pytest.mark.parametrize("content_inverted", [False, True])
def test_a_cell_with_a_dark_ground_style_is_measured_against_the_style_as_it_was_optimised(
    tmp_path, content, style, weights, content_inverted
):
    run = tmp_path / "conv4_2-200"
    run.mkdir()
    dark_ground = Image.new("RGB", SIZE, (10, 10, 10))
    dark_ground.paste(style.crop((40, 20, 300, 60)), (40, 20))  # light-on-dark: inverted by a run
    dark_ground.save(tmp_path / "style.png")
    users_content = ImageOps.invert(content) if content_inverted else content
    users_content.save(tmp_path / "content.png")
    stylized = Image.blend(users_content, dark_ground, 0.4)
    stylized.save(run / "stylized.png")
    record = {
        "content": {"path": str(tmp_path / "content.png"), "width": SIZE[0], "height": SIZE[1]},
        "style": {"path": str(tmp_path / "style.png"), "width": SIZE[0], "height": SIZE[1]},
        "invert": {"setting": "auto", "content": content_inverted, "style": True},
    }
    (run / "run.json").write_text(json.dumps(record))
    result = measure_cell(run, WORD, weights)
    # in the result's colours: the style as the run read it (inverted), inverted back with the content
    as_optimised = dark_ground if content_inverted else ImageOps.invert(dark_ground)
    expected = cell_metrics(stylized, users_content, as_optimised, WORD, weights)
    assert result["style_strength"] == expected["style_strength"]
    unread = cell_metrics(stylized, users_content, ImageOps.invert(as_optimised), WORD, weights)
    assert result["style_strength"] != unread["style_strength"]
