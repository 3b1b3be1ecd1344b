"""Two styles blended at a range of weights on one content, measured against each style and the blend.

For each weight w of ``--weights`` (of the first style; the second gets 1 - w) the content is
stylized under the blend (``steel.cells.stylize.run`` with ``{first: w, second: 1 - w}``, the
quick preset's schedule: Adam, lr 8 annealed to 0.1 along a cosine, 300 steps, at 256 px), and
each style on its own. Every result is measured (``steel.evaluate.metrics``): CER, artefacts, and
style strength against the first style, the second, and the blend it was made under. The ends
are checked: the blend at 1 (and at 0) must give the first (second) style's own image byte for
byte. Writes ``<out>/measures.tsv`` (a row per result, as it is measured) and ``<out>/sheet.png``
(the content, each style, then the results by weight, each under its numbers).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/blend_measure.py --out /tmp/blend`` (the HED
weights must be cached: ``steel weights hed``). Each result costs 1-2 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from quick_runs import BEST, QUICK, append_row, quick_settings

from steel.cells.pair import load_pair
from steel.cells.stylize import run
from steel.evaluate.metrics import cell_metrics, style_strength
from steel.io.images import read_image, to_pil
from steel.layers import parse_layer_spec
from steel.render.methods import methods_sheet
from steel.settings import RunOptions
from steel.transfer.weights import load_weights

REPO = Path(__file__).resolve().parents[1]
LOGOS = REPO / "resources" / "logos"
COLUMNS = (
    "weight", "run", "cer", "artefacts", "strength_first", "strength_second", "strength_blend",
    "identical_to", "seconds_per_iteration",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--first", type=Path, default=LOGOS / "style" / "ironwrath.png")
    parser.add_argument("--second", type=Path, default=LOGOS / "style" / "grimhollow.png")
    parser.add_argument("--content", type=Path, default=LOGOS / "content" / "quorix.png")
    parser.add_argument("--text", default="Quorix", help="the word the content shows (for CER)")
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 0.75, 0.5, 0.25, 0.0])
    parser.add_argument("--cell", default=BEST)
    parser.add_argument("--iterations", type=int, default=QUICK["iterations"])
    parser.add_argument("--width", type=int, default=QUICK["width"])
    parser.add_argument("--network", default="hed", help="the VGG16 weights (hed, random, a path)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    settings = quick_settings(args.iterations)
    options = RunOptions(settings=settings, weights=args.network, width=args.width, progress=False)
    network = load_weights(args.network)
    cell = parse_layer_spec(args.cell)
    first, second = (to_pil(load_pair(s, args.content, args.width).style) for s in (args.first, args.second))
    content = to_pil(load_pair(args.first, args.content, args.width).content)

    singles = {}
    for name, style in (("first", args.first), ("second", args.second)):
        folder = args.out / name
        run(style, args.content, [cell], [folder], options)
        singles[name] = (folder / "stylized.png").read_bytes()
    panels = [("content", content, None), (args.first.stem, first, None), (args.second.stem, second, None)]
    for weight in args.weights:
        folder = args.out / f"w{weight:g}"
        began = time.perf_counter()
        blend = [(args.first, weight), (args.second, 1.0 - weight)]
        record = run(blend, args.content, [cell], [folder], options)[0]
        print(f"w {weight:g}: {time.perf_counter() - began:.0f} s", flush=True)
        image = read_image(folder / "stylized.png")
        measured = cell_metrics(image, content, [(first, weight), (second, 1.0 - weight)], args.text, network)
        against = {
            f"strength_{name}": style_strength(image, content, style, network)["style_strength"]
            for name, style in (("first", first), ("second", second))
        }
        made = (folder / "stylized.png").read_bytes()
        same = [name for name, data in singles.items() if data == made]
        append_row(args.out / "measures.tsv", COLUMNS, {
            "weight": weight, "run": folder.name, "cer": measured["cer"], "artefacts": measured["artefacts"],
            "strength_blend": measured["style_strength"], **against, "identical_to": ",".join(same),
            "seconds_per_iteration": record["seconds_per_iteration"],
        })  # fmt: skip
        strengths = f"{against['strength_first']:.3f} / {against['strength_second']:.3f}"
        panels.append(
            (f"{weight:g} : {1 - weight:g}", image, f"CER {measured['cer']:.2f} · style {strengths}")
        )
    title = (
        f"{args.first.stem} : {args.second.stem} blended at each weight; style strength against "
        f"{args.first.stem} / against {args.second.stem}"
    )
    methods_sheet(panels, title=title).save(args.out / "sheet.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
