"""Reading a logo's word with RapidOCR (PP-OCR models run by onnxruntime), fully offline.

``rapidocr`` carries its models inside the wheel (``rapidocr/models``: PP-OCRv6 small detection and
recognition, the v2 direction classifier); the engine here only ever uses those bundled files, so
nothing is downloaded. Its recogniser is the multilingual Chinese/Latin one: a damaged glyph can
come back as a CJK character or a symbol, which simply counts as a wrong character.

Two ways to read an image:

- **crop** (fast, about 20 ms for a 384x80 logo on 2 CPU cores): recognition only, on a crop of
  the box where the word is known to be (found from the *content* image's dark pixels, see
  :func:`ink_box`, plus a margin). A logo of several lines is read line by line: the row profile
  of the ink splits it into lines (:func:`line_boxes`), each line is recognised on its own crop
  and the texts are joined top to bottom with a space (the recogniser reads one line per crop);
- **full** (about 0.1-0.3 s): text detection on the whole image, then recognition of every detected
  box, read left to right. Used when no box is known or the crop read nothing.

The engine is created once per process and reused (:func:`ocr_engine`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from steel.errors import SteelError

#: a pixel is ink (differs visibly from white) when any channel is below 255 - VISIBLE_DELTA
VISIBLE_DELTA = 32
#: margin around the word's ink box, as a share of the box's height (at least MIN_MARGIN px)
BOX_MARGIN = 0.25
MIN_MARGIN = 4
#: rows of ink separated by fewer blank rows than this share of the tallest line stay one line
#: (the dot of an i, accents); runs of ink lower than MIN_LINE_SHARE of the tallest join a neighbour
LINE_GAP = 0.15
MIN_LINE_SHARE = 0.4

_ENGINES: dict[int | None, object] = {}


@dataclass(frozen=True)
class Reading:
    """What the recogniser read: ``text``, its mean ``confidence`` (0-1, 0 when nothing was read),
    ``mode`` (``crop``, ``lines`` for a crop per line, ``full``, or ``full-fallback`` when the crops
    read nothing) and ``seconds``."""

    text: str
    confidence: float
    mode: str
    seconds: float


def ocr_engine(threads: int | None = None):
    """The process's RapidOCR engine (created on first use, then cached per ``threads``).

    ``threads`` sets onnxruntime's intra-op threads (``None``: all cores).
    """
    engine = _ENGINES.get(threads)
    if engine is not None:
        return engine
    try:
        from rapidocr import RapidOCR
    except ImportError:
        raise SteelError(
            "readability metrics need the OCR package: pip install 'rapidocr==3.10.0' onnxruntime"
        ) from None
    params = {
        "Global.log_level": "error",
        # keep every reading, however unsure: a low score is a result, not a reason to drop text
        "Global.text_score": 0.0,
        # the default (min side to 736 px) blows a 384x80 logo up to 3500x736: 5 s per image;
        # capping the long side keeps detection at about 0.2 s and reads logos as well
        "Det.limit_type": "max",
        "Det.limit_side_len": 960,
    }
    if threads is not None:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = int(threads)
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    try:
        engine = RapidOCR(params=params)
        # load the recognition model now, so that per-image timings do not include it
        engine(np.full((48, 96, 3), 255, np.uint8), use_det=False, use_cls=False, use_rec=True)
    except Exception as error:  # onnxruntime and rapidocr raise many types
        raise SteelError(
            f"cannot start the OCR engine ({error.__class__.__name__}: {error}); "
            "reinstall 'rapidocr==3.10.0' and onnxruntime (the models ship inside the rapidocr wheel)"
        ) from None
    _ENGINES[threads] = engine
    return engine


def ink_mask(image: Image.Image | np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels that differ visibly from white (any channel < 255 - VISIBLE_DELTA)."""
    array = np.asarray(image)
    if array.ndim == 3:
        array = array.min(axis=2)
    return array < 255 - VISIBLE_DELTA


def ink_box(image: Image.Image | np.ndarray, margin: float = BOX_MARGIN) -> tuple[int, int, int, int] | None:
    """Bounding box ``(left, top, right, bottom)`` of the ink plus a margin, clamped to the image.

    The margin is ``margin`` times the ink's height, at least ``MIN_MARGIN`` px. ``None`` when the
    image has no ink.
    """
    mask = ink_mask(image)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    pad = max(MIN_MARGIN, round(margin * (bottom - top)))
    height, width = mask.shape
    return (max(0, left - pad), max(0, top - pad), min(width, right + pad), min(height, bottom + pad))


def _row_runs(rows: np.ndarray) -> list[list[int]]:
    """[start, end) of each run of True in a 1-d bool array."""
    padded = np.concatenate(([False], rows, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [[int(a), int(b)] for a, b in zip(edges[::2], edges[1::2], strict=True)]


def text_lines(image: Image.Image | np.ndarray) -> list[tuple[int, int]]:
    """The lines of text, as (top, bottom) row ranges, from the row profile of the ink.

    Rows with ink form runs; runs closer than :data:`LINE_GAP` times the tallest run merge (an i's
    dot, accents), and a run lower than :data:`MIN_LINE_SHARE` of the tallest joins its nearest
    neighbour. Empty when the image has no ink.
    """
    return _lines(ink_mask(image))


def _lines(mask: np.ndarray) -> list[tuple[int, int]]:
    runs = _row_runs(mask.any(axis=1))
    if not runs:
        return []
    tallest = max(b - a for a, b in runs)
    merged = [runs[0]]
    for run in runs[1:]:
        if run[0] - merged[-1][1] < max(2, LINE_GAP * tallest):
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    while len(merged) > 1:
        tallest = max(b - a for a, b in merged)
        small = [i for i, (a, b) in enumerate(merged) if b - a < MIN_LINE_SHARE * tallest]
        if not small:
            break
        i = small[0]
        gaps = [
            (merged[i][0] - merged[i - 1][1], i - 1) if i > 0 else None,
            (merged[i + 1][0] - merged[i][1], i + 1) if i + 1 < len(merged) else None,
        ]
        _, j = min(gap for gap in gaps if gap is not None)
        a, b = min(i, j), max(i, j)
        merged[a : b + 1] = [[merged[a][0], merged[b][1]]]
    return [(a, b) for a, b in merged]


def line_boxes(
    image: Image.Image | np.ndarray, margin: float = BOX_MARGIN
) -> list[tuple[int, int, int, int]]:
    """One box ``(left, top, right, bottom)`` per line of text (:func:`text_lines`), top to bottom.

    Each is the line's ink plus a margin of ``margin`` times the line's height (at least
    :data:`MIN_MARGIN` px), vertically never further than halfway into the gap to the next line.
    One line gives the same box as :func:`ink_box`; no ink gives an empty list.
    """
    mask = ink_mask(image)
    height, width = mask.shape
    lines = _lines(mask)
    boxes = []
    for k, (top, bottom) in enumerate(lines):
        cols = np.flatnonzero(mask[top:bottom].any(axis=0))
        pad = max(MIN_MARGIN, round(margin * (bottom - top)))
        upper = (lines[k - 1][1] + top + 1) // 2 if k > 0 else 0
        lower = (bottom + lines[k + 1][0]) // 2 if k + 1 < len(lines) else height
        boxes.append(
            (
                max(0, int(cols[0]) - pad),
                max(upper, top - pad),
                min(width, int(cols[-1]) + 1 + pad),
                min(lower, bottom + pad),
            )
        )
    return boxes


def _rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(image, dtype=np.uint8)


def _recognise(engine, array: np.ndarray) -> tuple[str, float]:
    # use_det/use_cls/use_rec stick between calls in rapidocr: pass all three every time
    result = engine(array, use_det=False, use_cls=False, use_rec=True, text_score=0.0)
    texts = getattr(result, "txts", None) or ()
    scores = getattr(result, "scores", None) or ()
    text = "".join(texts).strip()
    return text, (float(np.mean(scores)) if text and len(scores) else 0.0)


def _detect_and_recognise(engine, array: np.ndarray) -> tuple[str, float]:
    result = engine(array, use_det=True, use_cls=False, use_rec=True, text_score=0.0)
    texts = getattr(result, "txts", None) or ()
    boxes = getattr(result, "boxes", None)
    if not texts or boxes is None or len(boxes) != len(texts):
        return "", 0.0
    order = np.argsort([float(np.min(box[:, 0])) for box in boxes], kind="stable")
    texts = [texts[i].strip() for i in order]
    scores = [float(result.scores[i]) for i in order]
    kept = [(t, s) for t, s in zip(texts, scores, strict=True) if t]
    if not kept:
        return "", 0.0
    return " ".join(t for t, _ in kept), float(np.mean([s for _, s in kept]))


def read_text(
    image: Image.Image | np.ndarray,
    box: tuple[int, int, int, int] | Sequence[tuple[int, int, int, int]] | None = None,
    *,
    threads: int | None = None,
) -> Reading:
    """Read the word in ``image`` (RGB): recognition only on ``box`` if given (or on each of a list
    of boxes, one per line, the texts joined by spaces), else (or if that reads nothing) detection
    plus recognition on the whole image."""
    engine = ocr_engine(threads)
    array = _rgb_array(image)
    started = time.perf_counter()
    mode = "full"
    if box is None or len(box) == 0:
        boxes = []
    else:
        boxes = [box] if isinstance(box[0], int | np.integer) else list(box)
    if boxes:
        texts, scores = [], []
        for left, top, right, bottom in boxes:
            crop = array[top:bottom, left:right]
            if crop.size:
                text, confidence = _recognise(engine, crop)
                if text:
                    texts.append(text)
                    scores.append(confidence)
        if texts:
            mode = "crop" if len(boxes) == 1 else "lines"
            return Reading(" ".join(texts), float(np.mean(scores)), mode, time.perf_counter() - started)
        mode = "full-fallback"
    text, confidence = _detect_and_recognise(engine, array)
    return Reading(text, confidence, mode, time.perf_counter() - started)
