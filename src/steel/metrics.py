"""Numbers for every stylized logo (readability, background artefacts, style strength) and the choice
of the best trade-off between them.

Every measure compares the stylized image with its *content* image, resized to the stylized
image's size if they differ. All are measured on 8-bit RGB, black glyphs on white.

Readability (``cer``, ``ocr_text``, ``ocr_confidence``, ``ocr_mode``, ``ocr_seconds``)
    OCR of the stylized image (:mod:`steel.ocr`, RapidOCR, offline): recognition only on the word's
    box, found from the content image's ink plus a margin of 25 % of the word's height, with
    detection plus recognition on the whole image as the fallback when that reads nothing or the
    content has no ink. ``cer`` is the character error rate: Levenshtein distance between what was
    read and the reference text, divided by the reference's length, after normalising both
    (Unicode NFKC, case folded, all whitespace removed: a logo's letter spacing is layout, not
    legibility). 0 = read perfectly; it exceeds 1 when the OCR adds characters. ``ocr_confidence``
    is the recogniser's mean score (0-1; 0 when nothing was read). A content without text gets
    ``None`` for these and ``note = "no reference text"``.

Background artefacts (``artefacts``, ``colour_share``, ``colour_mean``)
    A pixel *differs visibly from white* when any channel is below 255 - 32 = 223. The glyph mask is
    the set of such pixels in the content image, dilated by a square of radius
    ``max(1, round(0.04 * height))`` px (3 px for an 80 px high logo, 9 px for 216 px), so that
    anti-aliasing and slight shifts of the edges do not count. ``artefacts`` is the share of pixels
    outside that mask that differ visibly from white in the stylized image: blobs, specks, texture
    and glyph growth further than the radius. ``colour_share`` is the share of all pixels whose
    channel spread ``max(R,G,B) - min(R,G,B)`` exceeds 32 (the paper's "colour pixels" on what should
    be black and white; black, white and greys have spread 0); ``colour_mean`` is the mean spread / 255.

Style strength (``style_strength`` and ``style_strength_<layer>``)
    Over a fixed set of VGG16 layers, independent of the layers a cell optimised
    (:data:`STYLE_STRENGTH_LAYERS`: ``relu1_2, relu2_2, relu3_3, relu4_3``, the post-ReLU layers of
    the common Gatys/Johnson style loss), with size-independent Gram matrices
    ``G / (C * H * W)`` of each layer's C maps of H x W::

        s_l = clip(1 - ||G_l(stylized) - G_l(style)||_F / ||G_l(content) - G_l(style)||_F, 0, 1)
        style_strength = mean over layers of s_l

    0 = the content image's statistics (or further from the style), 1 = the style image's. A layer
    where content and style have identical Grams is left out (``None`` when all are). The style
    image should be at the size the run used (:func:`run_metrics` does that); the weights are those
    of the runs, loaded once by the caller with :func:`steel.weights.load_weights`.

:func:`reference_metrics` scores the unstyled content the same way, so that every number has its
reference (its style strength is 0 by definition, its CER that of the clean word).

Choosing a cell: :func:`pareto_front` (maximise style strength, minimise CER) and
:func:`choose_best` (rule in its docstring); :func:`tradeoff_plot` draws both.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from steel.errors import SteelError
from steel.features import VGGFeatures
from steel.images import read_image, to_tensor
from steel.layers import LAYER_INDEX, format_coefficient, parse_cell_id
from steel.losses import gram
from steel.ocr import VISIBLE_DELTA, ink_box, ink_mask, read_text
from steel.weights import Weights

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: layers of the style-strength measure (fixed, whatever layers a cell optimised)
STYLE_STRENGTH_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
#: radius of the glyph mask's dilation, as a share of the image height
DILATION = 0.04
#: a pixel is a colour pixel when max(R,G,B) - min(R,G,B) exceeds this
COLOUR_SPREAD = 32
NO_TEXT = "no reference text"

ImageInput = str | Path | Image.Image


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
    reading = read_text(stylized_image, ink_box(content_image), threads=threads)
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


def glyph_mask(content: ImageInput) -> np.ndarray:
    """The content's visibly non-white pixels, dilated by ``max(1, round(DILATION * height))`` px."""
    mask = ink_mask(_open(content))
    return dilate(mask, max(1, round(DILATION * mask.shape[0])))


def artefact_metrics(stylized: ImageInput, content: ImageInput) -> dict:
    """``artefacts`` (background share that differs visibly from white), ``colour_share`` and
    ``colour_mean`` (see the module docstring)."""
    stylized_image, content_image = _pair(stylized, content)
    background = ~glyph_mask(content_image)
    array = np.asarray(stylized_image, dtype=np.int16)
    visible = ink_mask(array)
    spread = array.max(axis=2) - array.min(axis=2)
    outside = int(background.sum())
    return {
        "artefacts": round(float((visible & background).sum()) / outside, 6) if outside else 0.0,
        "colour_share": round(float((spread > COLOUR_SPREAD).mean()), 6),
        "colour_mean": round(float(spread.mean()) / 255.0, 6),
    }


# --- style strength --------------------------------------------------------------------------

_EXTRACTORS: dict[int, tuple[Weights, VGGFeatures]] = {}
_GRAMS: OrderedDict[tuple, dict[str, torch.Tensor]] = OrderedDict()
_GRAM_CACHE_SIZE = 8


def _extractor(weights: Weights) -> VGGFeatures:
    cached = _EXTRACTORS.get(id(weights))
    if cached is None or cached[0] is not weights:
        cached = (weights, VGGFeatures(weights, STYLE_STRENGTH_LAYERS))
        _EXTRACTORS[id(weights)] = cached
    return cached[1]


def normalised_grams(image: ImageInput, weights: Weights) -> dict[str, torch.Tensor]:
    """``{layer: G / (C H W)}`` (float64, C x C) over :data:`STYLE_STRENGTH_LAYERS`.

    The last few results are cached by pixel content, so that the content and style images of a
    pair cost their forward pass once per process.
    """
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


def style_strength(stylized: ImageInput, content: ImageInput, style: ImageInput, weights: Weights) -> dict:
    """``style_strength`` in [0, 1] and ``style_strength_<layer>`` per layer (module docstring)."""
    stylized_image, content_image = _pair(stylized, content)
    g_stylized = normalised_grams(stylized_image, weights)
    g_content = normalised_grams(content_image, weights)
    g_style = normalised_grams(style, weights)
    result: dict = {}
    strengths = []
    for name in STYLE_STRENGTH_LAYERS:
        reference = float(torch.linalg.matrix_norm(g_content[name] - g_style[name]))
        if reference == 0.0:
            result[f"style_strength_{name}"] = None
            continue
        distance = float(torch.linalg.matrix_norm(g_stylized[name] - g_style[name]))
        strength = min(1.0, max(0.0, 1.0 - distance / reference))
        result[f"style_strength_{name}"] = round(strength, 6)
        strengths.append(strength)
    result["style_strength"] = round(float(np.mean(strengths)), 6) if strengths else None
    return {"style_strength": result.pop("style_strength"), **result}


# --- per cell --------------------------------------------------------------------------------


def cell_metrics(
    stylized: ImageInput,
    content: ImageInput,
    style: ImageInput,
    text: str | None,
    weights: Weights,
    *,
    threads: int | None = None,
) -> dict:
    """All measures of one stylized image, as one flat dict (numbers, strings or ``None``).

    ``content`` is resized to ``stylized``'s size if they differ; ``style`` is used at the size
    given (pass it at the run's size). Keys: ``width``, ``height``, the readability keys
    (:func:`readability`), ``artefacts``, ``colour_share``, ``colour_mean``, ``style_strength``,
    ``style_strength_<layer>``, and the timings ``ocr_seconds``, ``artefact_seconds``,
    ``style_seconds``, ``seconds`` (all of it, image loading included).
    """
    started = time.perf_counter()
    stylized_image, content_image = _pair(stylized, content)
    style_image = _open(style)
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
    style: ImageInput,
    text: str | None,
    weights: Weights,
    *,
    threads: int | None = None,
) -> dict:
    """:func:`cell_metrics` of the unstyled content image: the reference for every number."""
    return cell_metrics(content, content, style, text, weights, threads=threads)


def run_metrics(
    run_dir: str | Path, text: str | None, weights: Weights, *, threads: int | None = None
) -> dict:
    """:func:`cell_metrics` of a run folder, with ``cell`` added.

    Reads ``stylized.png`` and ``run.json``, whose content and style records give the paths and the
    sizes the run used.
    """
    run_dir = Path(run_dir)
    record_path = run_dir / "run.json"
    try:
        record = json.loads(record_path.read_text())
        content, style = record["content"], record["style"]
    except (OSError, ValueError, KeyError) as error:
        raise SteelError(f"cannot read the run record {record_path} ({error}); rerun the cell") from None
    metrics = cell_metrics(
        read_image(run_dir / "stylized.png"),
        _open(content["path"], (content["width"], content["height"])),
        _open(style["path"], (style["width"], style["height"])),
        text,
        weights,
        threads=threads,
    )
    return {"cell": record.get("cell", run_dir.name), **metrics}


# --- trade-off ---------------------------------------------------------------------------------


def _number(value) -> float | None:
    """A finite float, or ``None`` for missing values (``None``, ``""``, ``"nan"``, ``"None"``)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "na")):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def pareto_front(
    rows: Iterable[Mapping], x: str = "style_strength", y: str = "cer", id: str = "cell"
) -> list[str]:
    """Ids of the rows that no other row dominates (maximise ``x``, minimise ``y``), by rising ``x``.

    A row dominates another when its ``x`` is at least as high and its ``y`` at least as low, one of
    them strictly. Rows missing ``x`` or ``y`` are left out; equal points are all on the front.
    """
    points = [(row[id], _number(row.get(x)), _number(row.get(y))) for row in rows]
    points = [(key, px, py) for key, px, py in points if px is not None and py is not None]
    front = [
        (px, py, key)
        for key, px, py in points
        if not any(qx >= px and qy <= py and (qx > px or qy < py) for _, qx, qy in points)
    ]
    return [key for _, _, key in sorted(front, key=lambda p: (p[0], -p[1]))]


def choose_best(rows: Sequence[Mapping], max_cer: float, max_artefacts: float | None = None) -> Mapping:
    """The recommended cell: the most style that stays readable.

    Rule: among the rows with ``cer <= max_cer`` (and, if given, ``artefacts <= max_artefacts``),
    the highest ``style_strength``; ties go to fewer ``artefacts``, then lower ``cer``, then the
    smaller cell id. If no row qualifies, the row with the lowest ``cer`` (ties: higher style
    strength, fewer artefacts). If no row has a ``cer`` (content without text), readability cannot
    be checked: the rule applies the artefact limit alone, and its fallback is the fewest artefacts.
    Returns the row itself (a row qualified when its ``cer`` is at most ``max_cer``).
    """
    rows = list(rows)
    if not rows:
        raise SteelError("no cells to choose from")

    def value(row, key, missing):
        number = _number(row.get(key))
        return missing if number is None else number

    def by_style(row):
        return (
            -value(row, "style_strength", -math.inf),
            value(row, "artefacts", math.inf),
            value(row, "cer", math.inf),
            str(row.get("cell")),
        )

    has_cer = any(_number(row.get("cer")) is not None for row in rows)
    qualified = [
        row
        for row in rows
        if (not has_cer or value(row, "cer", math.inf) <= max_cer)
        and (max_artefacts is None or value(row, "artefacts", math.inf) <= max_artefacts)
    ]
    if qualified:
        return min(qualified, key=by_style)
    fallback = "cer" if has_cer else "artefacts"
    return min(rows, key=lambda row: (value(row, fallback, math.inf), *by_style(row)))


def short_labels(cells: Sequence[str]) -> tuple[dict[str, str], str]:
    """Short plot labels for cell ids, and the key that explains them.

    Layers whose coefficients move together across the given cells form a group; a cell's label is
    its group coefficients joined by ``/`` (e.g. ``2000/200``), the key names the groups (e.g.
    ``c(conv1_1, conv1_2) / c(conv4_1, conv4_2, conv4_3)``). Ids that are not layer cells keep their own name.
    """
    parsed: dict[str, dict[str, float] | None] = {}
    for cell in cells:
        try:
            parsed[cell] = parse_cell_id(str(cell))
        except SteelError:
            parsed[cell] = None
    layered = [cell for cell in cells if parsed[cell] is not None]
    if not layered:
        return {cell: str(cell) for cell in cells}, ""
    layers = sorted({name for cell in layered for name in parsed[cell]}, key=LAYER_INDEX.__getitem__)
    groups: dict[tuple[float, ...], list[str]] = {}
    for name in layers:
        groups.setdefault(tuple(parsed[cell].get(name, 0.0) for cell in layered), []).append(name)
    members = list(groups.values())
    labels = {
        cell: "/".join(format_coefficient(parsed[cell].get(group[0], 0.0)) for group in members)
        if parsed[cell] is not None
        else str(cell)
        for cell in cells
    }
    key = " / ".join(f"c({', '.join(group)})" for group in members)
    return labels, key


def tradeoff_plot(
    rows: Sequence[Mapping],
    title: str,
    *,
    reference: Mapping | None = None,
    max_cer: float | None = None,
    best: str | None = None,
) -> Figure:
    """Readability (CER, axis inverted so that up = more readable) against style strength.

    One point per cell, coloured by background artefacts; the Pareto front (:func:`pareto_front`)
    drawn as a line with its cells labelled (short labels, explained under the plot). Optional:
    the unstyled ``reference`` (:func:`reference_metrics`) as a star, the ``max_cer`` limit as a
    dotted line, and the ``best`` cell id ringed. Without any CER (content without text) the y axis
    shows artefacts instead and the colour shows ``colour_share``.
    """
    from matplotlib.figure import Figure  # imported here: the metric rules do not need it

    rows = [row for row in rows if _number(row.get("style_strength")) is not None]
    has_cer = any(_number(row.get("cer")) is not None for row in rows)
    y_key, c_key = ("cer", "artefacts") if has_cer else ("artefacts", "colour_share")
    rows = [row for row in rows if _number(row.get(y_key)) is not None]
    fig = Figure(figsize=(7.5, 5.0), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("style strength (0 = content, 1 = style statistics)")
    ax.set_ylabel(
        "character error rate (more readable \u2191)"
        if has_cer
        else "background artefacts (cleaner \u2191; no reference text)"
    )
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    if not rows:
        ax.text(0.5, 0.5, "no measured cells", ha="center", va="center", transform=ax.transAxes)
        return fig

    cells = [str(row["cell"]) for row in rows]
    xs = np.array([_number(row["style_strength"]) for row in rows])
    ys = np.array([_number(row[y_key]) for row in rows])
    cs = np.array([_number(row.get(c_key)) or 0.0 for row in rows])
    front = pareto_front(rows, x="style_strength", y=y_key)
    labels, key = short_labels(cells)

    order = {cell: i for i, cell in enumerate(cells)}
    fx = [xs[order[c]] for c in front]
    fy = [ys[order[c]] for c in front]
    ax.plot(fx, fy, "-", color="#d62728", linewidth=1.5, zorder=2, label="Pareto front")
    vmax = max(float(cs.max()), 1e-3)
    sizes = [70 if cell in front else 40 for cell in cells]
    points = ax.scatter(
        xs, ys, c=cs, s=sizes, cmap="viridis", vmin=0.0, vmax=vmax, edgecolors="0.2", linewidths=0.7, zorder=3
    )
    colourbar = fig.colorbar(points, ax=ax, pad=0.02)
    colourbar.set_label(
        "background artefacts (share of pixels)" if has_cer else "colour pixels (share)", fontsize=9
    )
    if best is not None and best in order:
        ax.scatter(
            [xs[order[best]]],
            [ys[order[best]]],
            s=260,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=1.8,
            zorder=4,
            label=f"chosen: {labels[best]}",
        )
    if reference is not None:
        rx, ry = _number(reference.get("style_strength")), _number(reference.get(y_key))
        if rx is not None and ry is not None:
            ax.scatter([rx], [ry], marker="*", s=180, color="black", zorder=4, label="content (unstyled)")
            ys = np.append(ys, ry)
    if max_cer is not None and has_cer:
        ax.axhline(max_cer, color="0.35", linestyle=":", linewidth=1.2, label=f"max CER {max_cer:g}")
        ys = np.append(ys, max_cer)

    low, high = min(0.0, float(ys.min())), float(ys.max())
    span = max(high - low, 0.05)
    ax.set_ylim(high + 0.08 * span, low - 0.08 * span)  # inverted: lower is better, shown up
    ax.set_xlim(-0.04, 1.08)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9, markerscale=0.7)
    if key:
        fig.text(0.01, 0.005, f"labels: {key}", fontsize=8, color="0.3", ha="left", va="bottom")
        fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    _label_points(fig, ax, [labels[cell] for cell in front], fx, fy)
    return fig


#: label offsets (points) tried in turn, with the horizontal alignment that goes with each
_LABEL_OFFSETS = ((6, 4, "left"), (6, -12, "left"), (-6, 4, "right"), (-6, -12, "right"), (6, 14, "left"))


def _label_points(fig: Figure, ax, texts: Sequence[str], xs: Sequence[float], ys: Sequence[float]) -> None:
    """Annotate points, choosing for each the first offset whose label box overlaps no earlier one."""
    fig.draw_without_rendering()  # settle the layout so that data -> pixel positions are final
    scale = fig.dpi / 72.0
    fontsize = 8
    placed: list[tuple[float, float, float, float]] = []
    for text, x, y in zip(texts, xs, ys, strict=True):
        px, py = ax.transData.transform((x, y))
        width, height = 0.62 * fontsize * len(text) * scale, 1.25 * fontsize * scale
        for dx, dy, align in _LABEL_OFFSETS:
            left = px + dx * scale - (width if align == "right" else 0.0)
            box = (left, py + dy * scale, left + width, py + dy * scale + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=align,
            fontsize=fontsize,
            color="#8c1515",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )


# --- helpers -----------------------------------------------------------------------------------


def _open(image: ImageInput, size: tuple[int, int] | None = None) -> Image.Image:
    """An RGB image from a path or a PIL image, resized (Lanczos) to ``size`` if it differs."""
    image = image.convert("RGB") if isinstance(image, Image.Image) else read_image(image)
    if size is not None and image.size != tuple(size):
        image = image.resize(tuple(size), Image.Resampling.LANCZOS)
    return image


def _pair(stylized: ImageInput, content: ImageInput) -> tuple[Image.Image, Image.Image]:
    stylized_image = _open(stylized)
    return stylized_image, _open(content, stylized_image.size)


__all__ = [
    "COLOUR_SPREAD",
    "DILATION",
    "NO_TEXT",
    "STYLE_STRENGTH_LAYERS",
    "VISIBLE_DELTA",
    "artefact_metrics",
    "cell_metrics",
    "character_error_rate",
    "choose_best",
    "dilate",
    "glyph_mask",
    "levenshtein",
    "normalised_grams",
    "pareto_front",
    "readability",
    "reference_metrics",
    "run_metrics",
    "short_labels",
    "style_strength",
    "tradeoff_plot",
]
