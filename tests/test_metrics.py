"""Checks that the metrics mean something: offline, on rendered words, with random VGG weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from steel import metrics
from steel.errors import SteelError
from steel.ocr import ink_box
from steel.weights import load_weights

pytest.importorskip("rapidocr")

FONT = Path(metrics.__file__).parent / "fonts" / "Inter-Bold.ttf"
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
    assert set(itself) == {"style_strength"} | {f"style_strength_{n}" for n in metrics.STYLE_STRENGTH_LAYERS}
    assert metrics.style_strength(content, content, style, weights)["style_strength"] == 0
    blend = Image.blend(content, style, 0.5)
    middle = metrics.style_strength(blend, content, style, weights)["style_strength"]
    assert 0 < middle < 1


def test_style_strength_is_size_independent(content, style, weights):
    # the style texture tiled twice side by side has (nearly) the same normalised Gram matrices
    tiled = Image.new("RGB", (2 * SIZE[0], SIZE[1]), "white")
    tiled.paste(style, (0, 0))
    tiled.paste(style, (SIZE[0], 0))
    assert metrics.style_strength(style, content, tiled, weights)["style_strength"] > 0.9


def test_run_metrics(tmp_path, content, style, weights):
    content_path, style_path = tmp_path / "content.png", tmp_path / "style.png"
    content.save(content_path)
    run = tmp_path / "run"
    run.mkdir()
    style.resize((768, 160)).save(style_path)  # the run used it at 384 px wide
    content.save(run / "stylized.png")
    record = {
        "cell": "conv1_2-2000__conv4_2-200",
        "content": {"path": str(content_path), "width": SIZE[0], "height": SIZE[1]},
        "style": {"path": str(style_path), "width": SIZE[0], "height": SIZE[1]},
    }
    (run / "run.json").write_text(json.dumps(record))
    result = metrics.run_metrics(run, WORD, weights)
    assert result["cell"] == record["cell"]
    assert result["cer"] == 0 and result["style_strength"] == 0
    with pytest.raises(SteelError, match="run record"):
        metrics.run_metrics(tmp_path / "missing", WORD, weights)


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
    assert metrics.pareto_front(ROWS) == ["a", "b", "c", "e"]
    assert metrics.pareto_front([]) == []
    as_read_from_tsv = [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in ROWS]
    assert metrics.pareto_front(as_read_from_tsv) == ["a", "b", "c", "e"]


def test_choose_best():
    assert metrics.choose_best(ROWS, max_cer=0.15)["cell"] == "c"  # tie with b: fewer artefacts
    assert metrics.choose_best(ROWS, max_cer=0.0)["cell"] == "a"
    assert metrics.choose_best(ROWS, max_cer=1.0)["cell"] == "e"
    assert metrics.choose_best(ROWS, max_cer=0.15, max_artefacts=0.002)["cell"] == "a"
    worse = [dict(row, cer=(row["cer"] or 0) + 0.5) for row in ROWS[:5]]
    assert metrics.choose_best(worse, max_cer=0.1)["cell"] == "a"  # none qualifies: lowest CER
    no_text = [dict(row, cer=None) for row in ROWS]
    assert metrics.choose_best(no_text, max_cer=0.1)["cell"] == "f"
    with pytest.raises(SteelError):
        metrics.choose_best([], max_cer=0.1)


def test_short_labels():
    cells = ["conv1_2-2000__conv4_3-200", "conv4_3-20", "conv1_2-20__conv4_3-20", "msgnet"]
    labels, key = metrics.short_labels(cells)
    assert labels == {cells[0]: "2000/200", cells[1]: "0/20", cells[2]: "20/20", "msgnet": "msgnet"}
    assert key == "c(conv1_2) / c(conv4_3)"
    cells = ["conv1_1-2000__conv1_2-2000__conv4_1-200__conv4_2-200__conv4_3-200"]
    assert metrics.short_labels(cells)[1] == "c(conv1_1, conv1_2) / c(conv4_1, conv4_2, conv4_3)"


def test_tradeoff_plot(tmp_path):
    rows = [
        {"cell": f"conv1_2-{c}__conv4_3-{d}", "cer": cer, "style_strength": s, "artefacts": a}
        for c, d, cer, s, a in [
            (2000, 20, 0.0, 0.15, 0.001),
            (2000, 200, 0.0, 0.35, 0.004),
            (2000, 2000, 0.11, 0.55, 0.010),
            (200, 2000, 0.33, 0.70, 0.030),
            (20, 200, 0.11, 0.30, 0.015),
        ]
    ]
    reference = {"cer": 0.0, "style_strength": 0.0, "artefacts": 0.0}
    fig = metrics.tradeoff_plot(
        rows, "ironwrath on corvantis", reference=reference, max_cer=0.2, best=rows[2]["cell"]
    )
    assert isinstance(fig, Figure)
    fig.savefig(tmp_path / "tradeoff.png")
    assert (tmp_path / "tradeoff.png").stat().st_size > 10_000
    no_text = [dict(row, cer=None) for row in rows]
    metrics.tradeoff_plot(no_text, "no text").savefig(tmp_path / "no_text.png")
    metrics.tradeoff_plot([], "empty").savefig(tmp_path / "empty.png")
