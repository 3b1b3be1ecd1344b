"""Where a step of the loop spends its GPU time, and what variants of the Gram matrices gain.

1. ``torch.profiler`` over ``--steps`` eager steps of the real loop (``steel.transfer.optimise.Run``,
   forward, losses, backward, Adam, clamp) at ``--batch`` (default 8) with the paper's best layers
   (the cells of ``step_speed.py``): the top kernels (CUDA) or operators (CPU) by self time, with
   the total per step, next to the same for the bare network pass (``step_speed.time_bare``).
2. Variants, each timed as ``stylize`` reports it (fast path on CUDA) for every ``--batches``
   size and two job shapes (``best``: the paper's best layers, network cut after conv4_3;
   ``deep``: half the cells also with conv5_3 = 200, cut after conv5_3), with the largest and mean
   pixel difference (grey levels) and the largest relative difference of a final loss against the
   reference variant after ``--steps`` steps:

   - ``fp32``: Gram matmuls in full float32 (the reference; ``steel.transfer.losses.GRAM_TF32 = False``);
   - ``fp32 again``: the reference once more (the run-to-run spread: cuDNN is not deterministic);
   - ``tf32``: Gram matmuls on TF32 tensor cores, as cuDNN runs the convolutions;
   - ``splitk``/``splitk+tf32``: the Gram forward with its long reduction (H*W pixels) split into
     chunks that are summed afterwards, so that a 64x64 output gets more than one thread block.

Run: ``PYTHONPATH=src python benchmarks/profile_step.py --device cuda`` (about a minute on an
H200); ``--device cpu --width 64 --steps 2 --batches 2`` is a dry run.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parent))

import step_speed

import steel.transfer.losses as losses
from steel.io.images import load_image
from steel.layers import parse_layer_spec
from steel.settings import Settings
from steel.transfer.devices import resolve_device
from steel.transfer.features import VGGFeatures
from steel.transfer.optimise import Run, stylize
from steel.transfer.weights import load_weights

_plain_gram = losses.gram


class _SplitGram(torch.autograd.Function):
    """Gram forward as a sum of per-chunk Grams (``chunks`` pieces of the pixel axis, one bmm per
    image, batched over the chunks); backward as in steel.transfer.losses (already parallel: (C, H*W) out)."""

    @staticmethod
    def forward(ctx, flat, chunks):
        ctx.save_for_backward(flat)
        with losses._gram_precision(flat):
            _, _, n = flat.shape
            size = n // chunks
            main = size * chunks
            grams = []
            for image in flat:
                pieces = image[:, :main].unflatten(-1, (chunks, size)).transpose(0, 1)  # (S, C, size)
                g = torch.bmm(pieces, pieces.transpose(1, 2)).sum(0)
                if main < n:
                    rest = image[:, main:]
                    g = g + rest @ rest.T
                grams.append(g)
            return torch.stack(grams)

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        with losses._gram_precision(flat):
            return torch.bmm(grad + grad.transpose(1, 2), flat), None


def split_gram(features: torch.Tensor) -> torch.Tensor:
    flat = features.flatten(2)
    b, c, n = flat.shape
    chunks = min(n // (4 * c), math.ceil(256 / b))  # about 256 blocks of output, chunks >= 4C long
    if chunks < 2:
        return _plain_gram(features)
    return _SplitGram.apply(flat, chunks)


VARIANTS = {  # name: (GRAM_TF32, gram function)
    "fp32": (False, _plain_gram),
    "fp32 again": (False, _plain_gram),
    "tf32": (True, _plain_gram),
    "splitk": (False, split_gram),
    "splitk+tf32": (True, split_gram),
}


def use(variant: str) -> None:
    losses.GRAM_TF32, losses.gram = VARIANTS[variant]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def top_table(prof, device, steps: int, count: int, title: str) -> None:
    cuda = device.type == "cuda"
    rows = []
    for event in prof.key_averages():
        if cuda:
            if event.device_type != torch.autograd.DeviceType.CUDA:
                continue
            t = getattr(event, "self_device_time_total", None) or getattr(event, "self_cuda_time_total", 0)
        else:
            t = event.self_cpu_time_total
        if t > 0:
            rows.append((t, event.count, event.key))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    kind = "kernels" if cuda else "operators (self CPU time)"
    print(f"\n{title}: {total / steps / 1e3:.3f} ms of {kind} per step; top {count}:")
    print(f"{'us/step':>9} {'%':>5} {'calls/step':>10}  name")
    for t, calls, name in rows[:count]:
        print(f"{t / steps:>9.1f} {100 * t / total:>5.1f} {calls / steps:>10.1f}  {name[:110]}")


def profile_loop(weights, style, content, cells, device, steps: int, count: int) -> None:
    run = Run(weights, style, content, cells, Settings(iterations=steps), device, None, 0)
    loop = run.enter(run.stages[0], None)
    for _ in range(3):
        loop.adam_step()
    sync(device)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(steps):
            loop.adam_step()
        sync(device)
    top_table(prof, device, steps, count, f"loop (eager), batch {len(cells)}")
    start = content.to(device).repeat(len(cells), 1, 1, 1)
    step_speed.time_bare(run.extractor, start, 3, device)
    with profile(activities=activities) as prof:
        step_speed.time_bare(run.extractor, start, steps, device)
    top_table(prof, device, steps, min(count, 10), f"bare pass, batch {len(cells)}")


def run(weights, style, content, cells, device, steps: int):
    settings = Settings(iterations=steps, log_every=10**9)
    result = stylize(
        weights, style, content, cells, settings=settings, device=device, progress=False, fast=True
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--batch", type=int, default=8, help="batch size of the profile")
    parser.add_argument(
        "--batches", type=int, nargs="+", default=[1, 8, 32], help="batch sizes of the variants"
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    device = resolve_device(args.device)
    weights = load_weights("random")
    content = load_image(step_speed.CONTENT, args.width, "content")
    style = load_image(step_speed.STYLE, args.width, "style")
    best = parse_layer_spec(step_speed.BEST_LAYERS)
    deep = best | {"conv5_3": 200.0}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device {name}, torch {torch.__version__}, {content.shape[3]}x{content.shape[2]}, fp32")
    print(f"best: {step_speed.BEST_LAYERS}; deep: half the cells also conv5_3=200")
    try:
        print(
            f"cudnn.allow_tf32 {torch.backends.cudnn.allow_tf32}, matmul.allow_tf32 "
            f"{torch.backends.cuda.matmul.allow_tf32}"
        )
    except RuntimeError as error:
        print(f"tf32 flags: {error}")

    if not args.no_profile:
        use("fp32")
        profile_loop(weights, style, content, [best] * args.batch, device, args.steps, args.top)
        use("tf32")
        profile_loop(weights, style, content, [best] * args.batch, device, args.steps, min(args.top, 12))

    print(f"\nvariants: fast path where there is one, {args.steps} steps; differences against fp32")
    print(
        f"{'shape':>5} {'batch':>5} {'variant':>12} {'ms/step':>8} {'bare ms':>8} {'ratio':>6} "
        f"{'max px':>8} {'mean px':>8} {'loss rel':>9}"
    )
    for shape, cell in (("best", best), ("deep", deep)):
        for batch in args.batches:
            cells = [cell if shape == "best" or i % 2 else best for i in range(batch)]
            extractor = VGGFeatures(weights, [*{k for c in cells for k in c}, "conv4_2"]).to(device)
            start = content.to(device).repeat(batch, 1, 1, 1)
            step_speed.time_bare(extractor, start, 3, device)
            bare = step_speed.time_bare(extractor, start, max(args.steps, 10), device)
            reference = None
            for variant in args.variants:
                use(variant)
                run(weights, style, content, cells, device, 2)  # warm-up (allocator, cuBLAS plans)
                result = run(weights, style, content, cells, device, args.steps)
                ms = result.seconds / result.steps_run * 1e3
                if reference is None:
                    reference = result
                diff = (result.images - reference.images).abs()
                rel = max(
                    abs(a[-1][k] - b[-1][k]) / abs(b[-1][k])
                    for a, b in zip(result.logs, reference.logs, strict=True)
                    for k in ("total", "style", "content")
                    if b[-1][k]
                )
                print(
                    f"{shape:>5} {batch:>5} {variant:>12} {ms:>8.2f} {bare * 1e3:>8.2f} "
                    f"{ms / bare / 1e3:>6.2f} "
                    f"{diff.max().item():>8.3f} {diff.mean().item():>8.4f} {rel:>9.2e}",
                    flush=True,
                )
                if result.step_mode != "cuda graph" and device.type == "cuda":
                    print(f"      (fast path not taken: {result.fallback})")
    use("fp32")
    losses.GRAM_TF32 = None
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
