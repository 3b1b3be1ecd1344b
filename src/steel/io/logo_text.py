"""A word set in a font as a logo: black on white with a margin, for users who have a name but no
image (a company name in a sans as the content, a band name in a metal font as the style).

The word is drawn large, cropped to its ink, given a margin of :data:`MARGIN` of the ink's height
on every side and scaled to the working width, so its height follows from the word's own
proportions (a long word gives a low, wide logo, as word marks are).
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from steel.errors import SteelError
from steel.io.images import resize_to_width
from steel.io.limits import MIN_SIDE
from steel.io.outputs import StagedFiles, write_png
from steel.plan.logos import check_text
from steel.settings import BY_NAME

#: a drawn logo's width when none is given: a run's own default width
WIDTH = BY_NAME["width"].default
#: the bundled OFL sans (Inter), the default font of a text logo
DEFAULT_FONT = Path(__file__).parents[1] / "fonts" / "Inter-Bold.ttf"
#: font size the word is drawn at before it is scaled to the working width
DRAW_SIZE = 200
#: white margin on every side, as a share of the word's ink height
MARGIN = 0.25
#: the characters the glyph check passes over: the space between words, which every text font
#: maps, and the line break that starts a new line (not drawn); any other, white space such as
#: U+2028 or U+1680 too, is drawn from the font and comes out as a "no glyph" box if it lacks it
UNDRAWN = frozenset(" \n")
#: a word drawn wider than this many times the working width is drawn at a smaller font size, so
#: that a long text never allocates a huge canvas only to be scaled down (shorter words draw at
#: :data:`DRAW_SIZE`)
MAX_DRAW_RATIO = 64


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


def missing_glyphs(text: str, font: str | Path | None) -> list[str]:
    """The characters of ``text`` but :data:`UNDRAWN` that ``font`` has no glyph for, by its
    character map, in order of appearance."""
    from fontTools.ttLib import TTFont, TTLibError

    path = Path(DEFAULT_FONT if font is None else font).expanduser()
    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as face:
            cmap = face.getBestCmap() or {}
    except (TTLibError, OSError, ValueError, KeyError) as error:
        why = " ".join(str(error).split()) or type(error).__name__
        raise SteelError(f"cannot read font {path} ({why}); give a .ttf or .otf file") from None
    return list(dict.fromkeys(c for c in text if c not in UNDRAWN and ord(c) not in cmap))


def check_glyphs(text: str, font: str | Path | None, what: str = "text") -> None:
    """Refuse, in one line naming them, characters the font cannot draw (they would come out as
    "no glyph" boxes)."""
    missing = missing_glyphs(text, font)
    if missing:
        named = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise SteelError(
            f"{_font_name(font)} has no glyph for {named}{more} in the {what}; choose a font that has them"
        )


def _font_name(font: str | Path | None) -> str:
    return "the bundled Inter Bold" if font is None else f"font {font}"


def _ink_box(text: str, face: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    # a multi-line box has float edges: whole pixels that hold it
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=face, align="center")
    return math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)


def render_text(text: str, font: str | Path | None = None, width: int | None = WIDTH) -> Image.Image:
    """``text`` in ``font`` (default: the bundled Inter Bold), black on white with a margin,
    ``width`` px wide (None: as drawn), at least :data:`MIN_SIDE` px high. A ``\n`` starts a new
    line (lines centred)."""
    text = check_text(text)
    face = load_font(font)
    check_glyphs(text, font)
    try:
        canvas = _drawn(text, font, face, width)
    except OSError as error:  # FreeType meets a damaged glyph (its loca or glyf table) only here
        why = " ".join(str(error).split()) or type(error).__name__
        raise SteelError(
            f"cannot draw {text!r} with {_font_name(font)} ({why}): the font file is damaged; "
            "give another .ttf or .otf file"
        ) from None
    image = canvas.convert("RGB")
    return image if width is None else resize_to_width(image, width, f"text logo {text!r}")


def _drawn(
    text: str, font: str | Path | None, face: ImageFont.FreeTypeFont, width: int | None
) -> Image.Image:
    """``text`` black on white ("L") with its margin, padded to :data:`MIN_SIDE` at ``width``."""
    left, top, right, bottom = _ink_box(text, face)
    if right <= left or bottom <= top:
        raise SteelError(f"the font draws nothing for {text!r}; choose a font that has these letters")
    if width is not None and right - left > MAX_DRAW_RATIO * width:
        face = load_font(font, max(1, math.floor(DRAW_SIZE * MAX_DRAW_RATIO * width / (right - left))))
        left, top, right, bottom = _ink_box(text, face)
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
    return canvas


def write_text_logo(
    path: str | Path, text: str, font: str | Path | None = None, width: int | None = WIDTH
) -> Path:
    """Render and save as PNG (nothing is written when rendering fails)."""
    return write_logo(path, None, text, font, width)


def draw_logo(
    image: str | Path | None, text: str | None, font: str | Path | None, width: int | None
) -> Image.Image:
    """A style or content entry as an RGB image ``width`` px wide: an image file (an SVG is
    rasterised at that width) or, without one, ``text`` drawn in ``font``."""
    if image is not None:
        from steel.io.images import read_logo

        return read_logo(image, width)
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
