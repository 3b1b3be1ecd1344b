"""A cell's result traced as a vector logo: ``stylized.svg`` beside ``stylized.png``, with the trace's
record and its preview (:mod:`steel.render.vector` traces, :mod:`steel.evaluate.vector` compares)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from steel.evaluate.vector import rendered, vector_metrics
from steel.io.images import read_image, read_logo
from steel.io.outputs import StagedFiles, read_json, write_json, write_png
from steel.plan import run_folder
from steel.render.vector import TraceSettings, settings_record, trace, trace_mode


def _traced(run_dir: Path, settings: TraceSettings) -> tuple[object, dict, str, str]:
    """(raster, run record, SVG text, trace mode) of a run folder's result."""
    raster = read_image(run_dir / run_folder.STYLIZED)
    run = read_json(run_dir / run_folder.RECORD)
    grey_run = (run.get("settings") or {}).get("colour") == "grey"
    svg, mode = trace(raster, settings, trace_mode(raster, grey_run))
    return raster, run, svg, mode


def traced_svg(run_dir: str | Path, settings: TraceSettings) -> str:
    """A run folder's result traced as an SVG, as :func:`trace_cell` traces it, written nowhere."""
    return _traced(Path(run_dir), settings)[2]


def trace_cell(
    run_dir: str | Path, settings: TraceSettings, text: str | None = None, staged: StagedFiles | None = None
) -> dict:
    """Trace a run folder's ``stylized.png`` into ``stylized.svg`` and write ``vector.json`` (the mode
    and settings used and how the trace compares with the raster,
    :func:`steel.evaluate.vector.vector_metrics`; the CER needs the logo's ``text``) and
    ``vector_preview.png`` (the SVG drawn back on white), all together or none (``staged``: staged
    there, for the caller to commit). Returns the record."""
    run_dir = Path(run_dir)
    raster, run, svg, mode = _traced(run_dir, settings)
    content_path = (run.get("content") or {}).get("path")
    content = None
    if text and content_path and Path(content_path).is_file():
        # the content as the run read it, at the result's size
        content = read_logo(content_path, raster.width, "content image").resize(raster.size)
    preview = rendered(svg, raster.size)  # on white: the sheets' picture and the OCR's input
    record = settings_record(settings, mode) | vector_metrics(svg, raster, content, text, preview)
    with StagedFiles() if staged is None else contextlib.nullcontext(staged) as staged:
        staged.stage(run_dir / run_folder.VECTOR_RECORD, write_json(record))
        staged.stage(run_dir / run_folder.VECTOR_PREVIEW, write_png(preview))
        staged.stage(run_dir / run_folder.SVG, lambda tmp: Path(tmp).write_text(svg, encoding="utf-8"))
    return record
