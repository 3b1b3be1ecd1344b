"""A word set in a font as a logo: black on white with a margin, for users who have a name but no
image (a company name in a sans as the content, a band name in a metal font as the style).

The word is drawn large, cropped to its ink, given a margin of :data:`MARGIN` of the ink's height
on every side and scaled to the working width, so its height follows from the word's own
proportions (a long word gives a low, wide logo, as word marks are).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from steel.errors import SteelError
from steel.images import MIN_SIDE, resize_to_width
from steel.outputs import StagedFiles, write_png

#: the bundled OFL sans (Inter), the default font of a text logo
DEFAULT_FONT = Path(__file__).with_name("fonts") / "Inter-Bold.ttf"
#: font size the word is drawn at before it is scaled to the working width
DRAW_SIZE = 200
#: white margin on every side, as a share of the word's ink height
MARGIN = 0.25


def load_font(font: str | Path | None, size: int = DRAW_SIZE) -> ImageFont.FreeTypeFont:
    """A TrueType/OpenType (or WOFF) font at ``size`` px; the bundled sans if ``font`` is None."""
    path = Path(DEFAULT_FONT if font is None else font).expanduser()
    if not path.is_file():
        raise SteelError(f"font {path} does not exist; give a .ttf or .otf file")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError as error:
        why = " ".join(str(error).split())
        raise SteelError(f"cannot read font {path} ({why}); give a .ttf or .otf file") from None


def check_text(text: str | None, what: str = "text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise SteelError(f"the {what} is empty; give the word to draw, e.g. Acme")
    return text.strip()


def render_text(text: str, font: str | Path | None = None, width: int | None = 384) -> Image.Image:
    """``text`` in ``font`` (default: the bundled Inter Bold), black on white with a margin,
    ``width`` px wide (None: as drawn), at least :data:`MIN_SIDE` px high."""
    text = check_text(text)
    face = load_font(font)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=face, align="center")
    if right <= left or bottom <= top:
        raise SteelError(f"the font draws nothing for {text!r}; choose a font that has these letters")
    margin = max(1, round(MARGIN * (bottom - top)))
    canvas = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 255)
    ImageDraw.Draw(canvas).multiline_text(
        (margin - left, margin - top), text, font=face, fill=0, align="center"
    )
    if width is not None:
        # a very long word would come out lower than VGG16 allows: pad it with white
        low = round(canvas.height * width / canvas.width)
        if low < MIN_SIDE:
            tall = round(MIN_SIDE * canvas.width / width) + 1
            padded = Image.new("L", (canvas.width, tall), 255)
            padded.paste(canvas, (0, (tall - canvas.height) // 2))
            canvas = padded
    image = canvas.convert("RGB")
    return image if width is None else resize_to_width(image, width, f"text logo {text!r}")


def write_text_logo(
    path: str | Path, text: str, font: str | Path | None = None, width: int | None = 384
) -> Path:
    """Render and save as PNG (nothing is written when rendering fails)."""
    return write_logo(path, None, text, font, width)


def draw_logo(
    image: str | Path | None, text: str | None, font: str | Path | None, width: int | None
) -> Image.Image:
    """A style or content entry as an RGB image ``width`` px wide: an image file (an SVG is
    rasterised at that width) or, without one, ``text`` drawn in ``font``."""
    if image is not None:
        from steel.images import read_image

        return resize_to_width(read_image(image, width), width, f"image {image}")
    return render_text(text, font, width)


def write_logo(
    path: str | Path,
    image: str | Path | None,
    text: str | None,
    font: str | Path | None,
    width: int | None,
) -> Path:
    """:func:`draw_logo` saved as PNG; nothing is written when drawing fails."""
    drawn = draw_logo(image, text, font, width)
    path = Path(path)
    with StagedFiles() as staged:
        staged.stage(path, write_png(drawn))
    return path


def check_logo(entry: dict, what: str) -> None:
    """Check a style or content entry (:func:`steel.sweeps.logo_entry`) that draws a word: the
    text is not empty and the font opens. Raises a one-line :class:`SteelError` naming ``what``."""
    if entry["image"] is not None:
        return
    try:
        check_text(entry["text"])
        load_font(entry["font"])
    except SteelError as error:
        raise SteelError(f"{what}: {error}") from None
