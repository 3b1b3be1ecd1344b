"""Does the fast path (CUDA graph replay) give the eager loop's images and losses?

For each batch size, runs ``stylize`` with ``fast=False`` twice (the eager loop's own run-to-run
spread: cuDNN may pick non-deterministic kernels) and with ``fast=True`` once, all from the same
start, and prints the largest and mean pixel differences (grey levels) and the largest relative
difference of a logged loss. Adam at lr 1 amplifies last-bit differences (see
docs/gpu-and-batching.md), so after many steps compare fast-vs-eager with eager-vs-eager; after
one step they must agree to about 1e-3 grey levels. Exit status 1 if the fast path was not taken
on CUDA or the one-step check fails.

Run: ``PYTHONPATH=src python benchmarks/fast_equality.py --device cuda --steps 50 --batch 1 8``.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path

from steel.io.images import load_image
from steel.layers import parse_layer_spec
from steel.transfer.devices import resolve_device
from steel.transfer.optimise import Settings, stylize
from steel.transfer.weights import load_weights

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "resources/logos/content/corvantis.png"
STYLE = ROOT / "resources/logos/style/ironwrath.png"
#: table 9's rows x the paper's column values: cells that differ
CELLS = [
    f"conv1_1={r},conv1_2={r},conv4_1={c},conv4_2={c},conv4_3={c}"
    for r in (2000, 200, 20, 0)
    for c in (20, 200, 2000)
    if r or c
]


def compare(a, b) -> dict[str, float]:
    difference = (a.images - b.images).abs()
    worst = 0.0
    for log_a, log_b in zip(a.logs, b.logs, strict=True):
        for row_a, row_b in zip(log_a, log_b, strict=True):
            for key, value in row_b.items():
                if key != "iteration" and value:
                    worst = max(worst, abs(row_a[key] - value) / abs(value))
    return {"max": difference.max().item(), "mean": difference.mean().item(), "loss_rel": worst}


class _Stop(Exception):
    pass


def resume_check(weights, style, content, device, steps: int) -> bool:
    """Fast path: interrupted at half-way and resumed (from a fast and from an eager checkpoint)
    against an uninterrupted fast run."""
    half = max(1, steps // 2)
    cells = [parse_layer_spec(c) for c in CELLS[:2]]
    settings = Settings(iterations=2 * half, log_every=1)
    whole = stylize(
        weights, style, content, cells, settings=settings, device=device, progress=False, fast=True
    )

    def stop(event):
        if event.step == half:  # after the checkpoint at step half, before step half + 1 counts
            raise _Stop

    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for first in (True, False):
            checkpoint = Path(folder) / f"checkpoint{first}.pt"
            with contextlib.suppress(_Stop):
                stylize(
                    weights,
                    style,
                    content,
                    cells,
                    settings=settings,
                    device=device,
                    progress=False,
                    checkpoint=checkpoint,
                    checkpoint_every=half,
                    on_log=stop,
                    fast=first,
                )
            resumed = stylize(
                weights,
                style,
                content,
                cells,
                settings=settings,
                device=device,
                progress=False,
                checkpoint=checkpoint,
                checkpoint_every=half,
                fast=True,
            )
            d = compare(resumed, whole)
            print(
                f"resume ({'fast' if first else 'eager'} checkpoint at {half}, "
                f"resumed by {resumed.step_mode}): "
                f"resumed_from {resumed.resumed_from}, max {d['max']:.4g}, mean {d['mean']:.3g}, "
                f"loss rel {d['loss_rel']:.2g}",
                flush=True,
            )
            ok = ok and resumed.resumed_from == half
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--weights", default="random")
    parser.add_argument(
        "--resume", action="store_true", help="also: a run interrupted and resumed from its checkpoint"
    )
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    weights = load_weights(args.weights)
    content, style = load_image(CONTENT, args.width), load_image(STYLE, args.width)
    ok = True
    print(
        f"device {device}, {content.shape[3]}x{content.shape[2]}, {args.steps} steps, weights {args.weights}"
    )
    print(f"{'batch':>5} {'steps':>5} {'mode':>10} {'fast-eager max':>14} {'mean':>8} {'loss rel':>9} "
          f"{'eager-eager max':>15} {'mean':>8}")  # fmt: skip
    for batch in args.batch:
        cells = [parse_layer_spec(CELLS[i % len(CELLS)]) for i in range(batch)]
        for steps in (1, args.steps):
            settings = Settings(iterations=steps, log_every=max(1, steps // 5))
            eager, again, fast = (
                stylize(
                    weights,
                    style,
                    content,
                    cells,
                    settings=settings,
                    device=device,
                    progress=False,
                    fast=mode,
                )
                for mode in (False, False, True)
            )
            f, e = compare(fast, eager), compare(again, eager)
            print(
                f"{batch:>5} {steps:>5} {fast.step_mode:>10} {f['max']:>14.4g} {f['mean']:>8.3g} "
                f"{f['loss_rel']:>9.2g} {e['max']:>15.4g} {e['mean']:>8.3g}",
                flush=True,
            )
            if device.type == "cuda" and fast.step_mode != "cuda graph":
                print(f"  fast path not taken: {fast.fallback}")
                ok = False
            if steps == 1 and f["max"] > 1e-2:
                print("  one step differs by more than 1e-2 grey levels")
                ok = False
    if args.resume:
        ok = resume_check(weights, style, content, device, args.steps) and ok
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
