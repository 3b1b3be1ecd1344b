"""Render the demo word marks: made-up corporate logos and made-up heavy-metal band logos.

Corporate word marks (clean sans) go to ``content/<name>.png``; band word marks (one metal font
each) go to ``style/<name>.png``. Every image is an RGB PNG with black glyphs on white, cropped
to the ink of the word plus a margin on all sides, so it is wide, never square. The output is
deterministic: running the script twice writes identical files.

All names are invented; none is meant to be a real company or band.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
METAL_FONTS = ROOT / "resources" / "fonts"
SANS_FONTS = ROOT / "src" / "steel" / "fonts"

# (folder, file name, word, font file)
MARKS = [
    ("content", "corvantis", "Corvantis", SANS_FONTS / "Inter-Bold.ttf"),
    ("content", "quorix", "Quorix", SANS_FONTS / "Inter-Bold.ttf"),
    ("content", "zentova", "Zentova", SANS_FONTS / "Inter-Regular.ttf"),
    ("style", "ironwrath", "Ironwrath", METAL_FONTS / "MetalMania-Regular.ttf"),
    ("style", "grimhollow", "Grimhollow", METAL_FONTS / "UnifrakturCook-Bold.ttf"),
    ("style", "vorthane", "Vorthane", METAL_FONTS / "NewRocker-Regular.ttf"),
]

TEXT_HEIGHT = 175  # target height in pixels of the word's ink, ascenders to descenders
MARGIN = 0.12  # margin on every side, as a fraction of the ink height
PROBE_SIZE = 200  # font size of the first rendering, used to measure the font


def render_ink(word: str, font_path: Path, size: int) -> Image.Image:
    """Draw the word white-on-black (ink = 255) on a generous canvas, cropped to its ink."""
    font = ImageFont.truetype(str(font_path), size)
    left, top, right, bottom = font.getbbox(word)
    pad = size  # room for glyphs that overshoot their advertised box
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), word, font=font, fill=255)
    box = canvas.getbbox()
    if box is None:
        raise ValueError(f"{font_path.name} drew no ink for {word!r}")
    return canvas.crop(box)


def render_mark(word: str, font_path: Path, text_height: int = TEXT_HEIGHT) -> Image.Image:
    """Render a word so that its ink is ``text_height`` px tall, centred with a white margin."""
    probe = render_ink(word, font_path, PROBE_SIZE)
    size = round(PROBE_SIZE * text_height / probe.height)
    ink = render_ink(word, font_path, size)
    margin = round(MARGIN * ink.height)
    width, height = ink.width + 2 * margin, ink.height + 2 * margin
    image = Image.new("L", (width, height), 255)
    image.paste(0, (margin, margin), mask=ink)  # black glyphs, anti-aliased edges
    return image.convert("RGB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(
            "Render the demo word marks: corporate logos (clean sans) into content/ and "
            "heavy-metal band logos (metal fonts) into style/, next to this script. "
            "Black on white RGB PNGs, cropped to the word plus a margin; deterministic."
        )
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE,
        help="folder that receives content/ and style/ (default: the script's folder)",
    )
    parser.add_argument(
        "--text-height",
        type=int,
        default=TEXT_HEIGHT,
        help=f"height of the word's ink in pixels (default: {TEXT_HEIGHT})",
    )
    args = parser.parse_args(argv)

    for folder, name, word, font_path in MARKS:
        image = render_mark(word, font_path, args.text_height)
        path = args.out / folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
        print(f"{path}  {image.width}x{image.height}  {font_path.name}")


if __name__ == "__main__":
    main()
