"""Styles found on album covers: the same metal word on white and on made-up covers
(``benchmarks/covers.py``), stylized with no mask, with the drawn word as the mask, and with
``mask: auto``; each result's style strength measured against the on-white style (the word black
on white) and against the cover's own lettering on white (``<name>-on-white.png``: the word in the
cover's letter colour, inverted if light, as a mask lays it), whose own run is stylized too: the
gap between a masked result and that run is what the cover's ground costs, the gap between that
run and the black word's is what the letters' colour costs.

For every cover: the IoU of the ``auto`` mask (as a run reads it, at the style's working width)
against the drawn word; then, unless ``--no-runs``, one run per mask kind (the quick preset's
schedule, the paper's best cell, ``--content``). Writes ``<out>/iou.tsv`` and
``<out>/measures.tsv`` (a row per result, as it is measured) and ``<out>/sheet.png`` (each cover
with its auto mask drawn over it, and its three results).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/cover_measure.py --covers /tmp/covers --out
/tmp/cover-measure`` after ``benchmarks/covers.py --out /tmp/covers`` (the HED weights cached).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from quick_runs import BEST, QUICK, append_row, quick_settings

from steel.cells.pair import MaskedStyle, load_pair, style_mask
from steel.cells.stylize import run
from steel.evaluate.metrics import cell_metrics, style_strength
from steel.io.images import load_image, read_image, to_pil
from steel.io.masks import read_mask
from steel.layers import parse_layer_spec
from steel.render.methods import methods_sheet
from steel.render.sheets import masked_picture
from steel.settings import RunOptions
from steel.transfer.weights import load_weights

REPO = Path(__file__).resolve().parents[1]
COVERS = ("noise", "gradient", "clouds", "stripes", "photo", "grunge")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--covers", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--names", nargs="+", default=list(COVERS))
    parser.add_argument("--runs", nargs="*", default=None, help="covers to stylize (none given: all)")
    parser.add_argument("--no-runs", action="store_true", help="the masks' IoU only")
    parser.add_argument("--content", type=Path, default=REPO / "resources/logos/content/quorix.png")
    parser.add_argument("--text", default="Quorix")
    parser.add_argument("--cell", default=BEST)
    parser.add_argument("--iterations", type=int, default=QUICK["iterations"])
    parser.add_argument("--width", type=int, default=QUICK["width"])
    parser.add_argument("--network", default="hed")
    parser.add_argument(
        "--masks", nargs="+", default=["lettering", "none", "file", "auto"],
        help="what to run per cover: its lettering alone on white, no mask, the drawn mask, auto",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    panels = []
    for name in args.names:
        cover = args.covers / f"{name}.png"
        image = load_image(cover, args.width, "cover")
        found, record = style_mask(MaskedStyle(cover, "auto"), image)
        found = found[0, 0].numpy()
        size = (found.shape[1], found.shape[0])
        truth = read_mask(args.covers / f"{name}-mask.png", read_image(cover).size, size, name) > 0.5
        iou = float(((found > 0.5) & truth).sum() / ((found > 0.5) | truth).sum())
        append_row(args.out / "iou.tsv", ("cover", "iou", "polarity", "share", "truth_share"), {
            "cover": name, "iou": round(iou, 4), "polarity": record["found"]["polarity"],
            "share": record["share"], "truth_share": round(float(truth.mean()), 4),
        })  # fmt: skip
        picture = masked_picture(to_pil(image), found)
        panels.append((name, picture, f"auto: IoU {iou:.3f}, {record['found']['polarity']}"))
    if args.no_runs:
        methods_sheet(panels, title="auto masks on the made-up covers").save(args.out / "sheet.png")
        return 0

    settings = quick_settings(args.iterations)
    options = RunOptions(settings=settings, weights=args.network, width=args.width, progress=False)
    network = load_weights(args.network)
    cell = parse_layer_spec(args.cell)
    on_white = args.covers / "on-white.png"
    white_pair = load_pair(on_white, args.content, args.width)
    reference, content = to_pil(white_pair.style), to_pil(white_pair.content)
    columns = (
        "cover", "mask", "cer", "artefacts", "style_vs_on_white", "style_vs_lettering",
        "seconds_per_iteration",
    )  # fmt: skip

    def measured(cover: str, mask: str, style, own):
        folder = args.out / cover / mask
        began = time.perf_counter()
        record = run(style, args.content, [cell], [folder], options)[0]
        image = read_image(folder / "stylized.png")
        metrics = cell_metrics(image, content, reference, args.text, network)
        metrics["style_vs_lettering"] = style_strength(image, content, own, network)["style_strength"]
        print(f"{cover} {mask}: {time.perf_counter() - began:.0f} s", flush=True)
        append_row(args.out / "measures.tsv", columns, {
            "cover": cover, "mask": mask, "cer": metrics["cer"], "artefacts": metrics["artefacts"],
            "style_vs_on_white": metrics["style_strength"],
            "style_vs_lettering": metrics["style_vs_lettering"],
            "seconds_per_iteration": record["seconds_per_iteration"],
        })  # fmt: skip
        return image, metrics

    measured("on-white", "none", on_white, reference)
    for name in args.runs if args.runs is not None else args.names:
        cover = args.covers / f"{name}.png"
        lettering = args.covers / f"{name}-on-white.png"
        styles = {
            "lettering": lettering,
            "none": cover,
            "file": MaskedStyle(cover, args.covers / f"{name}-mask.png"),
            "auto": MaskedStyle(cover, "auto"),
        }
        own = to_pil(load_pair(lettering, args.content, args.width).style)
        for mask in args.masks:
            image, metrics = measured(name, mask, styles[mask], own)
            note = (
                f"style vs on white {metrics['style_strength']:.3f}, "
                f"vs its lettering {metrics['style_vs_lettering']:.3f}"
            )
            panels.append((f"{name}, {mask}", image, note))
    title = "A metal word found on covers: no mask, the drawn mask, auto"
    methods_sheet(panels, title=title).save(args.out / "sheet.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
