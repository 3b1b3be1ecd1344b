"""The outline method against the pixel method on logo pairs, at the quick budget, measured alike.

For each pair (a style logo; a content word in a font) the content is laid out as outlines at
``--width`` px and drawn once (resvg) as the pixel method's content image, so both methods start
from the same picture. Then, for each cell, the pixel method (``steel.cells.stylize.run`` under
the quick preset's schedule: Adam, lr 8 annealed to 0.1 along a cosine, 300 steps) and the
outline method (``steel.cells.outline.stylize_outline`` at each ``--smoothness``) run, and
``steel.cells.measure.measure_cell`` measures every result folder: CER, artefacts, style
strength. One row per result goes to ``<out>/measures.tsv`` as soon as it is measured (a long run
can be read while it goes); the outline rows add the SVG's bytes and paths.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/outline_measure.py --out /tmp/measure`` (the
HED weights must be cached: ``steel weights hed``). Each 300-step result costs 1-3 minutes on a
busy 2-core CPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import time
from pathlib import Path

from quick_runs import BEST, QUICK, append_row, quick_settings

from steel.cells.measure import measure_cell
from steel.cells.outline import content_outlines, drawn, stylize_outline
from steel.cells.stylize import run as pixel_run
from steel.layers import cell_id, parse_layer_spec
from steel.settings import DEFAULT_OUTLINE_OPTIONS, OutlineOptions, RunOptions
from steel.transfer.weights import load_weights

REPO = Path(__file__).resolve().parents[1]
LOGOS = REPO / "resources" / "logos"
FONTS = REPO / "resources" / "fonts"
INTER = REPO / "src" / "steel" / "fonts"
#: name -> (style image, content word, content font)
PAIRS = {
    "ironwrath-quorix": (LOGOS / "style" / "ironwrath.png", "Quorix", INTER / "Inter-Bold.ttf"),
    "ironwrath-corvantis": (LOGOS / "style" / "ironwrath.png", "Corvantis", INTER / "Inter-Bold.ttf"),
    "grimhollow-zentova": (LOGOS / "style" / "grimhollow.png", "Zentova", INTER / "Inter-Regular.ttf"),
    "vorthane-quorix": (LOGOS / "style" / "vorthane.png", "Quorix", INTER / "Inter-Bold.ttf"),
}
COLUMNS = (
    "pair", "cell", "method", "smoothness", "subdivide", "growth", "cer", "ocr_text", "artefacts",
    "style_strength", "svg_bytes", "paths", "seconds_per_iteration",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--cells", nargs="+", default=[BEST], help="cells as conv1_1=2000,...")
    parser.add_argument("--smoothness", type=float, nargs="+", default=[0.1])
    parser.add_argument("--subdivide", type=int, nargs="+", default=[2])
    parser.add_argument("--lr", type=float, default=OutlineOptions().lr, help="outline.lr in px")
    parser.add_argument("--iterations", type=int, default=QUICK["iterations"])
    parser.add_argument("--width", type=int, default=QUICK["width"])
    parser.add_argument("--weights", default="hed")
    parser.add_argument("--no-pixel", action="store_true", help="outline results only")
    parser.add_argument("--growth", type=float, nargs="+", default=[DEFAULT_OUTLINE_OPTIONS.growth],
                        help="outline.growth of the outline runs (each in turn)")  # fmt: skip
    parser.add_argument("--reach", type=float, default=DEFAULT_OUTLINE_OPTIONS.reach,
                        help="outline.reach of the outline runs, px")  # fmt: skip
    args = parser.parse_args(argv)

    settings = quick_settings(args.iterations)
    table = args.out / "measures.tsv"
    weights = load_weights(args.weights)
    cells = [parse_layer_spec(c) for c in args.cells]
    for pair in args.pairs:
        style, word, font = PAIRS[pair]
        content = content_outlines(text=word, font=font, width=args.width)
        root = args.out / pair
        root.mkdir(parents=True, exist_ok=True)
        picture = root / "content.png"
        drawn(content.outlines, content)[1].save(picture)
        if not args.no_pixel:
            folders = [root / "pixel" / cell_id(c) for c in cells]
            began = time.perf_counter()
            options = RunOptions(settings=settings, weights=args.weights, width=args.width, progress=False)
            records = pixel_run(style, picture, cells, folders, options)
            print(f"{pair} pixel {len(cells)} cells {time.perf_counter() - began:.0f} s", flush=True)
            for cell, folder, record in zip(cells, folders, records, strict=True):
                measured = measure_cell(folder, word, weights)
                append_row(table, COLUMNS, {"pair": pair, "cell": cell_id(cell), "method": "pixel",
                                            **measured,
                                "seconds_per_iteration": record["seconds_per_iteration"]})  # fmt: skip
        for smoothness, parts, growth in itertools.product(args.smoothness, args.subdivide, args.growth):
            options = OutlineOptions(
                iterations=args.iterations,
                lr=args.lr,
                smoothness=smoothness,
                subdivide=parts,
                growth=growth,
                reach=args.reach,
            )
            tag = f"s{smoothness:g}-n{parts}-g{growth:g}-r{args.reach:g}"
            folders = [root / "outline" / tag / cell_id(c) for c in cells]
            began = time.perf_counter()
            run_options = RunOptions(settings=settings, outline=options, weights=args.weights, progress=False)
            records = stylize_outline(style, content, cells, folders, run_options)
            print(f"{pair} outline {tag} {time.perf_counter() - began:.0f} s", flush=True)
            for cell, folder, record in zip(cells, folders, records, strict=True):
                measured = measure_cell(folder, word, weights)
                svg = (folder / "stylized.svg").read_text()
                append_row(table, COLUMNS, {"pair": pair, "cell": cell_id(cell), "method": "outline",
                                "smoothness": smoothness, "subdivide": parts, "growth": growth,
                                **measured,
                                "svg_bytes": len(svg.encode()), "paths": svg.count("<path"),
                                "seconds_per_iteration": record["seconds_per_iteration"]})  # fmt: skip
            (folder.parent / "options.json").write_text(json.dumps(dataclasses.asdict(options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
