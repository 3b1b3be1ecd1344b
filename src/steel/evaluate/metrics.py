"""Numbers for every stylized logo (readability, background artefacts, style strength) and the choice
of the best trade-off between them.

Every measure compares the stylized image with its *content* image, resized to the stylized
image's size if they differ. All are measured on 8-bit RGB, black glyphs on white.

Readability (``cer``, ``ocr_text``, ``ocr_confidence``, ``ocr_mode``, ``ocr_seconds``)
    OCR of the stylized image (:mod:`steel.evaluate.ocr`, RapidOCR, offline): recognition only on the word's
    box, found from the content image's ink plus a margin of 25 % of the word's height, with
    detection plus recognition on the whole image as the fallback when that reads nothing or the
    content has no ink. ``cer`` is the character error rate: Levenshtein distance between what was
    read and the reference text, divided by the reference's length, after normalising both
    (Unicode NFKC, case folded, all whitespace removed: a logo's letter spacing is layout, not
    legibility). 0 = read perfectly; it exceeds 1 when the OCR adds characters. ``ocr_confidence``
    is the recogniser's mean score (0-1; 0 when nothing was read). A content without text gets
    ``None`` for these and ``note = "no reference text"``.

Readability of several lines
    A logo of several lines (``Acme`` over ``Corp``) is read line by line: the row profile of the
    content's ink splits it into lines (:func:`steel.evaluate.ocr.line_boxes`), each line is recognised on
    its own crop and the texts are joined (``ocr_mode = "lines"``). The recommended cell is judged
    against the unstyled reference's CER, not against 0
(:func:`steel.evaluate.selection.selection_limits`).

Background artefacts (``artefacts``, ``colour_share``, ``colour_mean``, ``artefact_note``)
    A pixel *differs visibly from white* when any channel is below 255 - 32 = 223. The glyph mask is
    the set of such pixels in the content image, dilated by a square of radius
    ``max(1, round(0.04 * height))`` px (3 px for an 80 px high logo, 9 px for 216 px), so that
    anti-aliasing and slight shifts of the edges do not count. ``artefacts`` is the share of the
    *background* pixels (those outside that mask) that differ visibly from white in the stylized
    image: blobs, specks, texture and glyph growth further than the radius. ``colour_share`` is the
    share of all pixels whose channel spread ``max(R,G,B) - min(R,G,B)`` exceeds 32 (the paper's
    "colour pixels" on what should be black and white; black, white and greys have spread 0);
    ``colour_mean`` is the mean spread / 255.

    These numbers assume black glyphs on a white background. A content with a dark background (light
    glyphs: the median brightness of its border ring below 128, the optimiser's ``invert: auto``
    rule) is measured inverted, content and stylized image alike (:func:`on_light`). When the
    content's border is still not light (the median of its darkest channel over a ring of 2 % of
    the shorter side is below 223: a grey or coloured background, where every pixel would count
    as glyph and ``artefacts`` would be a meaningless perfect 0) or when less than 5 % of the
    content is background, all three are ``None`` and ``artefact_note`` says why
    (:func:`background_problem`); otherwise ``artefact_note`` is ``None``.

Style strength (``style_strength``, ``style_strength_<layer>``, ``style_strength_relu``)
    Over a fixed set of VGG16 layers that no table of the paper optimises
    (:data:`STYLE_STRENGTH_LAYERS`: the pooling outputs ``pool1`` to ``pool4``; table 1 optimises
    relu1_2 ... relu5_3, tables 2-10 pre-ReLU conv layers), with size-independent Gram matrices
    ``G / (C * H * W)`` of each layer's C maps of H x W::

        s_l = clip(1 - ||G_l(stylized) - G_l(style)||_F / ||G_l(content) - G_l(style)||_F, 0, 1)
        style_strength = mean over layers of s_l

    0 = the content image's statistics (or further from the style), 1 = the style image's. A layer
    where content and style have identical Grams is left out (``None`` when all are). The pooling
    outputs are max-pooled versions of table 1's post-ReLU layers, so some advantage for table 1
    may remain; for comparison ``style_strength_relu`` is the same measure on
    :data:`RELU_STRENGTH_LAYERS` (relu1_2, relu2_2, relu3_3, relu4_3: the layers table 1 optimises,
    the measure used before). Only ``style_strength`` chooses cells. The style image should be at
    the size the run used (:func:`steel.cells.measure.measure_cell` does that); the weights are
    those of the runs, loaded once by the caller with :func:`steel.transfer.weights.load_weights`.

:func:`reference_metrics` scores the unstyled content the same way, so that every number has its
reference (its style strength is 0 by definition, its CER that of the clean word).

Choosing a cell from these numbers is :mod:`steel.evaluate.selection`'s:
:func:`~steel.evaluate.selection.pareto_front` (maximise style strength, minimise CER),
:func:`~steel.evaluate.selection.selection_limits` (limits relative to the reference) and
:func:`~steel.evaluate.selection.choose_best` (rule in its docstring);
:func:`steel.render.tradeoff.tradeoff_plot` draws them. Importing this module does not import
torch: only the style-strength measure (and reading image files) needs it, and loads it then.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageOps

from steel.errors import SteelError
from steel.evaluate.ocr import VISIBLE_DELTA, ink_mask, line_boxes, read_text
from steel.io.images import BORDER_SHARE, border_ring, has_dark_background

if TYPE_CHECKING:  # torch is imported where style strength is measured, not here
    import torch

    from steel.transfer.features import VGGFeatures
    from steel.transfer.weights import Weights

#: layers of the style-strength measure (fixed, whatever layers a cell optimised): outputs no
#: table of the paper optimises (table 1: relu1_2 ... relu5_3; tables 2-10: pre-ReLU conv layers)
STYLE_STRENGTH_LAYERS = ("pool1", "pool2", "pool3", "pool4")
#: the comparison measure ``style_strength_relu``: the post-ReLU layers table 1 optimises
RELU_STRENGTH_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
#: radius of the glyph mask's dilation, as a share of the image height
DILATION = 0.04
#: the content's border is light when the median of its darkest channel is at least this
LIGHT_LEVEL = 255 - VISIBLE_DELTA
#: width of the border ring that decides the background's level, as a share of the shorter side
#: (:func:`steel.io.images.border_ring`, the ring that also decides inversion and the alpha ground)
BORDER = BORDER_SHARE
#: below this share of background pixels (outside the glyph mask) artefacts are not measured
MIN_BACKGROUND = 0.05
#: a pixel is a colour pixel when max(R,G,B) - min(R,G,B) exceeds this
COLOUR_SPREAD = 32
NO_TEXT = "no reference text"

ImageInput = str | Path | Image.Image
#: a style: one image, or a blend's ``[(image, weight), ...]`` (weights summing to 1), measured
#: against the weighted mean of its images' Gram matrices, as the run's targets are made
StyleInput = ImageInput | Sequence[tuple[ImageInput, float]]


# --- readability -----------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFKC, case folded, whitespace removed: the form both strings take before the CER."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, each costing 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def character_error_rate(read: str, reference: str) -> float:
    """Levenshtein(read, reference) / len(reference), both normalised (:func:`normalise_text`)."""
    reference = normalise_text(reference)
    if not reference:
        raise SteelError("the character error rate needs a non-empty reference text")
    return levenshtein(normalise_text(read), reference) / len(reference)


def readability(
    stylized: ImageInput, content: ImageInput, text: str | None, *, threads: int | None = None
) -> dict:
    """OCR of ``stylized`` on the word box of ``content``, scored against ``text``.

    A content of several lines is read line by line (module docstring).
    Returns ``cer``, ``ocr_text``, ``ocr_confidence``, ``ocr_mode``, ``ocr_seconds`` and ``note``
    (``None``, or ``"no reference text"`` with the other fields ``None`` when ``text`` is empty).
    """
    if text is None or not normalise_text(str(text)):
        return {
            "cer": None,
            "ocr_text": None,
            "ocr_confidence": None,
            "ocr_mode": None,
            "ocr_seconds": None,
            "note": NO_TEXT,
        }
    stylized_image, content_image = _pair(stylized, content)
    reading = read_text(stylized_image, line_boxes(content_image) or None, threads=threads)
    return {
        "cer": round(character_error_rate(reading.text, str(text)), 6),
        "ocr_text": reading.text,
        "ocr_confidence": round(reading.confidence, 6),
        "ocr_mode": reading.mode,
        "ocr_seconds": round(reading.seconds, 4),
        "note": None,
    }


# --- background artefacts --------------------------------------------------------------------


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation of a (H, W) mask by a (2 radius + 1)-sided square (separable max)."""
    if radius <= 0:
        return mask.copy()
    size = 2 * radius + 1
    padded = np.pad(mask, radius, constant_values=False)
    rows = sliding_window_view(padded, size, axis=1).any(axis=-1)
    return sliding_window_view(rows, size, axis=0).any(axis=-1)


def dilation_radius(height: int) -> int:
    """Radius of the glyph mask's dilation for an image ``height`` px high."""
    return max(1, round(DILATION * height))


def on_light(image: ImageInput, content: ImageInput | None = None) -> Image.Image:
    """``image`` inverted when ``content`` (default: the image itself) has a dark background
    (:func:`steel.io.images.has_dark_background`, the optimiser's ``invert: auto`` rule), so that light
    glyphs on a dark ground are measured as dark glyphs on a light one."""
    opened = _open(image)
    judged = opened if content is None else _open(content)
    return ImageOps.invert(opened) if has_dark_background(judged) else opened


def _glyph_mask_on_light(content: Image.Image) -> np.ndarray:
    mask = ink_mask(content)
    return dilate(mask, dilation_radius(mask.shape[0]))


def glyph_mask(content: ImageInput) -> np.ndarray:
    """The content's visibly non-white pixels (after :func:`on_light`: the glyphs of a light-on-dark
    logo), dilated by :func:`dilation_radius` px."""
    return _glyph_mask_on_light(on_light(content))


def _background_problem_on_light(content: Image.Image, mask: np.ndarray) -> str | None:
    darkest = np.asarray(content).min(axis=2)
    level = float(np.median(darkest[border_ring(*darkest.shape)]))
    if level < LIGHT_LEVEL:
        return f"background not light (border level {level:.0f} < {LIGHT_LEVEL})"
    share = float((~mask).mean())
    if share < MIN_BACKGROUND:
        return f"background too small ({100 * share:.1f} % of pixels < {100 * MIN_BACKGROUND:.0f} %)"
    return None


def background_problem(content: ImageInput, mask: np.ndarray | None = None) -> str | None:
    """Why the artefact measures mean nothing for ``content``, or ``None`` when they do.

    Not light: the median of the darkest channel over the border ring
    (:func:`steel.io.images.border_ring`: :data:`BORDER` of the shorter side, at least 1 px) is below
    :data:`LIGHT_LEVEL` (a dark background is judged inverted, see :func:`on_light`, so only a grey
    or coloured one is not light). Too small: less than :data:`MIN_BACKGROUND` of the pixels lie
    outside the glyph mask (``mask``, computed if not given).
    """
    light = on_light(content)
    return _background_problem_on_light(light, _glyph_mask_on_light(light) if mask is None else mask)


def artefact_metrics(stylized: ImageInput, content: ImageInput) -> dict:
    """``artefacts`` (share of the background pixels that differ visibly from white),
    ``colour_share``, ``colour_mean`` and ``artefact_note`` (see the module docstring): the three
    numbers are ``None`` and the note says why when the content's background is not white enough
    to measure them (:func:`background_problem`)."""
    stylized_image, content_image = _pair(stylized, content)
    # light glyphs on a dark ground: both measured inverted, as the optimiser saw them (judged once,
    # by the content's border)
    if has_dark_background(content_image):
        stylized_image, content_image = ImageOps.invert(stylized_image), ImageOps.invert(content_image)
    mask = _glyph_mask_on_light(content_image)
    problem = _background_problem_on_light(content_image, mask)
    if problem is not None:
        return {"artefacts": None, "colour_share": None, "colour_mean": None, "artefact_note": problem}
    background = ~mask
    array = np.asarray(stylized_image, dtype=np.int16)
    visible = ink_mask(array)
    spread = array.max(axis=2) - array.min(axis=2)
    outside = int(background.sum())
    return {
        "artefacts": round(float((visible & background).sum()) / outside, 6),
        "colour_share": round(float((spread > COLOUR_SPREAD).mean()), 6),
        "colour_mean": round(float(spread.mean()) / 255.0, 6),
        "artefact_note": None,
    }


# --- style strength --------------------------------------------------------------------------

_EXTRACTORS: dict[int, tuple[Weights, VGGFeatures]] = {}
_GRAMS: OrderedDict[tuple, dict[str, torch.Tensor]] = OrderedDict()
_GRAM_CACHE_SIZE = 8
_MEASURED_LAYERS = (*STYLE_STRENGTH_LAYERS, *RELU_STRENGTH_LAYERS)


def _extractor(weights: Weights) -> VGGFeatures:
    from steel.transfer.features import VGGFeatures

    cached = _EXTRACTORS.get(id(weights))
    if cached is None or cached[0] is not weights:
        cached = (weights, VGGFeatures(weights, _MEASURED_LAYERS))
        _EXTRACTORS[id(weights)] = cached
    return cached[1]


def normalised_grams(image: ImageInput, weights: Weights) -> dict[str, torch.Tensor]:
    """``{layer: G / (C H W)}`` (float64, C x C) over :data:`STYLE_STRENGTH_LAYERS` and
    :data:`RELU_STRENGTH_LAYERS` (one forward pass).

    The last few results are cached by pixel content, so that the content and style images of a
    pair cost their forward pass once per process.
    """
    import torch

    from steel.io.images import to_tensor
    from steel.transfer.losses import gram

    image = _open(image)
    array = np.asarray(image)
    key = (id(weights), array.shape, hashlib.sha1(array.tobytes()).digest())
    if key in _GRAMS:
        _GRAMS.move_to_end(key)
        return _GRAMS[key]
    with torch.inference_mode():
        features = _extractor(weights)(to_tensor(image))
        grams = {
            name: (gram(f.float()) / (f.shape[1] * f.shape[2] * f.shape[3]))[0].double()
            for name, f in features.items()
        }
    _GRAMS[key] = grams
    while len(_GRAMS) > _GRAM_CACHE_SIZE:
        _GRAMS.popitem(last=False)
    return grams


def _strengths(g_stylized, g_content, g_style, layers: Sequence[str]) -> dict[str, float | None]:
    import torch

    result: dict[str, float | None] = {}
    for name in layers:
        reference = float(torch.linalg.matrix_norm(g_content[name] - g_style[name]))
        if reference == 0.0:
            result[name] = None
            continue
        distance = float(torch.linalg.matrix_norm(g_stylized[name] - g_style[name]))
        result[name] = min(1.0, max(0.0, 1.0 - distance / reference))
    return result


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(float(np.mean(present)), 6) if present else None


def style_grams(style: StyleInput, weights: Weights) -> dict[str, torch.Tensor]:
    """:func:`normalised_grams` of a style; of a blend, the weighted mean of its images' (those of
    weight 0 left out, so that a blend at 1/0 measures as its first image exactly)."""
    if isinstance(style, str | Path | Image.Image):
        return normalised_grams(style, weights)
    blended: dict[str, torch.Tensor] = {}
    for image, weight in style:
        if weight == 0:
            continue
        for name, matrix in normalised_grams(image, weights).items():
            term = matrix if weight == 1 else matrix * weight
            blended[name] = blended[name] + term if name in blended else term
    return blended


def style_strength(stylized: ImageInput, content: ImageInput, style: StyleInput, weights: Weights) -> dict:
    """``style_strength`` in [0, 1], ``style_strength_<layer>`` per layer of
    :data:`STYLE_STRENGTH_LAYERS`, and ``style_strength_relu`` (the mean over
    :data:`RELU_STRENGTH_LAYERS`, for comparison; module docstring). ``style``: an image, or a
    blend's images and weights (:func:`style_grams`)."""
    stylized_image, content_image = _pair(stylized, content)
    grams = [normalised_grams(image, weights) for image in (stylized_image, content_image)]
    grams.append(style_grams(style, weights))
    main = _strengths(*grams, STYLE_STRENGTH_LAYERS)
    relu = _strengths(*grams, RELU_STRENGTH_LAYERS)
    return {
        "style_strength": _mean(main.values()),
        **{f"style_strength_{name}": None if v is None else round(v, 6) for name, v in main.items()},
        "style_strength_relu": _mean(relu.values()),
    }


# --- per cell --------------------------------------------------------------------------------


def cell_metrics(
    stylized: ImageInput,
    content: ImageInput,
    style: StyleInput,
    text: str | None,
    weights: Weights,
    *,
    threads: int | None = None,
) -> dict:
    """All measures of one stylized image, as one flat dict (numbers, strings or ``None``).

    ``content`` is resized to ``stylized``'s size if they differ; ``style`` is used at the size
    given (pass it at the run's size). Keys: ``width``, ``height``, the readability keys
    (:func:`readability`), ``artefacts``, ``colour_share``, ``colour_mean``, ``artefact_note``,
    ``style_strength``, ``style_strength_<layer>``, ``style_strength_relu``, and the timings
    ``ocr_seconds``, ``artefact_seconds``, ``style_seconds``, ``seconds`` (all of it, image loading included).
    """
    started = time.perf_counter()
    stylized_image, content_image = _pair(stylized, content)
    style_image = _open(style) if isinstance(style, str | Path | Image.Image) else style
    metrics: dict = {"width": stylized_image.width, "height": stylized_image.height}
    metrics.update(readability(stylized_image, content_image, text, threads=threads))
    clock = time.perf_counter()
    metrics.update(artefact_metrics(stylized_image, content_image))
    metrics["artefact_seconds"] = round(time.perf_counter() - clock, 4)
    clock = time.perf_counter()
    metrics.update(style_strength(stylized_image, content_image, style_image, weights))
    metrics["style_seconds"] = round(time.perf_counter() - clock, 4)
    metrics["seconds"] = round(time.perf_counter() - started, 4)
    return metrics


def reference_metrics(
    content: ImageInput,
    style: StyleInput,
    text: str | None,
    weights: Weights,
    *,
    threads: int | None = None,
) -> dict:
    """:func:`cell_metrics` of the unstyled content image: the reference for every number."""
    return cell_metrics(content, content, style, text, weights, threads=threads)


# --- helpers -----------------------------------------------------------------------------------


def _open(image: ImageInput, size: tuple[int, int] | None = None) -> Image.Image:
    """An RGB image from a path or a PIL image, resized (Lanczos) to ``size`` if it differs."""
    if isinstance(image, Image.Image):
        image = image.convert("RGB")
    else:
        from steel.io.images import read_image

        image = read_image(image)
    if size is not None and image.size != tuple(size):
        image = image.resize(tuple(size), Image.Resampling.LANCZOS)
    return image


def _pair(stylized: ImageInput, content: ImageInput) -> tuple[Image.Image, Image.Image]:
    stylized_image = _open(stylized)
    return stylized_image, _open(content, stylized_image.size)


__all__ = [
    "COLOUR_SPREAD",
    "DILATION",
    "MIN_BACKGROUND",
    "NO_TEXT",
    "RELU_STRENGTH_LAYERS",
    "STYLE_STRENGTH_LAYERS",
    "VISIBLE_DELTA",
    "artefact_metrics",
    "background_problem",
    "cell_metrics",
    "character_error_rate",
    "dilate",
    "dilation_radius",
    "glyph_mask",
    "levenshtein",
    "normalised_grams",
    "on_light",
    "readability",
    "reference_metrics",
    "style_grams",
    "style_strength",
]
