"""The vector jobs: a cell traced as an SVG logo, and the recommended cell's SVG beside its PNG."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.cells.trace import trace_cell, traced_svg
from steel.config import vector_options
from steel.errors import SteelError
from steel.io.outputs import StagedFiles, read_json
from steel.plan.run_folder import SVG
from steel.render.vector import TraceSettings
from steel.setting_row import VECTOR


def trace_job(run_dir: str | Path, section: Mapping, text: str | None) -> dict:
    """``stylized.svg`` and ``vector.json`` of one cell (``section``: the config's ``vector``)."""
    record = trace_cell(run_dir, TraceSettings.from_options(vector_options({VECTOR: section})), text)
    print(
        f"{record['mode']} trace: {record['vector_paths']} paths, {record['vector_bytes']} bytes, "
        f"ink IoU {record['vector_iou']}, CER {record['vector_cer']}",
        flush=True,
    )
    if not record["vector_paths"]:
        print("the trace is empty: the result has no ink apart from its ground", flush=True)
    return record


def best_svg_job(
    choice: str | Path,
    svgs: Sequence[str],
    out: str | Path,
    rasters: Sequence[str] = (),
    section: Mapping | None = None,
) -> Path:
    """The recommended cell's SVG (``choice``: the pair's ``best.json``, which names it: a pixel
    cell's trace or an outline cell's own), copied from among ``svgs``; a pixel cell that was not
    traced (``vector`` off, outlines on) is traced now from its ``stylized.png``, which must be
    among ``rasters``, with the ``vector`` section's settings."""
    chosen = read_json(choice)
    if "svg" in chosen:
        found = [Path(svg) for svg in svgs if Path(svg) == Path(chosen["svg"])]
    else:  # a best.json from before outline cells: a pixel cell, named by its folder
        found = [Path(svg) for svg in svgs if Path(svg).parent.name == chosen["cell"]]
    untraced = [Path(r).parent for r in rasters if Path(r) == Path(chosen.get("image", ""))]
    if not found and not untraced:
        raise SteelError(f"the recommended cell {chosen['cell']} has no {SVG} among the traced cells")
    with StagedFiles() as staged:
        if found:
            staged.stage(Path(out), lambda tmp: shutil.copyfile(found[0], tmp))
        else:
            settings = TraceSettings.from_options(vector_options({VECTOR: section or {}}))
            svg = traced_svg(untraced[0], settings)
            staged.stage(Path(out), lambda tmp: Path(tmp).write_text(svg, encoding="utf-8"))
    return Path(out)
