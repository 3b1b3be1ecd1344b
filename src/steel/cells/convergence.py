"""The convergence study's runs: one schedule of a pair, every cell in one run, logged as a trace
(:func:`steel.evaluate.convergence.trace`) and written as a TSV."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from steel.cells.pair import job_style, load_pair, style_label
from steel.config import settings_from_config
from steel.evaluate.convergence import trace
from steel.io.outputs import StagedFiles, write_table
from steel.layers import parse_cell_id
from steel.plan.schedules import REFERENCE
from steel.transfer.devices import resolve_device
from steel.transfer.progress import StepLog
from steel.transfer.weights import load_weights


def trace_schedule(
    style: str | list[str],
    content: str,
    text: str | None,
    params: Mapping,
    execution: Mapping,
    out: str | Path,
    schedule: str = REFERENCE,
    threads: int = 1,
) -> list[dict]:
    """One schedule of one pair, every cell of ``params["cells"]`` (ids) in one run, its rows
    written to ``out``. ``params`` are the canonical settings of
    :func:`steel.plan.schedules.schedule_params`, a blend's with ``style`` (its members' weights, in
    the order of the ``style`` files)."""
    torch.set_num_threads(max(1, int(threads)))
    image = params["image"]
    params = dict(params)
    style = job_style(style, params.pop("style", None))
    settings = settings_from_config(params | {"execution": execution})
    pair = load_pair(
        style, content, image.get("width"), image.get("style_width"), image.get("invert", "auto")
    )
    cells = [parse_cell_id(cell) for cell in params["cells"]]
    device = resolve_device(execution["device"])
    print(f"convergence {schedule}: {Path(content).name} with {style_label(style)} on {device}", flush=True)

    def progress(event: StepLog) -> None:
        print(f"iteration {event.step:>7}  style {event.style_loss:.6g}", flush=True)

    rows = trace(
        load_weights(params["weights"]),
        pair.style,
        pair.content,
        cells,
        settings,
        int(params["every"]),
        text,
        schedule=schedule,
        device=device,
        progress=False,
        on_log=progress,
    )
    with StagedFiles() as staged:
        staged.stage(Path(out), write_table(rows))
    return rows
