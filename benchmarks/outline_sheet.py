"""A sheet of what ``benchmarks/outline_measure.py`` made: per pair one row of the style, the content,
the pixel method's result and each outline result (a column per smoothness), at the same cell,
each labelled with its CER, artefacts and style strength from ``measures.tsv``.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/outline_sheet.py /tmp/measure/q docs/outline-sheet.png``
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from steel.io.logo_text import DEFAULT_FONT
from steel.layers import cell_id, parse_layer_spec

CELL = "conv1_1=2000,conv1_2=2000,conv4_1=200,conv4_2=200,conv4_3=200"
WIDTH = 256
LABEL = 30


def _tile(image: Image.Image, label: str, font) -> Image.Image:
    image = image.convert("RGB")
    height = round(image.height * WIDTH / image.width)
    tile = Image.new("RGB", (WIDTH, height + LABEL), "white")
    tile.paste(image.resize((WIDTH, height), Image.Resampling.LANCZOS), (0, LABEL))
    ImageDraw.Draw(tile).multiline_text((4, 2), label, fill="black", font=font, spacing=1)
    return tile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("sheet", type=Path)
    parser.add_argument("--cell", default=CELL)
    parser.add_argument(
        "--zoom",
        nargs=3,
        metavar=("PAIR", "TAG", "PNG"),
        help="also: the left third of PAIR's pixel "
        "result and its outline result TAG (e.g. s0.1-n2) at 8x, side by side, into PNG",
    )
    args = parser.parse_args(argv)
    from outline_measure import PAIRS  # beside this script, so on the path when it runs

    cell = cell_id(parse_layer_spec(args.cell))
    with (args.folder / "measures.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["cell"] == cell]
    font = ImageFont.truetype(str(DEFAULT_FONT), 11)
    lines = []
    for pair in dict.fromkeys(r["pair"] for r in rows):
        style, word, _ = PAIRS[pair]
        tiles = [
            _tile(Image.open(style), f"{pair}\nstyle", font),
            _tile(Image.open(args.folder / pair / "content.png"), f"content {word!r}", font),
        ]
        ours = [r for r in rows if r["pair"] == pair]
        for row in sorted(ours, key=lambda r: (r["method"] != "pixel", float(r["smoothness"] or 0))):
            if row["method"] == "pixel":
                where, name = args.folder / pair / "pixel" / cell, "pixel"
            else:
                tag = f"s{float(row['smoothness']):g}-n{row['subdivide']}"
                where, name = args.folder / pair / "outline" / tag / cell, f"outline {tag}"
            numbers = (
                f"CER {float(row['cer']):.2f} art {float(row['artefacts']):.3f} "
                f"style {float(row['style_strength']):.3f}"
            )
            tiles.append(_tile(Image.open(where / "stylized.png"), f"{name}\n{numbers}", font))
        height = max(t.height for t in tiles)
        line = Image.new("RGB", (WIDTH * len(tiles) + 4 * (len(tiles) - 1), height), "white")
        for i, tile in enumerate(tiles):
            line.paste(tile, (i * (WIDTH + 4), 0))
        lines.append(line)
    sheet = Image.new("RGB", (max(x.width for x in lines), sum(x.height + 8 for x in lines)), "white")
    top = 0
    for line in lines:
        sheet.paste(line, (0, top))
        top += line.height + 8
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.sheet, optimize=True)
    if args.zoom:
        _zoom(args.folder, cell, *args.zoom)
    return 0


def _zoom(folder: Path, cell: str, pair: str, tag: str, out: str) -> None:
    """The pixels at 8x (nearest: what the file holds) beside the outline's SVG drawn at 8x."""
    from steel.evaluate.vector import rendered

    pixel = Image.open(folder / pair / "pixel" / cell / "stylized.png").convert("RGB")
    svg = (folder / pair / "outline" / tag / cell / "stylized.svg").read_text(encoding="utf-8")
    size = (pixel.width * 8, pixel.height * 8)
    box = (0, 0, size[0] // 3, size[1])
    left = pixel.resize(size, Image.Resampling.NEAREST).crop(box)
    right = rendered(svg, size).crop(box)
    both = Image.new("RGB", (2 * left.width + 8, left.height), "white")
    both.paste(left, (0, 0))
    both.paste(right, (left.width + 8, 0))
    both.save(out, optimize=True)


if __name__ == "__main__":
    raise SystemExit(main())
