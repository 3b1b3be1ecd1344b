"""A logo entry that draws a word, checked while the workflow plans: its text, and that its font
file is a font by its header (the drawing job reads the font itself)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from steel.errors import SteelError

#: the longest text a logo may show, in characters (a word mark is a word or two)
MAX_TEXT_CHARS = 100
#: the first four bytes of the font files FreeType reads: TrueType, OpenType (CFF), Apple
#: TrueType, a collection, WOFF and WOFF2
FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf", b"wOFF", b"wOF2")


def check_text(text: str | None, what: str = "text") -> str:
    """The text of a logo, stripped; one or more lines (``\n``). Empty, over
    :data:`MAX_TEXT_CHARS` or holding control characters is a one-line :class:`SteelError`."""
    if not isinstance(text, str) or not text.strip():
        raise SteelError(f"the {what} is empty; give the word to draw, e.g. Acme")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise SteelError(
            f"the {what} has {len(text)} characters; a logo shows at most {MAX_TEXT_CHARS}: shorten it"
        )
    control = sorted({c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")})
    if control:
        named = ", ".join(f"U+{ord(c):04X}" for c in control)
        raise SteelError(f"the {what} holds control characters ({named}); remove them")
    return text


def check_font_file(font: str | Path) -> Path:
    """A font file that exists and starts like one (:data:`FONT_MAGIC`), else one line."""
    path = Path(font).expanduser()
    if not path.is_file():
        raise SteelError(f"font {path} does not exist; give a .ttf or .otf file")
    try:
        with path.open("rb") as file:
            head = file.read(4)
    except OSError as error:
        raise SteelError(f"cannot read font {path} ({error.strerror}); give a .ttf or .otf file") from None
    if head not in FONT_MAGIC:
        raise SteelError(
            f"cannot read font {path} (not a TrueType, OpenType or WOFF file); give a .ttf or .otf file"
        )
    return path


def check_logo(entry: dict, what: str) -> None:
    """Check a style or content entry (:func:`steel.plan.sweeps.logo_entry`) that draws a word: the
    text (:func:`check_text`) and the font file's header (:func:`check_font_file`). Raises a one-line
    :class:`SteelError` naming ``what``. Whether the font draws every letter is the drawing job's
    check (it reads the font)."""
    if entry["image"] is not None:
        return
    try:
        check_text(entry["text"])
        if entry["font"] is not None:
            check_font_file(entry["font"])
    except SteelError as error:
        raise SteelError(f"{what}: {error}") from None
