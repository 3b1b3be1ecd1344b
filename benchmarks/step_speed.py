"""Seconds per optimisation step of ``steel.transfer.optimise.stylize`` against the bare network pass.

For a logo pair resized to ``--width`` and the paper's best layers (table 9: conv1_1 = conv1_2 =
2000, conv4_1 = conv4_2 = conv4_3 = 200, content conv4_2) this measures, for each batch size:

- ``loop``: seconds per step of the real loop (``stylize`` with Adam, ``log_every`` larger than the
  run, no progress bar), i.e. ``Result.seconds / Result.steps_run``, once per ``--modes`` entry:
  ``eager`` (``fast=False``) and ``fast`` (``fast=True``: each step replayed as a CUDA graph; on a
  CPU this falls back to the eager loop, so it is measured only on CUDA unless asked for);
- ``bare``: seconds per step of the truncated network alone: forward through VGG16 up to the
  deepest requested layer on an input that requires grad, then backward of the sum of every
  requested output (no loss math, no optimiser, no clamp);
- ``ratio`` = loop / bare (the target on the CPU: <= 1.1), taken per interleaved pair of
  measurements and then the median over ``--repeats`` pairs, so that a load change on a shared
  machine hits both sides alike;
- the FLOP count assumed (analytic, see ``conv_flops``) and the achieved GFLOP/s of both.

Run: ``.venv/bin/python benchmarks/step_speed.py`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from steel.errors import SteelError
from steel.io.images import load_image
from steel.layers import parse_layer_spec
from steel.transfer.devices import resolve_device
from steel.transfer.features import VGGFeatures
from steel.transfer.optimise import Settings, stylize
from steel.transfer.weights import load_weights

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "resources/logos/content/corvantis.png"
STYLE = ROOT / "resources/logos/style/ironwrath.png"
BEST_LAYERS = "conv1_1=2000,conv1_2=2000,conv4_1=200,conv4_2=200,conv4_3=200"


def conv_flops(body: nn.Sequential, height: int, width: int) -> tuple[float, float]:
    """Analytic (forward, backward) FLOPs of one image through ``body`` (a truncated VGG16).

    Forward: 2 * k^2 * C_in * C_out * H * W per convolution (one multiply and one add per MAC).
    Backward: the weights are frozen, so autograd computes only the gradient with respect to each
    convolution's *input* (a transposed convolution with the same MAC count), i.e. 1x forward per
    layer; conv1_1 included, because the pixels require grad. A full training backward (input and
    weight gradients) would be 2x. ReLU, max-pooling, bias, preprocessing and the losses are left
    out (well under 1 % of the total).
    """
    forward = 0.0
    for module in body:
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            forward += 2.0 * kh * kw * module.in_channels * module.out_channels * height * width
        elif isinstance(module, nn.MaxPool2d):
            height, width = height // 2, width // 2
    return forward, forward


def machine(device: torch.device) -> dict[str, str]:
    info = {
        "torch": torch.__version__,
        "threads": str(torch.get_num_threads()),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
    }
    if device.type == "cuda":
        info["device"] = torch.cuda.get_device_name(device)
    else:
        model = platform.processor() or platform.machine()
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        info["device"] = f"CPU {model}"
    if hasattr(os, "getloadavg"):
        info["load average at start"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return info


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_loop(weights, style, content, cells, steps: int, device: torch.device, fast: bool = False) -> float:
    """Seconds per step of the real optimisation loop, as ``stylize`` itself reports it."""
    settings = Settings(iterations=steps, log_every=10**9)
    result = stylize(
        weights, style, content, cells, settings=settings, device=device, progress=False, fast=fast
    )
    if fast and result.step_mode != "cuda graph":
        print(f"  (fast path not taken: {result.fallback})")
    return result.seconds / result.steps_run


def time_bare(extractor: VGGFeatures, start: torch.Tensor, steps: int, device: torch.device) -> float:
    """Seconds per forward + backward of the truncated network; gradient only to the pixels."""
    x = start.clone().requires_grad_(True)
    _sync(device)
    began = time.perf_counter()
    for _ in range(steps):
        x.grad = None
        features = extractor(x)
        total = sum(f.sum() for f in features.values())
        total.backward()
    _sync(device)
    return (time.perf_counter() - began) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=512, help="image width in px (aspect kept)")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4], help="batch sizes (cells)")
    parser.add_argument("--steps", type=int, default=5, help="steps per timed measurement")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved loop/bare pairs per batch")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per batch size first")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--weights", default="random", help="random, imagenet, caffe:PATH or PATH")
    parser.add_argument("--layers", default=BEST_LAYERS, help="style layer coefficients")
    parser.add_argument("--content-layer", default="conv4_2")
    parser.add_argument("--content", type=Path, default=CONTENT)
    parser.add_argument("--style", type=Path, default=STYLE)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=("eager", "fast"),
        default=None,
        help="loop variants to time (default: eager and fast on CUDA, eager elsewhere)",
    )
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = resolve_device(args.device)
    modes = args.modes or (["eager", "fast"] if device.type == "cuda" else ["eager"])
    weights = load_weights(args.weights)
    content = load_image(args.content, args.width, "content")
    style = load_image(args.style, args.width, "style")
    layers = parse_layer_spec(args.layers)
    height, width = content.shape[2:]
    extractor = VGGFeatures(weights, [*layers, args.content_layer]).to(device)
    forward, backward = conv_flops(extractor.body, height, width)

    info = machine(device)
    print("machine:")
    for key, value in info.items():
        print(f"  {key:22s} {value}")
    print(
        f"image: {args.content.name} {width}x{height} (style {args.style.name} "
        f"{style.shape[3]}x{style.shape[2]}), weights {args.weights}, device {device}"
    )
    print(f"layers: {args.layers}; content {args.content_layer}; network cut after {extractor.layers[-1]}")
    print(
        f"FLOPs per image and step (convolutions only): forward {forward / 1e9:.2f} G + backward to "
        f"the pixels {backward / 1e9:.2f} G (1x forward: weights frozen, no weight gradients) "
        f"= {(forward + backward) / 1e9:.2f} G"
    )
    print(f"timing: {args.repeats} interleaved loop/bare pairs x {args.steps} steps per batch size, medians")

    rows = []
    for batch in args.batch:
        cells = [dict(layers) for _ in range(batch)]
        start = content.to(device).repeat(batch, 1, 1, 1)
        for mode in modes:
            fast = mode == "fast"
            if args.warmup:
                time_loop(weights, style, content, cells, args.warmup, device, fast)
                time_bare(extractor, start, args.warmup, device)
            loops, bares, ratios = [], [], []
            for repeat in range(args.repeats):
                # alternate which side goes first, so a drifting machine load biases neither
                if repeat % 2 == 0:
                    loop = time_loop(weights, style, content, cells, args.steps, device, fast)
                    bare = time_bare(extractor, start, args.steps, device)
                else:
                    bare = time_bare(extractor, start, args.steps, device)
                    loop = time_loop(weights, style, content, cells, args.steps, device, fast)
                loops.append(loop)
                bares.append(bare)
                ratios.append(loop / bare)
            flops = (forward + backward) * batch
            row = {
                "batch": batch,
                "mode": mode,
                "loop_s_per_step": statistics.median(loops),
                "bare_s_per_step": statistics.median(bares),
                "ratio": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
                "gflop_per_step": flops / 1e9,
                "loop_s_all": loops,
                "bare_s_all": bares,
            }
            row["loop_gflops"] = flops / 1e9 / row["loop_s_per_step"]
            row["bare_gflops"] = flops / 1e9 / row["bare_s_per_step"]
            rows.append(row)
            print(
                f"  batch {batch} {mode}: loop {row['loop_s_per_step'] * 1e3:.2f} ms/step, bare "
                f"{row['bare_s_per_step'] * 1e3:.2f} ms, ratio {row['ratio']:.3f}",
                flush=True,
            )

    print()
    header = (
        f"{'batch':>5} {'mode':>5} {'GFLOP/step':>10} {'loop s/step':>11} {'bare s/step':>11} "
        f"{'loop/bare':>9} {'(min-max)':>13} {'loop GFLOP/s':>12} {'bare GFLOP/s':>12} {'s/step/img':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        spread = f"{r['ratio_min']:.3f}-{r['ratio_max']:.3f}"
        print(
            f"{r['batch']:>5} {r['mode']:>5} {r['gflop_per_step']:>10.1f} {r['loop_s_per_step']:>11.4f} "
            f"{r['bare_s_per_step']:>11.4f} {r['ratio']:>9.3f} {spread:>13} {r['loop_gflops']:>12.1f} "
            f"{r['bare_gflops']:>12.1f} {r['loop_s_per_step'] / r['batch']:>10.4f}"
        )
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        info["load average at end"] = f"{load:.2f}"
        print(f"\nload average (1 min) at end: {load:.2f} on {os.cpu_count()} CPUs", end="")
        if device.type == "cpu" and load > 0.5 + (os.cpu_count() or 1) / 2:
            print(": other processes shared the CPUs, absolute times are inflated; the ratio is paired")
        else:
            print()
    if device.type == "cpu":
        worst = max(r["ratio"] for r in rows)
        verdict = "meets" if worst <= 1.1 else "misses"
        print(f"worst loop/bare ratio {worst:.3f}: {verdict} the CPU target of <= 1.1")
    if args.json:
        record = {
            "machine": info,
            "width": width,
            "height": height,
            "weights": args.weights,
            "layers": args.layers,
            "content_layer": args.content_layer,
            "steps": args.steps,
            "repeats": args.repeats,
            "forward_gflop_per_image": forward / 1e9,
            "backward_gflop_per_image": backward / 1e9,
            "rows": rows,
        }
        args.json.write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except SteelError as error:
        raise SystemExit(f"step_speed: {error}") from None
