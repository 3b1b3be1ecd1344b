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
from steel.transfer.styles import as_pictures
from steel.transfer.weights import Weights


def measure_cell(
    run_dir: str | Path, text: str | None, weights: Weights, *, threads: int | None = None
) -> dict:
    """:func:`steel.evaluate.metrics.cell_metrics` of a run folder, with ``cell`` added; ``seconds``
    counts the reading of the images too.

    Reads ``stylized.png`` and ``run.json``, whose content and style records give the paths and the
    widths the run used, a blend's members and weights too (the pair read as the run read it,
    :func:`steel.cells.pair.load_pair`).
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    record_path = run_dir / run_folder.RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        content = record["content"]
        style, style_width = recorded_style(record["style"])
        widths = content["width"], style_width
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise SteelError(f"cannot read the run record {record_path} ({error}); rerun the cell") from None
    pair = load_pair(style, content["path"], *widths)
    metrics = cell_metrics(
        read_image(run_dir / run_folder.STYLIZED),
        to_pil(pair.content),
        as_pictures(pair.style),
        text,
        weights,
        threads=threads,
    )
    metrics["seconds"] = round(time.perf_counter() - started, 4)
    return {"cell": record.get("cell", run_dir.name), **metrics}
