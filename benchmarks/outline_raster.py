"""Seconds of the outline rasteriser's forward and backward against VGG16's, for a word's glyphs.

For a word (default: the 10 letters of "Metalheads" in the bundled Inter Bold) laid out at each
``--widths`` entry (as ``render_text`` draws it: 256 px gives 256x46) and each ``--parts``
subdivision (1: the font's own control points; 2: every segment cut in two), this measures:

- ``raster``: ``steel.outline.raster.coverage`` forward, then backward to the control points of a
  loss weighing every pixel (random weights, as a VGG loss's gradient would reach every pixel);
- ``vgg``: ``benchmarks/step_speed.time_bare`` on the drawn word: VGG16 forward through the
  paper's best layers (conv1_1, conv1_2, conv4_1, conv4_2, conv4_3, cut after conv4_3) and
  backward to the pixels, i.e. a pixel step less its loss math and optimiser;
- ``outline``: an outline step's share of the same: coverage, the word's grey image (ink black on
  white, three channels), VGG16 forward and backward, down to the control points;

each ``--steps`` times per measurement, the three measurements interleaved (their order rotating)
``--repeats`` times. It prints the medians and the ratios raster / vgg (goal: at most 0.5) and
outline / vgg (goal: at most 1.5 at 256 px), each the median of the ratios within a repeat, so a
load change on a shared machine hits both sides alike.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/outline_raster.py`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import step_speed

from steel.layers import parse_layer_spec
from steel.outline.glyphs import text_outlines
from steel.outline.raster import Outlines, coverage, flattened
from steel.transfer.devices import resolve_device
from steel.transfer.features import VGGFeatures
from steel.transfer.weights import load_weights


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def grey_image(ink: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) 0-255 image of ink coverage (B, 1, H, W): black ink on white."""
    return (255 * (1 - ink)).expand(-1, 3, -1, -1)


def time_raster(outlines: Outlines, size: tuple[int, int], steps: int, device: torch.device) -> float:
    """Seconds per forward and backward of the rasteriser, gradient to the control points."""
    width, height = size
    points = outlines.points.clone().requires_grad_(True)
    drawn = outlines.with_points(points)
    weights = torch.rand(1, 1, height, width, device=device)
    _sync(device)
    began = time.perf_counter()
    for _ in range(steps):
        points.grad = None
        (coverage(drawn, height, width) * weights).sum().backward()
    _sync(device)
    return (time.perf_counter() - began) / steps


def time_outline_step(
    outlines: Outlines, size: tuple[int, int], extractor: VGGFeatures, steps: int, device: torch.device
) -> float:
    """Seconds per rasterise + VGG16 forward and backward down to the control points."""
    width, height = size
    points = outlines.points.clone().requires_grad_(True)
    drawn = outlines.with_points(points)
    _sync(device)
    began = time.perf_counter()
    for _ in range(steps):
        points.grad = None
        features = extractor(grey_image(coverage(drawn, height, width)))
        sum(f.sum() for f in features.values()).backward()
    _sync(device)
    return (time.perf_counter() - began) / steps


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--text", default="Metalheads")
    parser.add_argument("--font", default=None, help="a .ttf or .otf (default: the bundled Inter Bold)")
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2], help="subdivisions to time")
    parser.add_argument("--steps", type=int, default=3, help="passes per timed measurement")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved measurements")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = resolve_device(args.device)
    layers = list(parse_layer_spec(step_speed.BEST_LAYERS))
    extractor = VGGFeatures(load_weights("random"), layers).to(device)
    print("machine:")
    for key, value in step_speed.machine(device).items():
        print(f"  {key:22s} {value}")
    print(f"text {args.text!r}, font {args.font or 'Inter Bold (bundled)'}, layers {', '.join(layers)}")
    print(f"timing: {args.repeats} interleaved repeats x {args.steps} passes; medians (min-max)")
    worst = 0.0
    for width in args.widths:
        placed = text_outlines(args.text, args.font, width)
        size = placed.size
        for parts in args.parts:
            outlines = placed.outlines.subdivided(parts).to(device)
            chords = len(flattened(outlines)[0])
            image = grey_image(coverage(outlines, size[1], size[0])).detach()
            measures = {
                "raster": lambda o=outlines, s=size: time_raster(o, s, args.steps, device),
                "vgg": lambda i=image: step_speed.time_bare(extractor, i, args.steps, device),
                "outline": lambda o=outlines, s=size: time_outline_step(o, s, extractor, args.steps, device),
            }
            for measure in measures.values():
                measure()  # warm-up
            times: dict[str, list[float]] = {name: [] for name in measures}
            for repeat in range(args.repeats):
                names = list(measures)
                names = names[repeat % 3 :] + names[: repeat % 3]
                for name in names:
                    times[name].append(measures[name]())
            raster = [r / v for r, v in zip(times["raster"], times["vgg"], strict=True)]
            step = [o / v for o, v in zip(times["outline"], times["vgg"], strict=True)]
            worst = max(worst, statistics.median(raster))
            print(
                f"{size[0]}x{size[1]} parts {parts}: {len(outlines.degrees)} segments, "
                f"{outlines.points.shape[-2]} points, {chords} chords"
            )
            print(f"  raster s   {_spread(times['raster'])}")
            print(f"  vgg s      {_spread(times['vgg'])}")
            print(f"  outline s  {_spread(times['outline'])}")
            print(f"  raster / vgg          {_spread(raster)}  (goal <= 0.5)")
            print(f"  outline / pixel step  {_spread(step)}  (goal <= 1.5 at 256 px)")
    return 0 if worst <= 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
