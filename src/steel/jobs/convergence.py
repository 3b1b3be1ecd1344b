"""The convergence study's jobs: one schedule's trace of a pair, and the pair's plot and summary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from steel.evaluate.convergence import summarise, summary_markdown, trace
from steel.layers import parse_cell_id
from steel.plan.schedules import REFERENCE


def trace_job(
    style: str,
    content: str,
    text: str | None,
    params: Mapping,
    execution: Mapping,
    out: str | Path,
    schedule: str = REFERENCE,
    threads: int = 1,
) -> list[dict]:
    """One schedule of one pair, every cell of ``params["cells"]`` (ids) in one run: its trace TSV.

    ``params`` are the canonical settings of :func:`schedule_params`.
    """
    import torch

    from steel.io.images import has_dark_background, load_image, parse_invert, should_invert
    from steel.io.outputs import StagedFiles, write_table
    from steel.settings import settings_from_config
    from steel.transfer.devices import resolve_device
    from steel.transfer.weights import load_weights

    torch.set_num_threads(max(1, int(threads)))
    image = params["image"]
    settings = settings_from_config(dict(params) | {"execution": execution})
    content_image = load_image(content, image.get("width"), "content image")
    style_image = load_image(style, image.get("style_width") or image.get("width"), "style image")
    invert = parse_invert(image.get("invert", "auto"))
    if should_invert(content_image, invert):
        content_image = 255.0 - content_image
    if invert is not False and has_dark_background(style_image):
        style_image = 255.0 - style_image
    cells = [parse_cell_id(cell) for cell in params["cells"]]
    device = resolve_device(execution["device"])
    print(f"convergence {schedule}: {Path(content).name} with {Path(style).name} on {device}", flush=True)

    def progress(step: int, rows: list[dict]) -> None:
        print(f"iteration {step:>7}  style {rows[0]['style']:.6g}", flush=True)

    rows = trace(
        load_weights(params["weights"]),
        style_image,
        content_image,
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
    print(f"done: {len(rows)} rows, {rows[-1]['run_seconds']:.1f} s of optimisation", flush=True)
    return rows


def pair_job(
    traces: Mapping[str, str | Path],
    title: str,
    out_png: str | Path,
    out_tsv: str | Path,
    out_md: str | Path,
    reference: str = REFERENCE,
) -> list[dict]:
    """A pair's plot, all its traces in one TSV and the summary markdown; returns the summary."""
    from steel.io.outputs import StagedFiles, read_table, write_table
    from steel.render.plots import convergence_plot, save_figure

    rows = []
    for schedule, path in traces.items():
        for row in read_table(path):
            rows.append(row | {"schedule": schedule, "cell": str(row["cell"])})
    summary = summarise(rows, reference)
    with StagedFiles() as staged:
        staged.stage(Path(out_tsv), write_table(rows))
        staged.stage(
            Path(out_md),
            lambda tmp: tmp.write_text(summary_markdown(summary, title, reference), encoding="utf-8"),
        )
    save_figure(convergence_plot(rows, summary, title, reference), out_png)
    return summary
