"""Estimated wall time of a preset's stylize jobs, one cell per job against N cells per job.

Reads a preset (e.g. ``presets/paper.yaml``): its sweeps give the distinct cells
(``steel.plan.sweeps.sweeps_from_config``), ``steel.plan.batches.plan_batches`` the jobs the workflow would
launch for one pair, once with one cell per job and once with ``--cells-per-job N``. Each distinct
job shape (batch size x deepest layer) is timed for ``--steps`` steps of the real loop
(``steel.transfer.optimise.stylize`` with Adam, random weights: speed does not depend on their values; the
fast path where the device has it) on the first pair's images at the preset's width. A job's
estimate is seconds per step x the preset's iterations; a pair's is the sum over its jobs, scaled
for the other pairs by their content images' pixel counts. Setup (loading weights, targets,
capture), scheduling and the downstream rules are not counted.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/preset_time.py presets/paper.yaml --device cpu
--steps 3 --width 128`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch
import yaml

from steel.errors import SteelError
from steel.io.images import load_image
from steel.layers import parse_cell_id
from steel.plan.batches import deepest_layer, plan_batches
from steel.plan.sweeps import content_entry, pairs_from_config, sweeps_from_config
from steel.transfer.devices import resolve_device
from steel.transfer.optimise import Settings, stylize
from steel.transfer.weights import load_weights

ROOT = Path(__file__).resolve().parents[1]


def _path(text: str, preset: Path) -> Path:
    """A config path: relative to the working directory, else to the repository root."""
    for base in (Path.cwd(), ROOT, preset.parent):
        if (base / text).is_file():
            return base / text
    raise SteelError(f"image {text} not found (looked under {Path.cwd()} and {ROOT})")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def time_shape(weights, style, content, cells, steps, warmup, device, content_layer, repeats) -> float:
    """Median seconds per step of the loop for one job of these cells."""
    settings = Settings(iterations=steps, log_every=10**9, content_layer=content_layer)
    if warmup:
        stylize(weights, style, content, cells, settings=Settings(iterations=warmup, log_every=10**9,
                content_layer=content_layer), device=device, progress=False)  # fmt: skip
    times = []
    for _ in range(repeats):
        result = stylize(weights, style, content, cells, settings=settings, device=device, progress=False)
        times.append(result.seconds / result.steps_run)
    return statistics.median(times)


def estimate(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("preset", type=Path, help="a workflow config, e.g. presets/paper.yaml")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per job shape (200 GPU, 3 CPU)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per shape (median)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="untimed steps per shape first (20 GPU, 1 CPU)"
    )
    parser.add_argument("--cells-per-job", type=int, default=None, help="N (default: the preset's, else 16)")
    parser.add_argument("--width", type=int, default=None, help="override the preset's image width")
    parser.add_argument("--iterations", type=int, default=None, help="override the preset's iterations")
    parser.add_argument("--weights", default="random", help="random (default), imagenet, caffe:PATH or PATH")
    parser.add_argument("--json", type=Path, default=None, help="also write the estimates here")
    args = parser.parse_args(argv)

    config = yaml.safe_load(args.preset.read_text())
    device = resolve_device(args.device)
    gpu = device.type != "cpu"
    steps = args.steps or (200 if gpu else 3)
    warmup = args.warmup if args.warmup is not None else (20 if gpu else 1)
    width = args.width or (config.get("image") or {}).get("width", 384)
    iterations = args.iterations or (config.get("optimizer") or {}).get("iterations", 50_000)
    content_layer = (config.get("loss") or {}).get("content_layer", "conv4_2")
    per_job = args.cells_per_job or int((config.get("execution") or {}).get("cells_per_job", 1))
    if per_job <= 1:
        per_job = 16
    cells = sorted({cell for sweep in sweeps_from_config(config).values() for cell in sweep.cell_ids})
    pairs = pairs_from_config(config)
    if not cells or not pairs:
        raise SteelError(f"{args.preset} has no cells or no pairs")
    plans = {1: plan_batches(cells, 1, content_layer), per_job: plan_batches(cells, per_job, content_layer)}

    style_name, content_name = pairs[0]
    style_path = _path(config["styles"][style_name], args.preset)
    content_paths = {name: _path(content_entry(config, name)["image"], args.preset) for _, name in pairs}
    content = load_image(content_paths[content_name], width, "content")
    style = load_image(style_path, width, "style")
    pixels = {name: load_image(path, width).shape[2] * width for name, path in content_paths.items()}
    weights = load_weights(args.weights)

    print(
        f"{args.preset}: {len(cells)} distinct cells per pair, {len(pairs)} pairs, "
        f"{iterations:,} iterations, "
        f"width {width} (timed on {style_name} x {content_name}, {content.shape[3]}x{content.shape[2]}), "
        f"device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
    )
    print(f"timing {steps} steps per job shape after {warmup} warm-up steps, random weights", flush=True)
    shapes: dict[tuple[int, str], list[str]] = {}
    for plan in plans.values():
        for batch in plan.values():
            shapes.setdefault((len(batch), deepest_layer(batch[0], content_layer)), batch)
    seconds_per_step = {}
    for (size, depth), batch in sorted(shapes.items(), key=lambda item: (item[0][0], item[0][1])):
        seconds_per_step[(size, depth)] = time_shape(
            weights,
            style,
            content,
            [parse_cell_id(c) for c in batch],
            steps,
            warmup,
            device,
            content_layer,
            args.repeats,
        )
        print(
            f"  {size:>3} cells to {depth:<8} {seconds_per_step[(size, depth)] * 1e3:10.2f} ms/step",
            flush=True,
        )

    summary = {}
    print()
    print(f"{'cells per job':>13} {'jobs/pair':>9} {'time/pair':>14} {'all pairs':>12}")
    for n, plan in plans.items():
        first = sum(
            seconds_per_step[(len(b), deepest_layer(b[0], content_layer))] * iterations for b in plan.values()
        )
        per_pair = {f"{s}__{c}": first * pixels[c] / pixels[content_name] for s, c in pairs}
        total = sum(per_pair.values())
        summary[n] = {"jobs_per_pair": len(plan), "seconds_first_pair": first, "seconds_per_pair": per_pair,
                      "seconds_total": total}  # fmt: skip
        print(f"{n:>13} {len(plan):>9} {_hours(first):>14} {_hours(total):>12}")
    print()
    for pair in summary[1]["seconds_per_pair"]:
        print(f"  {pair:<28} " + "   ".join(
            f"{n} per job: {_hours(summary[n]['seconds_per_pair'][pair])}" for n in plans))  # fmt: skip
    record = {
        "preset": str(args.preset),
        "device": str(device),
        "width": width,
        "iterations": iterations,
        "steps": steps,
        "cells": len(cells),
        "pairs": len(pairs),
        "ms_per_step": {f"{size}x{depth}": s * 1e3 for (size, depth), s in seconds_per_step.items()},
        "plans": {str(n): v for n, v in summary.items()},
    }
    if args.json:
        args.json.write_text(json.dumps(record, indent=2) + "\n")
    return record


if __name__ == "__main__":
    try:
        estimate()
    except SteelError as error:
        raise SystemExit(f"preset_time: {error}") from None
