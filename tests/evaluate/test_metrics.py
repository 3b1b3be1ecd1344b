"""Checks that the metrics mean something: offline, on rendered words, with random VGG weights."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps
from workflow_helpers import REPO

from steel.errors import SteelError
from steel.evaluate import metrics, selection
from steel.evaluate.metrics import character_error_rate, levenshtein
from steel.evaluate.ocr import ink_box, ink_mask, line_boxes, text_lines
from steel.evaluate.selection import choose_best
from steel.io.logo_text import DEFAULT_FONT
from steel.transfer.weights import load_weights

pytest.importorskip("rapidocr")

FONT = DEFAULT_FONT
WORD = "Corvantis"
SIZE = (384, 80)


def render(text: str = WORD, size: tuple[int, int] = SIZE, font_size: int = 52) -> Image.Image:
    image = Image.new("RGB", size, "white")
    font = ImageFont.truetype(str(FONT), font_size)
    ImageDraw.Draw(image).text((size[0] / 2, size[1] / 2), text, font=font, fill="black", anchor="mm")
    return image


def texture(size: tuple[int, int] = SIZE, seed: int = 1) -> Image.Image:
    """A spiky black-on-white 'style' image, unlike the content's statistics."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        dx, dy = rng.uniform(-25, 25), rng.uniform(-40, 40)
        draw.polygon([(x, y), (x + dx, y + dy), (x + dx + 4, y + dy)], fill="black")
    return image


@pytest.fixture(scope="module")
def weights():
    return load_weights("random")


@pytest.fixture(scope="module")
def content():
    return render()


@pytest.fixture(scope="module")
def style():
    return texture()


@pytest.fixture(scope="module")
def clean(content, style, weights):
    return metrics.cell_metrics(content, content, style, WORD, weights)


def specks(image: Image.Image, colour=(0, 0, 0), count: int = 30, seed: int = 0) -> Image.Image:
    """Small dots in the background, away from the glyphs."""
    rng = np.random.default_rng(seed)
    box = ink_box(image, margin=0.2)
    out = image.copy()
    draw = ImageDraw.Draw(out)
    placed = 0
    while placed < count:
        x, y = rng.uniform(2, image.width - 4), rng.uniform(2, image.height - 4)
        if box[0] - 4 < x < box[2] + 4:
            continue
        draw.ellipse((x, y, x + 2, y + 2), fill=colour)
        placed += 1
    return out


def blotted(image: Image.Image, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    out = image.copy()
    draw = ImageDraw.Draw(out)
    for _ in range(12):
        x, y, r = rng.uniform(30, 354), rng.uniform(10, 70), rng.uniform(5, 11)
        draw.ellipse((x - r, y - r, x + r, y + r), fill="black")
    return out.filter(ImageFilter.GaussianBlur(3))


# --- readability -----------------------------------------------------------------------------


def test_levenshtein_and_cer():
    assert metrics.levenshtein("kitten", "sitting") == 3
    assert metrics.levenshtein("", "abc") == 3
    assert metrics.levenshtein("abc", "abc") == 0
    assert metrics.character_error_rate("CORVANTIS", "Corvantis") == 0
    assert metrics.character_error_rate("Cor vantis", "Corvantis") == 0  # whitespace ignored
    assert metrics.character_error_rate("Corvartis", "Corvantis") == pytest.approx(1 / 9)
    assert metrics.character_error_rate("", "abcd") == 1.0
    assert metrics.character_error_rate("xxabcdxx", "abcd") == 1.0
    with pytest.raises(SteelError):
        metrics.character_error_rate("abc", " ")


@pytest.mark.parametrize(
    ("read", "reference"),
    [
        ("\uff23\uff4f\uff52\uff56\uff41\uff4e\uff54\uff49\uff53", "Corvantis"),  # full-width letters
        ("Cafe\u0301", "Caf\u00e9"),  # e + combining acute = precomposed e-acute
        ("\u2460\u2461", "12"),  # circled digits
        ("\u2167", "VIII"),  # the Roman numeral eight as one character
        ("STRASSE", "stra\u00dfe"),  # case folding: sharp s
        ("x\u00a0y\u2003z", "xyz"),  # no-break and em spaces are whitespace
    ],
)
def test_cer_normalises_unicode(read, reference):
    assert metrics.character_error_rate(read, reference) == 0
    assert metrics.character_error_rate(read + "?", reference) > 0


def test_clean_content_scores_zero(clean):
    assert clean["cer"] == 0
    assert clean["ocr_text"].casefold() == WORD.casefold()
    assert clean["ocr_mode"] == "crop"
    assert clean["ocr_confidence"] > 0.9
    assert clean["note"] is None
    assert clean["artefacts"] == 0
    assert clean["colour_share"] == 0
    assert clean["style_strength"] == 0
    assert (clean["width"], clean["height"]) == SIZE
    for key in ("ocr_seconds", "artefact_seconds", "style_seconds", "seconds"):
        assert clean[key] >= 0


def test_reference_metrics_case_insensitive(content, style, weights, clean):
    reference = metrics.reference_metrics(content, style, WORD.upper(), weights)
    assert reference["cer"] == 0
    assert reference["style_strength"] == 0
    assert set(reference) == set(clean)


def test_blotted_word_reads_worse(content, style, weights, clean):
    damaged = metrics.cell_metrics(blotted(content), content, style, WORD, weights)
    assert damaged["cer"] > clean["cer"]
    assert damaged["ocr_confidence"] < clean["ocr_confidence"]


def test_no_reference_text(content, style, weights):
    result = metrics.cell_metrics(specks(content), content, style, "  ", weights)
    assert result["note"] == metrics.NO_TEXT
    assert result["cer"] is None and result["ocr_text"] is None and result["ocr_confidence"] is None
    assert result["artefacts"] > 0
    assert result["style_strength"] is not None
    assert metrics.cell_metrics(content, content, style, None, weights)["note"] == metrics.NO_TEXT


def test_content_without_ink_falls_back_to_full_detection(content):
    blank = Image.new("RGB", SIZE, "white")
    result = metrics.readability(content, blank, WORD)
    assert result["ocr_mode"] == "full"
    assert result["cer"] == 0
    from steel.evaluate.ocr import read_text

    assert read_text(content, []).mode == "full"
    assert read_text(content, [ink_box(content)]).mode == "crop"
    # the engine's flags do not stick from a crop's recognition-only call: a full read still reads
    full = read_text(content)
    assert metrics.normalise_text(full.text) == metrics.normalise_text(WORD) and 0 < full.confidence <= 1


def test_an_image_without_text_reads_as_nothing_with_no_confidence():
    from steel.evaluate.ocr import read_text

    reading = read_text(Image.new("RGB", SIZE, "white"))
    assert (reading.text, reading.confidence, reading.mode) == ("", 0.0, "full")


def two_lines(top: str = "Acme", bottom: str = "Corp", size=(384, 160)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    font = ImageFont.truetype(str(FONT), 52)
    draw = ImageDraw.Draw(image)
    draw.text((size[0] / 2, size[1] * 0.3), top, font=font, fill="black", anchor="mm")
    draw.text((size[0] / 2, size[1] * 0.72), bottom, font=font, fill="black", anchor="mm")
    return image


def test_text_lines_split_by_the_ink_row_profile():
    assert len(text_lines(render())) == 1
    assert len(text_lines(render("Quiji"))) == 1  # dots and descenders stay in their line
    assert text_lines(Image.new("RGB", SIZE, "white")) == []
    image = two_lines()
    (t1, b1), (t2, b2) = text_lines(image)
    assert b1 < t2
    boxes = line_boxes(image)
    assert len(boxes) == 2 and boxes[0][3] <= boxes[1][1]  # the crops do not overlap
    assert boxes[0][1] < t1 and boxes[1][3] > b2
    assert line_boxes(render()) == [ink_box(render())]


def test_line_boxes_of_ink_touching_the_edges_stay_inside_the_image():
    """A logo cropped tight to its ink: the margins are cut at the image's edges, not beyond them
    (a box beyond them crops a different region, or nothing)."""
    tight = two_lines().crop(ImageOps.invert(two_lines().convert("L")).getbbox())
    width, height = tight.size
    boxes = line_boxes(tight)
    assert len(boxes) == 2
    assert boxes[0][:2] == (0, 0) and boxes[1][2:] == (width, height)
    for left, top, right, bottom in boxes:
        assert 0 <= left < right <= width and 0 <= top < bottom <= height


def test_two_line_logo_is_read_line_by_line():
    image = two_lines()
    result = metrics.readability(image, image, "Acme Corp")
    assert result["ocr_mode"] == "lines"
    assert result["cer"] == 0, result["ocr_text"]
    assert metrics.normalise_text(result["ocr_text"]) == "acmecorp"


# --- artefacts -------------------------------------------------------------------------------


def test_specks_raise_artefacts(content, clean):
    specked = metrics.artefact_metrics(specks(content), content)
    assert specked["artefacts"] > clean["artefacts"] + 0.002
    assert specked["colour_share"] == 0  # black specks are not colour
    more = metrics.artefact_metrics(specks(content, count=90, seed=1), content)
    assert more["artefacts"] > specked["artefacts"]


def test_glyph_edges_are_not_artefacts(content):
    # the word shifted by one pixel stays inside the dilated glyph mask
    shifted = Image.new("RGB", SIZE, "white")
    shifted.paste(content.crop((0, 0, SIZE[0] - 1, SIZE[1])), (1, 0))
    assert metrics.artefact_metrics(shifted, content)["artefacts"] == 0


def test_coloured_specks_raise_colour(content, clean):
    coloured = metrics.artefact_metrics(specks(content, colour=(220, 40, 160)), content)
    assert coloured["colour_share"] > clean["colour_share"]
    assert coloured["colour_mean"] > clean["colour_mean"]
    grey = metrics.artefact_metrics(specks(content, colour=(120, 120, 120)), content)
    assert grey["colour_share"] == 0


def block(size=(100, 50), box=(40, 20, 60, 30), background=255, ink=0) -> Image.Image:
    image = Image.new("RGB", size, (background,) * 3)
    ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(ink,) * 3)
    return image


def test_artefact_share_is_over_background_pixels_exactly():
    content = block()  # 100 x 50, a 20 x 10 black block; radius round(0.04 * 50) = 2
    assert metrics.dilation_radius(50) == 2
    background = 100 * 50 - (20 + 4) * (10 + 4)
    stylized = np.array(content)
    dots = [(2, 3), (5, 90), (45, 10), (48, 99), (10, 10), (30, 70), (40, 5)]  # (row, column)
    for y, x in dots:
        stylized[y, x] = (0, 0, 0)
    stylized[19, 45] = (0, 0, 0)  # inside the dilated glyph mask: not an artefact
    stylized[25, 50] = (255, 255, 255)  # a missing glyph pixel is not an artefact either
    stylized[40, 20] = (230, 230, 230)  # a faint pixel that does not differ visibly from white
    result = metrics.artefact_metrics(Image.fromarray(stylized), content)
    assert result["artefacts"] == round(len(dots) / background, 6)
    assert result["artefact_note"] is None
    assert result["colour_share"] == 0 and result["colour_mean"] == 0
    stylized[0, 0] = (255, 0, 0)  # a colour pixel: spread 255
    coloured = metrics.artefact_metrics(Image.fromarray(stylized), content)
    assert coloured["colour_share"] == round(1 / 5000, 6)
    assert coloured["colour_mean"] == round(255 / 5000 / 255, 6)


@pytest.mark.parametrize(("height", "radius"), [(80, 3), (100, 4), (200, 8), (216, 9), (10, 1)])
def test_dilation_radius_pinned_by_shifts(height, radius):
    assert metrics.dilation_radius(height) == radius
    width = 3 * height
    bar = (width // 2, height // 4, width // 2 + 6, 3 * height // 4)
    content = block((width, height), bar)
    background = width * height - (6 + 2 * radius) * (bar[3] - bar[1] + 2 * radius)
    for shift in (radius - 1, radius):
        moved = block((width, height), (bar[0] + shift, bar[1], bar[2] + shift, bar[3]))
        assert metrics.artefact_metrics(moved, content)["artefacts"] == 0, shift
    for extra in (1, 2):
        moved = block((width, height), (bar[0] + radius + extra, bar[1], bar[2] + radius + extra, bar[3]))
        expected = round(extra * (bar[3] - bar[1]) / background, 6)
        assert metrics.artefact_metrics(moved, content)["artefacts"] == expected, extra


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (block(background=215, ink=20), "background not light"),  # light grey: every pixel is "ink"
        (block(background=180), "background not light"),
        (block((100, 100), (3, 3, 97, 97)), "background too small"),  # a black square, thin white rim
    ],
)
def test_no_artefact_numbers_without_a_white_background(content, why):
    assert metrics.background_problem(content).startswith(why)
    specked = np.array(content)
    specked[1, 1] = (255, 0, 0)
    result = metrics.artefact_metrics(Image.fromarray(specked), content)
    assert result["artefacts"] is None and result["colour_share"] is None and result["colour_mean"] is None
    assert result["artefact_note"].startswith(why)


def test_white_on_dark_is_measured_inverted_like_the_optimiser_sees_it():
    """The glyph mask follows the optimiser's invert rule: light glyphs on a dark ground."""
    dark = block(background=30, ink=255)
    assert metrics.background_problem(dark) is None
    assert (metrics.glyph_mask(dark) == metrics.glyph_mask(block())).all()
    specked = np.array(dark)
    specked[1, 1] = (200, 200, 200)  # a light speck on the dark background is an artefact
    result = metrics.artefact_metrics(Image.fromarray(specked), dark)
    assert result["artefact_note"] is None and result["artefacts"] > 0
    assert metrics.artefact_metrics(dark, dark)["artefacts"] == 0


def test_a_white_background_with_a_dark_corner_still_counts():
    content = block((200, 50), (150, 0, 200, 50))  # the logo touches the right edge
    assert metrics.background_problem(content) is None
    assert metrics.background_problem(block(background=224)) is None  # just light enough


def test_dilate():
    mask = np.zeros((7, 9), bool)
    mask[3, 4] = True
    grown = metrics.dilate(mask, 2)
    assert grown.sum() == 25 and grown[1:6, 2:7].all()
    assert (metrics.dilate(mask, 0) == mask).all()


# --- style strength --------------------------------------------------------------------------


def test_style_strength_ends(content, style, weights):
    itself = metrics.style_strength(style, content, style, weights)
    assert itself["style_strength"] == pytest.approx(1.0)
    assert set(itself) == (
        {"style_strength", "style_strength_relu"}
        | {f"style_strength_{n}" for n in metrics.STYLE_STRENGTH_LAYERS}
    )
    assert itself["style_strength_relu"] == pytest.approx(1.0)
    assert metrics.style_strength(content, content, style, weights)["style_strength"] == 0
    blend = Image.blend(content, style, 0.5)
    middle = metrics.style_strength(blend, content, style, weights)["style_strength"]
    assert 0 < middle < 1


def test_style_strength_layers_are_pinned_and_optimised_by_no_table():
    assert metrics.STYLE_STRENGTH_LAYERS == ("pool1", "pool2", "pool3", "pool4")
    assert metrics.RELU_STRENGTH_LAYERS == ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    preset = yaml.safe_load((REPO / "presets" / "paper.yaml").read_text())
    optimised = {
        layer
        for sweep in preset["sweeps"].values()
        for group in ("rows", "cols")
        for layer in sweep.get(group, {}).get("layers", [])
    }
    assert "relu1_2" in optimised and "conv1_2" in optimised
    assert not optimised & set(metrics.STYLE_STRENGTH_LAYERS)


def test_style_strength_is_measured_on_the_pinned_layers(content, style, weights):
    import torch

    from steel.io.images import to_tensor
    from steel.transfer.features import VGGFeatures

    blend = Image.blend(content, style, 0.5)
    result = metrics.style_strength(blend, content, style, weights)
    extractor = VGGFeatures(weights, [*metrics.STYLE_STRENGTH_LAYERS, *metrics.RELU_STRENGTH_LAYERS])

    def grams(image):
        with torch.no_grad():
            features = extractor(to_tensor(image))
        return {k: torch.einsum("bchw,bdhw->cd", f, f).double() / f[0].numel() for k, f in features.items()}

    g = [grams(image) for image in (blend, content, style)]

    def strength(name):
        far = float(torch.linalg.matrix_norm(g[1][name] - g[2][name]))
        return min(1.0, max(0.0, 1 - float(torch.linalg.matrix_norm(g[0][name] - g[2][name])) / far))

    per_layer = {name: strength(name) for name in metrics.STYLE_STRENGTH_LAYERS}
    for name, value in per_layer.items():
        assert result[f"style_strength_{name}"] == pytest.approx(value, abs=1e-4)
    assert result["style_strength"] == pytest.approx(np.mean(list(per_layer.values())), abs=1e-4)
    relu = np.mean([strength(name) for name in metrics.RELU_STRENGTH_LAYERS])
    assert result["style_strength_relu"] == pytest.approx(relu, abs=1e-4)


def test_style_strength_is_size_independent(content, style, weights):
    # the style texture tiled twice side by side has (nearly) the same normalised Gram matrices
    tiled = Image.new("RGB", (2 * SIZE[0], SIZE[1]), "white")
    tiled.paste(style, (0, 0))
    tiled.paste(style, (SIZE[0], 0))
    assert metrics.style_strength(style, content, tiled, weights)["style_strength"] > 0.9


# --- trade-off -------------------------------------------------------------------------------

ROWS = [
    {"cell": "a", "cer": 0.0, "style_strength": 0.10, "artefacts": 0.001},
    {"cell": "b", "cer": 0.1, "style_strength": 0.40, "artefacts": 0.020},
    {"cell": "c", "cer": 0.1, "style_strength": 0.40, "artefacts": 0.005},
    {"cell": "d", "cer": 0.2, "style_strength": 0.30, "artefacts": 0.001},  # dominated by b, c
    {"cell": "e", "cer": 0.6, "style_strength": 0.90, "artefacts": 0.100},
    {"cell": "f", "cer": None, "style_strength": 0.95, "artefacts": 0.0},  # unread: off the front
]


def test_pareto_front():
    assert selection.pareto_front(ROWS) == ["a", "b", "c", "e"]
    assert selection.pareto_front([]) == []
    as_read_from_tsv = [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in ROWS]
    assert selection.pareto_front(as_read_from_tsv) == ["a", "b", "c", "e"]


def test_choose_best():
    assert selection.choose_best(ROWS, max_cer=0.15)["cell"] == "c"  # tie with b: fewer artefacts
    assert selection.choose_best(ROWS, max_cer=0.0)["cell"] == "a"
    assert selection.choose_best(ROWS, max_cer=1.0)["cell"] == "e"
    assert selection.choose_best(ROWS, max_cer=0.15, max_artefacts=0.002)["cell"] == "a"
    worse = [dict(row, cer=(row["cer"] or 0) + 0.5) for row in ROWS[:5]]
    assert selection.choose_best(worse, max_cer=0.1)["cell"] == "a"  # none qualifies: lowest CER
    no_text = [dict(row, cer=None) for row in ROWS]
    assert selection.choose_best(no_text, max_cer=0.1)["cell"] == "f"
    with pytest.raises(SteelError):
        selection.choose_best([], max_cer=0.1)


def test_choose_best_rows_exactly_at_the_limits_qualify():
    rows = [
        {"cell": "safe", "cer": 0.0, "style_strength": 0.2, "artefacts": 0.0},
        {"cell": "at-cer", "cer": 0.25, "style_strength": 0.6, "artefacts": 0.05},
        {"cell": "over", "cer": 0.5, "style_strength": 0.9, "artefacts": 0.0},
    ]
    assert selection.choose_best(rows, max_cer=0.25)["cell"] == "at-cer"
    assert selection.choose_best(rows, max_cer=0.25, max_artefacts=0.05)["cell"] == "at-cer"
    assert selection.choose_best(rows, max_cer=0.25, max_artefacts=0.04)["cell"] == "safe"
    as_tsv = [{k: str(v) for k, v in row.items()} for row in rows]
    assert selection.choose_best(as_tsv, max_cer=0.25, max_artefacts=0.05)["cell"] == "at-cer"


def test_choose_best_fallback_tie_breaks():
    # nobody readable: the lowest CER; ties: higher style strength, then fewer artefacts, then the id
    rows = [
        {"cell": "d", "cer": 0.5, "style_strength": 0.9, "artefacts": 0.0},
        {"cell": "c", "cer": 0.4, "style_strength": 0.3, "artefacts": 0.2},
        {"cell": "b", "cer": 0.4, "style_strength": 0.5, "artefacts": 0.3},
        {"cell": "a", "cer": 0.4, "style_strength": 0.5, "artefacts": 0.1},
    ]
    assert selection.choose_best(rows, max_cer=0.1)["cell"] == "a"
    rows[3]["artefacts"] = 0.3
    assert selection.choose_best(rows, max_cer=0.1)["cell"] == "a"  # all equal: the smaller id
    rows[2]["style_strength"] = 0.6
    assert selection.choose_best(rows, max_cer=0.1)["cell"] == "b"
    # readable but none clean enough: the fewest artefacts among the readable; ties: more style
    rows = [
        {"cell": "x", "cer": 0.0, "style_strength": 0.9, "artefacts": 0.30},
        {"cell": "y", "cer": 0.1, "style_strength": 0.2, "artefacts": 0.20},
        {"cell": "z", "cer": 0.1, "style_strength": 0.4, "artefacts": 0.20},
        {"cell": "w", "cer": 0.9, "style_strength": 0.1, "artefacts": 0.00},
    ]
    assert selection.choose_best(rows, max_cer=0.1, max_artefacts=0.1)["cell"] == "z"
    # without any artefact numbers (non-white background) the artefact limit does not apply
    unmeasured = [dict(row, artefacts=None) for row in rows]
    assert selection.choose_best(unmeasured, max_cer=0.1, max_artefacts=0.1)["cell"] == "x"


def test_selection_limits_follow_the_reference():
    two_line_reference = {"cer": 0.5, "artefacts": 0.0, "artefact_note": None}
    limits = selection.selection_limits(two_line_reference, 0.25, 0.1)
    assert limits["cer_limit"] == 0.75 and limits["artefact_limit"] == 0.1
    assert "0.75" in limits["rule"] and "0.1" in limits["rule"]
    rows = [
        {"cell": "plain", "cer": 0.5, "style_strength": 0.1, "artefacts": 0.0},
        {"cell": "styled", "cer": 0.75, "style_strength": 0.6, "artefacts": 0.1},
        {"cell": "dirty", "cer": 0.5, "style_strength": 0.8, "artefacts": 0.11},
    ]
    assert selection.choose_best(rows, limits["cer_limit"], limits["artefact_limit"])["cell"] == "styled"
    grey = {"cer": 0.0, "artefacts": None, "artefact_note": "background not light (border level 215 < 223)"}
    limits = selection.selection_limits(grey, 0.25, 0.1)
    assert limits["cer_limit"] == 0.25 and limits["artefact_limit"] is None
    assert "background not light" in limits["rule"]
    assert selection.selection_limits(None, 0.25, None) == {
        "cer_limit": 0.25,
        "artefact_limit": None,
        "rule": selection.selection_limits({}, 0.25, None)["rule"],
    }


# --- details that surviving mutants (make mutants) showed unpinned ------------------------------

TIMINGS = ("ocr_seconds", "artefact_seconds", "style_seconds", "seconds")


def test_cell_metrics_rounds_numbers_to_6_digits_and_timings_to_4(content, style, weights):
    """Reading ``Corvantis`` against an 11-letter word gives CER 2/11, whose 7th digit is not 0."""
    started = time.perf_counter()
    blend = Image.blend(content, style, 0.3)
    blend.putpixel((1, 1), (255, 0, 0))  # one colour pixel of 384 x 80: a share with 7+ digits
    result = metrics.cell_metrics(blend, content, style, WORD + "xx", weights)
    elapsed = time.perf_counter() - started
    assert result["ocr_text"] == WORD and result["cer"] == round(2 / 11, 6)
    assert result["colour_share"] == round(1 / (SIZE[0] * SIZE[1]), 6)
    for key in (
        "cer",
        "ocr_confidence",
        "colour_share",
        "colour_mean",
        "style_strength",
        "style_strength_relu",
    ):
        assert isinstance(result[key], float) and result[key] == round(result[key], 6), key
    assert all(
        result[f"style_strength_{name}"] == round(result[f"style_strength_{name}"], 6)
        for name in metrics.STYLE_STRENGTH_LAYERS
    )
    assert result["colour_mean"] != round(result["colour_mean"], 5)  # so 6 digits are really kept
    strengths = metrics.style_strength(Image.blend(content, style, 0.7), content, style, weights)
    assert all(0 < value < 1 and value == round(value, 6) for value in strengths.values()), strengths
    for key in TIMINGS:
        assert isinstance(result[key], float) and result[key] == round(result[key], 4), key
        assert 0 <= result[key] <= elapsed + 1e-4, key
    assert (
        result["ocr_seconds"] + result["artefact_seconds"] + result["style_seconds"]
        <= result["seconds"] + 3e-4
    )


def test_no_text_gives_the_same_keys_as_a_reading(content):
    read = metrics.readability(content, content, WORD)
    unread = metrics.readability(content, content, " ")
    assert set(unread) == set(read)
    assert unread["note"] == metrics.NO_TEXT and all(unread[k] is None for k in read if k != "note")


def test_style_strength_is_none_where_content_and_style_agree(content, weights):
    """Nothing to move towards: no number (not 0, not a division by zero), for every layer."""
    result = metrics.style_strength(content, content, content, weights)
    assert set(result) == {
        "style_strength",
        "style_strength_relu",
        *(f"style_strength_{name}" for name in metrics.STYLE_STRENGTH_LAYERS),
    }
    assert all(value is None for value in result.values())


def test_normalised_grams_divide_by_channels_height_and_width(content, weights):
    import torch

    from steel.io.images import to_tensor
    from steel.transfer.features import VGGFeatures

    grams = metrics.normalised_grams(content, weights)
    with torch.no_grad():
        features = VGGFeatures(weights, ["pool1", "relu3_3"])(to_tensor(content))
    for name, f in features.items():
        c, h, w = f.shape[1:]
        flat = f[0].reshape(c, h * w).double()
        torch.testing.assert_close(grams[name], flat @ flat.T / (c * h * w), rtol=1e-5, atol=0)


def test_grams_are_cached_per_weights_and_image_newest_kept(content, weights):
    import copy
    import dataclasses

    other = dataclasses.replace(weights, features=copy.deepcopy(weights.features))
    for parameter in other.features.parameters():
        parameter.data.mul_(1.5)
    assert metrics._extractor(weights) is metrics._extractor(weights)  # built once per weights
    assert metrics._extractor(other) is not metrics._extractor(weights)
    mine, theirs = metrics.normalised_grams(content, weights), metrics.normalised_grams(content, other)
    assert not np.allclose(mine["pool1"].numpy(), theirs["pool1"].numpy())  # not each other's
    images = [block(background=255 - i) for i in range(metrics._GRAM_CACHE_SIZE + 2)]
    for image in images:
        metrics.normalised_grams(image, weights)
    assert len(metrics._GRAMS) == metrics._GRAM_CACHE_SIZE
    again = metrics.normalised_grams(images[-1], weights)
    assert (
        len(metrics._GRAMS) == metrics._GRAM_CACHE_SIZE
        and again is metrics._GRAMS[next(reversed(metrics._GRAMS))]
    )


def test_a_content_of_another_size_is_resized_to_the_stylized_one_with_lanczos(content):
    stylized = specks(content)
    large = content.resize((2 * SIZE[0], 2 * SIZE[1]), Image.Resampling.NEAREST)
    back = large.resize(SIZE, Image.Resampling.LANCZOS)
    assert not np.array_equal(np.asarray(back), np.asarray(content))  # Lanczos is not the identity
    assert metrics.artefact_metrics(stylized, large) == metrics.artefact_metrics(stylized, back)
    assert metrics.artefact_metrics(stylized, content.convert("L")) == metrics.artefact_metrics(
        stylized, content
    )


def test_on_light_follows_the_content_when_given():
    dark, light = block(background=20, ink=255), block(background=235)  # each the other inverted
    assert np.array_equal(np.asarray(metrics.on_light(dark)), np.asarray(light))  # judged by itself
    assert np.array_equal(np.asarray(metrics.on_light(dark, light)), np.asarray(dark))  # by the content
    assert np.array_equal(np.asarray(metrics.on_light(light, dark)), np.asarray(dark))


def test_glyph_mask_dilates_by_the_images_height_not_its_width():
    wide = block((400, 50), (200, 25, 201, 26))  # one ink pixel; radius 2 by height, 16 by width
    assert metrics.glyph_mask(wide).sum() == (2 * metrics.dilation_radius(50) + 1) ** 2 == 25


def test_background_limits_are_inclusive_and_the_message_names_the_share():
    assert metrics.background_problem(block(background=metrics.LIGHT_LEVEL)) is None
    assert metrics.background_problem(block(background=metrics.LIGHT_LEVEL - 1)).startswith(
        "background not light"
    )
    content = Image.new("RGB", (20, 10), "white")  # 200 pixels
    mask = np.ones((10, 20), bool)
    mask.flat[:10] = False  # exactly 5 % outside the glyphs
    assert metrics.background_problem(content, mask) is None
    mask.flat[5:10] = True
    assert metrics.background_problem(content, mask) == "background too small (2.5 % of pixels < 5 %)"
    assert metrics.background_problem(content) is None  # its own mask: nothing is a glyph


def test_a_spread_of_exactly_the_limit_is_not_colour():
    content = block()
    stylized = np.array(content)
    stylized[0, 0] = (200, 200, 200 + metrics.COLOUR_SPREAD)
    stylized[0, 1] = (200, 200, 201 + metrics.COLOUR_SPREAD)
    result = metrics.artefact_metrics(Image.fromarray(stylized), content)
    assert result["colour_share"] == round(1 / 5000, 6)


# --- found by surviving mutants -------------------------------------------------------------


def test_levenshtein_needs_all_three_edits_and_handles_empty_strings():
    # "abc" -> "xab": insert x, delete c (2); substitutions alone would take 3
    assert levenshtein("abc", "xab") == 2
    assert levenshtein("xab", "abc") == 2
    assert levenshtein("", "") == 0
    assert levenshtein("abc", "") == 3


def test_an_empty_reference_text_is_refused_with_a_reason():
    with pytest.raises(SteelError, match=r"^the character error rate needs a non-empty reference text$"):
        character_error_rate("abc", " \u3000")


def _row(cell, strength, artefacts, cer):
    return {"cell": cell, "style_strength": strength, "artefacts": artefacts, "cer": cer}


def test_best_ranks_missing_numbers_last_and_breaks_ties_by_artefacts_then_cer():
    # a qualifying cell whose style strength was not measured never beats a measured one
    rows = [_row("a", None, 0.0, 0.0), _row("b", 0.2, 0.0, 0.0)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "b"
    assert choose_best(rows[::-1], max_cer=0.5)["cell"] == "b"
    # equal style strength: fewer artefacts (a missing value counts as the most), then lower CER
    rows = [_row("a", 0.5, None, 0.0), _row("b", 0.5, 0.02, 0.1), _row("c", 0.5, 0.02, 0.05)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "c"
    assert choose_best(rows[:2], max_cer=0.5)["cell"] == "b"


def test_best_of_no_rows_is_refused_with_a_reason():
    with pytest.raises(SteelError, match=r"^no cells to choose from$"):
        choose_best([], max_cer=0.5)


def test_the_mean_of_no_measured_layer_is_none_not_nan():
    assert metrics._mean([None, None]) is None
    assert metrics._mean([None, 0.25, 0.5]) == 0.375


def test_unmeasured_artefacts_or_cer_count_as_the_worst_in_the_limits_and_the_fallbacks():
    # under an artefact limit, a cell without the number does not qualify
    rows = [_row("a", 0.9, None, 0.0), _row("b", 0.2, 0.0, 0.0)]
    assert choose_best(rows, max_cer=0.5, max_artefacts=0.1)["cell"] == "b"
    # no cell is clean: the fewest artefacts among the readable ones, unmeasured last
    rows = [_row("a", 0.9, None, 0.0), _row("b", 0.2, 0.5, 0.0)]
    assert choose_best(rows, max_cer=0.5, max_artefacts=0.1)["cell"] == "b"
    # no cell is readable: the lowest CER, unmeasured last
    rows = [_row("a", 0.9, 0.0, None), _row("b", 0.2, 0.0, 0.9)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "b"


@pytest.mark.parametrize("text", ["", " nan ", "NaN", "none", "None", "NA", "na", "inf", "-inf"])
def test_missing_or_non_finite_table_values_are_no_number(text):
    # TSV cells read back as text: every spelling of "missing" and infinities are no number
    assert selection._number(text) is None
    assert selection._number(float(text)) is None if text.strip().lower() in ("nan", "inf", "-inf") else True


def test_numbers_read_back_from_text():
    number = selection._number
    assert number(" 0.25 ") == 0.25 and number(3) == 3.0 and number(None) is None


def test_a_row_with_equal_style_and_more_errors_is_off_the_front():
    rows = [
        {"cell": "a", "style_strength": 0.4, "cer": 0.1},
        {"cell": "b", "style_strength": 0.4, "cer": 0.2},
        {"cell": "c", "style_strength": 0.2, "cer": 0.1},
    ]
    assert selection.pareto_front(rows) == ["a"]


def test_selection_limits_in_words_and_to_6_digits():
    limits = selection.selection_limits({"cer": 0.1234567, "artefacts": 0.0000004}, 0.1, 0.2000001)
    assert limits["cer_limit"] == 0.223457 and limits["artefact_limit"] == 0.2
    assert limits["rule"] == (
        "highest style strength among the cells with CER <= 0.223457 (the unstyled reference's "
        "0.123457 + max_cer 0.1) and artefacts <= 0.2 (the reference's 4e-07 + max_artefacts 0.2); "
        "ties: fewer artefacts, lower CER. If none qualifies: the fewest artefacts among the readable "
        "cells, else the lowest CER"
    )
    unlimited = selection.selection_limits({"cer": 0.0, "artefacts": 0.1}, 0.0, None)["rule"]
    assert "and no artefact limit (max_artefacts: null);" in unlimited
    unmeasured = selection.selection_limits({"cer": 0.0, "artefact_note": "grey ground"}, 0.0, 0.1)["rule"]
    assert "and no artefact limit (artefacts not measured: grey ground);" in unmeasured
    assert "(artefacts not measured: no reference);" in selection.selection_limits(None, 0.0, 0.1)["rule"]


def lines_of(words: tuple[str, ...], spacing: int, font_size: int = 52) -> Image.Image:
    """``words`` one under the other, their centres ``spacing`` px apart: closely set for a small one."""
    image = Image.new("RGB", (384, spacing * (len(words) + 1)), "white")
    font = ImageFont.truetype(str(FONT), font_size)
    draw = ImageDraw.Draw(image)
    for k, word in enumerate(words, start=1):
        draw.text((192, spacing * k), word, font=font, fill="black", anchor="mm")
    return image


@pytest.mark.parametrize("words", [("ACME", "CORP"), ("ACME", "STEEL", "CORP")])
def test_the_crop_of_a_line_never_reaches_into_the_next_of_closely_set_lines(words):
    """Lines 9 px apart (their margins of a quarter of the line's height would overlap): each line's
    box stops halfway into the gap, so no crop shows a stroke of its neighbour."""
    image = lines_of(words, spacing=48)
    lines = text_lines(image)
    assert len(lines) == len(words)
    gaps = [below[0] - above[1] for above, below in itertools.pairwise(lines)]
    assert all(2 < gap < 0.25 * (b - a) * 2 for gap, (a, b) in zip(gaps, lines, strict=False))
    boxes = line_boxes(image)
    assert len(boxes) == len(words)
    ink = ink_mask(image)
    for k, (left, top, right, bottom) in enumerate(boxes):
        others = [line for j, line in enumerate(lines) if j != k]
        assert all(bottom <= a or top >= b for a, b in others), (k, boxes, lines)
        assert ink[top:bottom, left:right].any(axis=1).sum() == lines[k][1] - lines[k][0]
    for (_, _, _, upper_bottom), (_, lower_top, _, _) in itertools.pairwise(boxes):
        assert upper_bottom <= lower_top
