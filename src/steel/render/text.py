"""Typography of the sheets: the bundled fonts at a size, text that fits a width (shortened or
wrapped), and characters the font lacks replaced by ASCII.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import as_file, files

from PIL import ImageFont

#: the smallest font size used for any text, in pixels
MIN_FONT_SIZE = 14


MIN_NOTE_FONT_SIZE = 12


MAX_FONT_SIZE = 30


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled Inter font at ``size`` pixels."""
    name = "Inter-Bold.ttf" if bold else "Inter-Regular.ttf"
    with as_file(files("steel") / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size)


#: stand-ins for characters the bundled font lacks (anything else missing becomes "?")
FALLBACKS = {"→": "->", "←": "<-", "⇒": "=>", "≥": ">=", "≤": "<=", "≈": "~"}


@cache
def _has_glyph(char: str) -> bool:
    face = font(MIN_FONT_SIZE)
    if char.isspace():
        return True
    mask = face.getmask(char)
    notdef = face.getmask("\uffff")
    return mask.size != notdef.size or bytes(mask) != bytes(notdef)


def printable(text: str) -> str:
    """``text`` with characters the bundled font cannot draw replaced (``→`` becomes ``->``)."""
    return "".join(c if _has_glyph(c) else FALLBACKS.get(c, "?") for c in text)


def line_height(face: ImageFont.FreeTypeFont) -> int:
    ascent, descent = face.getmetrics()
    return ascent + descent


def text_width(text: str, face: ImageFont.FreeTypeFont) -> int:
    return round(face.getlength(printable(text)))


def shorten(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """``text``, cut with an ellipsis so that it fits into ``width`` pixels."""
    if text_width(text, face) <= width:
        return text
    while text and text_width(text + "…", face) > width:
        text = text[:-1]
    return text + "…" if text else ""


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break ``text`` at spaces into lines no wider than ``width`` (a single long word may be wider)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", face) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
