"""Made-up album covers: one metal-font word on white and on six grounds (noise, a gradient, clouds,
stripes, blobs like a photograph, grunge), light on dark and dark on light, seeded.

Writes into ``--out``: ``on-white.png`` (the word black on white: the style as the paper takes it),
and for each cover ``<name>.png`` (the cover), ``<name>-mask.png`` (the drawn word: white =
lettering, the truth a found mask is measured against) and ``<name>-on-white.png`` (the cover's
lettering, in its own colour, alone on white, as a mask lays it: light lettering inverted; what
the cover's result would be measured against if the cover had no ground). Same seed, same files.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/covers.py --out /tmp/covers``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[1]
METAL_FONT = REPO / "resources" / "fonts" / "MetalMania-Regular.ttf"
SIZE = (600, 200)


def word_mask(word: str, font: Path, size: tuple[int, int] = SIZE) -> Image.Image:
    """The word in the font, white on black (mode L), as large as fits with a margin, centred."""
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    points = size[1]
    while points > 8:
        face = ImageFont.truetype(str(font), points)
        left, top, right, bottom = draw.textbbox((0, 0), word, font=face)
        if right - left <= 0.86 * size[0] and bottom - top <= 0.7 * size[1]:
            break
        points -= 2
    x = (size[0] - (right - left)) / 2 - left
    y = (size[1] - (bottom - top)) / 2 - top
    draw.text((x, y), word, font=face, fill=255)
    return mask


def _blurred_noise(rng: np.random.Generator, size, radius: float) -> np.ndarray:
    noise = Image.fromarray((rng.random((size[1], size[0])) * 255).astype(np.uint8), "L")
    smooth = np.asarray(noise.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)
    return (smooth - smooth.min()) / max(np.ptp(smooth), 1e-6)


def grounds(rng: np.random.Generator, size=SIZE) -> dict[str, tuple[np.ndarray, tuple[int, int, int]]]:
    """name -> (RGB ground, float (H, W, 3) on 0-255; the word's colour)."""
    w, h = size
    x = np.linspace(0, 1, w)[None, :, None]
    y = np.linspace(0, 1, h)[:, None, None]
    found = {}
    # dark on light: noise on a light grey
    found["noise"] = (np.clip(200 + rng.normal(0, 30, (h, w, 1)), 0, 255).repeat(3, 2), (10, 10, 10))
    # light on dark: a gradient from deep blue to dark red
    found["gradient"] = (
        (1 - x) * np.array([20, 30, 110]) + x * np.array([120, 20, 30]) + 0 * y,
        (245, 245, 235),
    )
    # light on dark: clouds
    clouds = _blurred_noise(rng, size, 6)[..., None]
    found["clouds"] = (30 + clouds * np.array([90, 80, 110]), (250, 240, 220))
    # dark on light: diagonal stripes
    stripes = ((np.arange(w)[None, :] + np.arange(h)[:, None]) // 14 % 2)[..., None]
    found["stripes"] = (np.where(stripes, 235, 185) * np.array([1.0, 0.95, 0.85]), (25, 15, 10))
    # light on dark: blobs of colour, as a photograph's shapes
    photo = np.zeros((h, w, 3), np.float32)
    for channel in range(3):
        photo[..., channel] = 20 + 130 * _blurred_noise(rng, size, 18)
    found["photo"] = (photo, (255, 255, 255))
    # dark on light: grunge, a light ground with dark scratches and specks
    grunge = 215 + 25 * _blurred_noise(rng, size, 3)[..., None]
    specks = (rng.random((h, w, 1)) < 0.01) * 120.0
    found["grunge"] = (np.clip(grunge - specks, 0, 255).repeat(3, 2), (35, 20, 20))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--word", default="Grimhollow")
    parser.add_argument("--font", type=Path, default=METAL_FONT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    mask = word_mask(args.word, args.font)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    Image.fromarray((255 - alpha[..., 0] * 255).astype(np.uint8), "L").convert("RGB").save(
        args.out / "on-white.png"
    )
    for name, (ground, colour) in grounds(rng).items():
        cover = ground * (1 - alpha) + np.array(colour, np.float32) * alpha
        Image.fromarray(np.clip(np.round(cover), 0, 255).astype(np.uint8), "RGB").save(
            args.out / f"{name}.png"
        )
        mask.save(args.out / f"{name}-mask.png")
        ink = np.array(colour, np.float32)
        if ink.mean() > 127:  # light lettering: a mask lays it inverted on white
            ink = 255 - ink
        twin = 255 * (1 - alpha) + ink * alpha
        Image.fromarray(np.clip(np.round(twin), 0, 255).astype(np.uint8), "RGB").save(
            args.out / f"{name}-on-white.png"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
