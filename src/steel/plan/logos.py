"""A logo entry checked while the workflow plans: its image file, or the word it draws and that
its font file is a font by its header (the drawing job reads the font itself)."""

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


def check_input_file(path: str | Path, what: str, fix: str) -> Path:
    """A file the workflow reads: a regular file that exists (never opened here: a FIFO or a device
    would block planning), whose name has no ``{`` or ``}`` (Snakemake fills those in as wildcards,
    so the job would read another file, or none). Else one line naming ``what`` and ending in ``fix``."""
    path = Path(path).expanduser()
    if "{" in str(path) or "}" in str(path):
        raise SteelError(
            f"{what} {path} has {{ or }} in its path, which the workflow reads as a wildcard; rename it"
        )
    if not path.exists():
        raise SteelError(f"{what} {path} does not exist; {fix}")
    if not path.is_file():
        raise SteelError(f"{what} {path} is not a regular file (a folder, pipe or device); {fix}")
    return path


def check_font_file(font: str | Path) -> Path:
    """A font file that exists and starts like one (:data:`FONT_MAGIC`), else one line."""
    path = check_input_file(font, "font", "give a .ttf or .otf file")
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
    """Check a style or content entry (:func:`steel.plan.sweeps.logo_entry`): its image file
    (:func:`check_input_file`), or, for one that draws a word, the text (:func:`check_text`) and the
    font file's header (:func:`check_font_file`). Raises a one-line :class:`SteelError` naming
    ``what``. Whether the font draws every letter is the drawing job's check (it reads the font)."""
    if entry["image"] is not None:
        check_input_file(entry["image"], f"{what}: image", "check the path (relative to the working folder)")
        return
    try:
        check_text(entry["text"])
        if entry["font"] is not None:
            check_font_file(entry["font"])
    except SteelError as error:
        raise SteelError(f"{what}: {error}") from None
