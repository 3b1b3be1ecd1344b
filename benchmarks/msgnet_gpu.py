"""MSG-Net on the GPU: train on the demo logos for a fixed time, log the loss, stylize every pair.

    PYTHONPATH=src python benchmarks/msgnet_gpu.py OUT [--seconds 75] [--lr 1.0 0.001] [--weights random:0]

For each learning rate: train (width 256, batch 4, the paper's style/content weights) for about
``--seconds``, write OUT/lr<lr>/losses.tsv and OUT/lr<lr>/{style}__{content}.png (one forward pass
at 512 px, the runs' width) and a summary line (steps, s/step, first/last/min loss) to OUT/summary.txt.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from steel.io.images import load_image, to_pil
from steel.io.outputs import write_tsv
from steel.msgnet.model import count_parameters
from steel.msgnet.train import MSGNetSettings, load_at_width, stylize, train
from steel.transfer.weights import load_weights

LOGOS = Path(__file__).resolve().parents[1] / "resources" / "logos"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=75)
    parser.add_argument("--lr", type=float, nargs="+", default=[1.0, 0.001])
    parser.add_argument("--weights", default="random:0")
    parser.add_argument("--width", type=int, default=256)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    weights = load_weights(args.weights)
    style_paths = sorted((LOGOS / "style").glob("*.png"))
    content_paths = sorted((LOGOS / "content").glob("*.png"))
    styles = [load_at_width(str(p), args.width) for p in style_paths]
    contents = [load_at_width(str(p), args.width) for p in content_paths]
    summary = []
    for lr in args.lr:
        probe = MSGNetSettings(steps=10, width=args.width, lr=lr)
        started = time.perf_counter()
        train(weights, styles, contents, probe, device=device)
        per_step = (time.perf_counter() - started) / 10
        steps = max(10, int(args.seconds / per_step))
        settings = MSGNetSettings(steps=steps, width=args.width, lr=lr)
        result = train(weights, styles, contents, settings, device=device)
        out = args.out / f"lr{lr:g}"
        out.mkdir(parents=True, exist_ok=True)
        write_tsv(result.rows)(out / "losses.tsv")
        for sp in style_paths:
            style = load_image(sp, 512, "style")
            for cp in content_paths:
                image = stylize(result.model, style, load_image(cp, 512, "content"))
                to_pil(image).save(out / f"{sp.stem}__{cp.stem}.png")
        totals = [r["total"] for r in result.rows]
        tail = result.rows[-20:]
        line = (
            f"lr {lr:g}: {steps} steps in {result.seconds:.1f} s "
            f"({result.seconds / steps * 1000:.1f} ms/step), "
            f"params {count_parameters(result.model):,}; total loss first {totals[0]:.4g}, "
            f"min {min(totals):.4g}, mean of last 20 {sum(r['total'] for r in tail) / len(tail):.4g} "
            f"(style {sum(r['style'] for r in tail) / len(tail):.4g}, "
            f"content {sum(r['content'] for r in tail) / len(tail):.4g})"
        )
        print(line, flush=True)
        summary.append(line)
        for r in result.rows[:: max(1, steps // 15)]:
            print(
                f"  step {r['iteration']:>6} total {r['total']:.4g} style {r['style']:.4g} "
                f"content {r['content']:.4g}"
            )
    (args.out / "summary.txt").write_text("\n".join(summary) + "\n")


if __name__ == "__main__":
    main()
