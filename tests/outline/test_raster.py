"""The outline rasteriser against resvg (the renderer the project draws SVGs with), against finite
differences, and on the holes of glyphs.

Ink is compared at four times the working width (1024 px for a 256 px logo): thresholded at
half coverage, a pixel on an edge flips on a hair of difference, and resvg's own anti-aliasing
comes in steps of 1/16 of a pixel, so at 256 px about one edge pixel in fifty sits on resvg's
0.498 / 0.502 step and the comparison measures resvg's rounding, not the outlines. At 4x an edge
pixel weighs a sixteenth as much against the ink it borders.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from workflow_helpers import METAL_FONT, REPO

from steel.evaluate.vector import rendered
from steel.io.logo_text import DEFAULT_FONT
from steel.outline.glyphs import text_outlines
from steel.outline.raster import CUBIC, LINE, QUADRATIC, Outlines, coverage
from steel.outline.sources import outlines_of_svg
from steel.outline.svg import svg_text

INTER_REGULAR = DEFAULT_FONT.with_name("Inter-Regular.ttf")
BLACKLETTER = REPO / "resources" / "fonts" / "UnifrakturCook-Bold.ttf"
SHARP = 1024  # px: a 256 px logo drawn at 4x


def ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def our_ink(outlines: Outlines, size: tuple[int, int]) -> np.ndarray:
    return coverage(outlines, size[1], size[0])[0, 0].numpy() >= 0.5


def holes(mask: np.ndarray) -> int:
    """Background pixels that no path through the background joins to the image's border."""
    padded = np.pad(~mask, 1, constant_values=True)
    image = Image.fromarray(padded.astype(np.uint8) * 255, "L")
    ImageDraw.floodfill(image, (0, 0), 128)
    return int((np.asarray(image) == 255).sum())


@pytest.mark.parametrize(
    ("text", "font"),
    [
        ("Quorix", DEFAULT_FONT),
        ("Zentova", INTER_REGULAR),
        ("Metalheads", METAL_FONT),  # TrueType quadratics, spiky
        ("Grimhollow", BLACKLETTER),  # overlapping contours inside one glyph
    ],
)
def test_words_agree_with_resvg(text, font):
    placed = text_outlines(text, font, SHARP)
    drawn = ink(rendered(svg_text(placed.outlines, placed.size), placed.size))
    assert iou(our_ink(placed.outlines, placed.size), drawn) >= 0.99


LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="-10 -5 120 40">
  <title>a made-up mark</title>
  <g transform="translate(4 2) rotate(-8 20 15)">
    <path id="ring" d="M 20 3 A 12 12 0 1 1 19.99 3 Z M 20 9 a 6 6 0 1 0 0.01 0 Z"/>
    <rect x="36" y="4" width="14" height="22" rx="3"/>
  </g>
  <path id="swoosh" style="fill:#000000" d="M54 28 C 64 2, 84 2, 96 24 Q 84 12 70 20 L 60 30 z"/>
  <polygon points="98,2 108,2 103,14"/>
  <circle cx="-4" cy="20" r="4"/>
</svg>"""


def test_an_svg_logo_agrees_with_resvg(tmp_path):
    path = tmp_path / "mark.svg"
    path.write_text(LOGO)
    read = outlines_of_svg(path, 960)  # 4x its declared size, an exact height
    assert read.names == ("<path id='ring'>", "<rect>", "<path id='swoosh'>", "<polygon>", "<circle>")
    drawn = ink(rendered(LOGO, read.size))
    ours = our_ink(read.outlines, read.size)
    assert iou(ours, drawn) >= 0.99
    assert holes(ours) > 0.9 * holes(drawn) > 0  # the ring's hole, wound the other way


def square_with_curves() -> Outlines:
    """One contour of a line, a quadratic and a cubic, in float64, on a 10 x 10 canvas."""
    points = torch.tensor(
        [[2.2, 2.1], [7.6, 2.4], [8.9, 5.3], [7.3, 7.8], [5.1, 8.6], [3.3, 8.1], [1.6, 5.2]],
        dtype=torch.float64,
    )
    return Outlines(
        points,
        torch.tensor([LINE, QUADRATIC, CUBIC, 1], dtype=torch.long),
        torch.tensor([4]),
        torch.tensor([0]),
    )


def test_gradients_agree_with_finite_differences():
    shape = square_with_curves()
    weights = torch.rand(1, 1, 10, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))

    def weighted(points):
        return (coverage(shape.with_points(points), 10, 10, softness=1.5) * weights).sum()

    points = shape.points.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(weighted, (points,), eps=1e-6, atol=1e-5)
    gradient = torch.autograd.grad(weighted(points), points)[0]
    assert gradient.abs().sum() > 0.1  # every point reaches some pixels' coverage


def test_moving_a_point_outward_adds_ink():
    shape = square_with_curves()
    points = shape.points.clone().requires_grad_(True)
    coverage(shape.with_points(points), 10, 10).sum().backward()
    # the contour runs clockwise on screen: ink grows to the right of the segment from the first point
    assert points.grad[1, 0] > 0  # the right-hand corner, pushed right


@pytest.mark.parametrize("font", [DEFAULT_FONT, METAL_FONT, BLACKLETTER])
@pytest.mark.parametrize("letter", ["o", "e", "a"])
def test_counters_stay_holes(letter, font):
    placed = text_outlines(letter * 3, font, 256)
    ours = our_ink(placed.outlines, placed.size)
    drawn = ink(rendered(svg_text(placed.outlines, placed.size), placed.size))
    assert holes(ours) > 0
    assert abs(holes(ours) - holes(drawn)) <= 0.1 * holes(drawn) + 3


def test_a_batch_draws_each_set_as_drawn_alone():
    placed = text_outlines("ae", None, 128)
    width, height = placed.size
    moved = placed.outlines.points + torch.tensor([3.0, -1.0])
    batch = placed.outlines.with_points(torch.stack([placed.outlines.points, moved]))
    together = coverage(batch, height, width)
    alone = coverage(placed.outlines.with_points(moved), height, width)
    assert torch.equal(together[1], alone[0])
    assert torch.equal(together[0], coverage(placed.outlines, height, width)[0])


def test_subdivision_keeps_the_shape():
    placed = text_outlines("Qa", None, 256)
    width, height = placed.size
    finer = placed.outlines.subdivided(3)
    assert finer.points.shape[0] == 3 * placed.outlines.points.shape[0]
    first = coverage(placed.outlines, height, width)
    assert (coverage(finer, height, width) - first).abs().max() < 0.05
