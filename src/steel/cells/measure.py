"""A cell's result measured (:func:`steel.evaluate.metrics.cell_metrics`) against its pair as the run
read it: ``metrics.json``'s numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from steel.cells.pair import load_pair, recorded_style
from steel.errors import SteelError
from steel.evaluate.metrics import cell_metrics
from steel.io.images import read_image, to_pil
from steel.plan import run_folder
from steel.transfer.styles import StyleBlend, as_pictures
from steel.transfer.weights import Weights


def measure_cell(
    run_dir: str | Path, text: str | None, weights: Weights, *, threads: int | None = None
) -> dict:
    """:func:`steel.evaluate.metrics.cell_metrics` of a run folder, with ``cell`` added; ``seconds``
    counts the reading of the images too.

    Reads ``stylized.png`` and ``run.json``, whose content and style records give the paths and the
    widths the run used, a blend's members and weights too (the pair read as the run read it,
    :func:`steel.cells.pair.load_pair`), and in the stylized image's colours: a run that inverted a
    dark-ground style measured against that style inverted, as it was optimised toward (against
    the file as it is, a light-on-dark style's Grams are another style's); a run that inverted its
    content, whose result was inverted back, against the style inverted back with it.
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    record_path = run_dir / run_folder.RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        content = record["content"]
        style, style_width = recorded_style(record["style"])
        widths = content["width"], style_width
        # a pixel run records its invert setting; an outline run reads its style as `auto` does
        invert = record["invert"]["setting"] if "invert" in record else "auto"
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise SteelError(f"cannot read the run record {record_path} ({error}); rerun the cell") from None
    pair = load_pair(style, content["path"], *widths, invert=invert)
    content_image, style_image = pair.content, pair.style
    if pair.inverted["content"]:  # the result is in the user's colours: so is everything else
        content_image = 255.0 - content_image
        style_image = (
            style_image.map(lambda image: 255.0 - image)
            if isinstance(style_image, StyleBlend)
            else 255.0 - style_image
        )
    metrics = cell_metrics(
        read_image(run_dir / run_folder.STYLIZED),
        to_pil(content_image),
        as_pictures(style_image),
        text,
        weights,
        threads=threads,
    )
    metrics["seconds"] = round(time.perf_counter() - started, 4)
    return {"cell": record.get("cell", run_dir.name), **metrics}
