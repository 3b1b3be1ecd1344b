"""MSG-Net's jobs: training the model on the experiment's logos, and stylizing a pair with it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import torch

from steel.io.outputs import StagedFiles, write_json, write_png, write_tsv
from steel.msgnet.train import (
    CELL,
    MSGNetSettings,
    TrainResult,
    load_at_width,
    load_model,
    save_model,
    stylize,
    train,
)


def train_job(
    styles: Sequence[str],
    contents: Sequence[str],
    section: dict,
    weights_spec: str,
    *,
    seed: int,
    device: str,
    model_out: str | Path,
    losses_out: str | Path,
    plot_out: str | Path,
    threads: int = 1,
) -> TrainResult:
    """Train on every style x content of the config; write the model, its loss log and plot.
    The checkpoint sits next to the model (``<model>.checkpoint``) and is removed once done."""
    from steel.render.plots import figure_writer, training_plot
    from steel.transfer.devices import resolve_device
    from steel.transfer.weights import load_weights

    torch.set_num_threads(max(1, int(threads)))
    settings = MSGNetSettings.from_config(section, seed)
    style_images = [load_at_width(path, settings.width) for path in styles]
    content_images = [load_at_width(path, settings.width) for path in contents]
    weights = load_weights(weights_spec)
    model_out = Path(model_out)
    checkpoint = model_out.with_name(model_out.name + ".checkpoint")
    every = max(1, int(section.get("log_every") or max(1, settings.steps // 50)))
    print(
        f"train MSG-Net: {len(styles)} style(s) x {len(contents)} content(s), {settings.steps} steps, "
        f"batch {settings.batch_size}, width {settings.width}, lr {settings.lr}",
        flush=True,
    )
    result = train(
        weights,
        style_images,
        content_images,
        settings,
        device=resolve_device(device),
        checkpoint=checkpoint,
        checkpoint_every=int(section.get("checkpoint_every") or 0),
        init=section.get("init"),
        log_every=every,
        on_log=lambda r: print(
            f"step {r['iteration']:>7}  total {r['total']:.6g}  style {r['style']:.6g}  "
            f"content {r['content']:.6g}",
            flush=True,
        ),
    )
    with StagedFiles() as staged:
        staged.stage(Path(losses_out), write_tsv(result.rows))
        figure = training_plot(result.rows, f"MSG-Net training ({weights.spec})")
        staged.stage(Path(plot_out), figure_writer(figure))
        staged.stage(model_out, save_model(result.model, settings, weights))
    checkpoint.unlink(missing_ok=True)
    print(f"done: {result.steps_run} steps in {result.seconds:.1f} s", flush=True)
    return result


def _image_record(path: str, image: torch.Tensor) -> dict:
    return {"path": str(path), "width": int(image.shape[-1]), "height": int(image.shape[-2])}


def stylize_job(
    model_path: str | Path,
    style: str,
    content: str,
    image: dict,
    *,
    device: str,
    image_out: str | Path,
    record_out: str | Path,
    threads: int = 1,
) -> dict:
    """One forward pass for a pair at the runs' size; ``stylized.png`` and a ``run.json`` that
    :func:`steel.cells.measure.measure_cell` reads like a cell's."""
    from steel.cells.pair import load_pair
    from steel.transfer.devices import resolve_device

    torch.set_num_threads(max(1, int(threads)))
    started = time.perf_counter()
    pair = load_pair(style, content, image.get("width"), image.get("style_width"))
    content_image, style_image = pair.content, pair.style
    model, state = load_model(model_path, resolve_device(device))
    out = stylize(model, style_image, content_image)
    record = {
        "cell": CELL,
        "method": "MSG-Net (Zhang & Dana 2017), feed-forward",
        "content": _image_record(content, content_image),
        "style": _image_record(style, style_image),
        "model": str(model_path),
        "training": state.get("settings"),
        "weights": state.get("weights"),
        "device": str(next(model.parameters()).device),
        "wall_seconds": round(time.perf_counter() - started, 3),
    }
    with StagedFiles() as staged:
        staged.stage(Path(record_out), write_json(record))
        staged.stage(Path(image_out), write_png(out))
    return record
