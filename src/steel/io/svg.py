"""Reading an SVG logo safely: a logo is untrusted input (a designer's upload, a client's file).

resvg would follow an ``href`` or a CSS ``url()`` to any file of the machine (an absolute path, or
one relative to the working folder) and draw it into the result, or read ``/dev/zero`` until memory
runs out. So before anything is rasterised, the markup is scanned: only references inside the file
(``#id``) and embedded data (``data:`` URIs, themselves scanned when they hold markup, whatever
type they declare) are allowed; any other reference is refused in one line that names it. The size
the SVG declares is checked against the raster limit before resvg allocates it, a ``.svgz`` is
decompressed under a cap, and what resvg would spend on the document (nesting, elements, costly
filters) is checked against the limits below. resvg itself then draws in a child process
(:mod:`steel.io.svg_render`), where a crash, a hang or a runaway allocation is one line too.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import re
import stat
import urllib.parse
import warnings
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from steel.errors import SteelError

if TYPE_CHECKING:  # Pillow only where pixels are read: planning imports is_svg
    from collections.abc import Iterator

    from PIL import Image

#: file name endings read as SVG (rasterised by resvg, see :func:`read_svg`)
SVG_SUFFIXES = (".svg", ".svgz")
#: an SVG file, or a .svgz once decompressed, may hold at most this many bytes (a logo needs KBs)
MAX_SVG_BYTES = 16 * 2**20
#: embedded SVGs inside embedded SVGs: deeper nesting than this is refused
MAX_NESTING = 4
#: CSS units in px (CSS 2.1: 96 px to the inch; em and ex at resvg's default font size of 16 px)
UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
UNITS |= {"em": 16.0, "ex": 8.0}
#: resvg's size for an SVG that declares none
DEFAULT_SIZE = (100.0, 100.0)


# --- what resvg is given to draw: cheap limits checked before it runs (see docs/svg-logos.md) ---

#: elements nested deeper than this are refused: editors' exports nest groups a few tens deep, and
#: resvg recurses once per level (about 30 KB of stack each)
MAX_DEPTH = 100
#: more elements than this are refused: a detailed logo has a few thousand; 100,000 small shapes
#: take resvg about 2 s and 130 MB
MAX_ELEMENTS = 100_000
#: more filter primitives (``fe*`` elements) than this are refused: a logo's effects use a handful,
#: and each is at least one pass over the picture (up to 4 M pixels)
MAX_FILTER_PRIMITIVES = 100
#: feTurbulence's numOctaves above this is refused: each octave is another pass over the picture,
#: and past 8 the added noise (half as strong each time) changes no 8-bit pixel
MAX_OCTAVES = 10
#: a blur's stdDeviation above this (user units) is refused: it is wider than any logo's picture
#: (at most 4 M pixels), so it only flattens it, at a cost that grows with it in a kernel blur
MAX_BLUR = 1000
#: feMorphology's radius above this is refused: resvg visits (2r+1)^2 pixels for each pixel
#: (5: 0.6 s, 50: 73 s per million pixels), and a logo thickens strokes by a few px
MAX_MORPHOLOGY_RADIUS = 10
#: feConvolveMatrix's order above this is refused: order^2 taps per pixel (21: 6 s per million
#: pixels), and sharpening or embossing uses 3 or 5
MAX_CONVOLVE_ORDER = 9
#: the costly attributes of filter primitives, by primitive, with their limits
COSTLY_ATTRIBUTES = {
    "feTurbulence": {"numOctaves": MAX_OCTAVES},
    "feGaussianBlur": {"stdDeviation": MAX_BLUR},
    "feDropShadow": {"stdDeviation": MAX_BLUR},
    "feMorphology": {"radius": MAX_MORPHOLOGY_RADIUS},
    "feConvolveMatrix": {"order": MAX_CONVOLVE_ORDER},
}

# Every pattern below takes time linear in its input (tests/io/test_svg.py times each on 16 MB): a
# number's digits are taken possessively (``++``: never given back one by one to find another way
# to match), and no search is retried from each of many starts in a long text (see _css_urls).
_GZIP_MAGIC = b"\x1f\x8b"
_NUMBER = r"[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][+-]?+\d++)?+"
_NUMBERS = re.compile(_NUMBER)
_LENGTH = re.compile(rf"({_NUMBER})\s*+([a-z%]*+)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,]+")
_STYLESHEET = re.compile(rb"<\?xml-stylesheet", re.IGNORECASE)
_URL_START = re.compile(r"url\(\s*", re.IGNORECASE)
_URL_END = re.compile(r"\)")
#: a quoted url()'s end: the same quote, then ``)``
_URL_QUOTED_END = {quote: re.compile(rf"{quote}\s*\)") for quote in ("'", '"')}


def is_svg(path: str | Path) -> bool:
    """An SVG by its name (.svg, .svgz) or, whatever the name, by an XML/SVG start. Only a regular
    file is opened to look: opening a FIFO would wait for a writer, a device could block or have
    effects."""
    path = Path(path)
    if path.suffix.lower() in SVG_SUFFIXES:
        return True
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        # non-blocking, then checked again: the path may have been swapped since the stat
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        try:
            head = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        except OSError:
            return False
    return head.startswith((b"<svg", b"<?xml")) and b"<svg" in head


def svg_bytes(path: str | Path) -> bytes:
    """The markup of an SVG or .svgz file (a gzip stream is decompressed), at most
    :data:`MAX_SVG_BYTES`; more is a one-line :class:`SteelError` before it is all read."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SVG_BYTES + 1)
    except OSError as error:
        raise SteelError(f"cannot read SVG {path} ({error.strerror or error}); check the path") from None
    return _within_cap(_decompressed(data, path), path)


def _decompressed(data: bytes, where) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        return inflate.decompress(data, MAX_SVG_BYTES + 1)
    except zlib.error as error:
        raise SteelError(f"cannot read SVG {where} (broken gzip stream: {error}); save it again") from None


def _within_cap(data: bytes, where) -> bytes:
    if len(data) > MAX_SVG_BYTES:
        raise SteelError(
            f"SVG {where} holds more than {MAX_SVG_BYTES // 2**20} MB of markup; "
            "simplify it or export the logo as PNG"
        )
    return data


def parse_svg(data: bytes, where, *, prechecks: bool = True) -> ElementTree.Element:
    """The SVG's element tree, after refusing every reference that leaves the file (one line
    naming it) and, with ``prechecks``, a document over the limits on what resvg is given to draw
    (:data:`MAX_DEPTH`, :data:`MAX_ELEMENTS`, :data:`MAX_FILTER_PRIMITIVES`,
    :data:`COSTLY_ATTRIBUTES`; False only to test the child renderer on its own). Internal
    entities are expanded by the parser, so a reference hidden in one is seen; the parser refuses
    entity expansion bombs. Embedded SVGs are checked the same way."""
    return _checked(data, where, 0, prechecks)


def _checked(data: bytes, where, depth: int, prechecks: bool) -> ElementTree.Element:
    if depth > MAX_NESTING:
        raise SteelError(f"SVG {where} nests embedded SVGs more than {MAX_NESTING} deep; flatten it")
    if _STYLESHEET.search(data):
        raise SteelError(
            f"SVG {where} links a style sheet (<?xml-stylesheet?>); put its styles in the file instead"
        )
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise SteelError(f"cannot read SVG {where} ({error}); check that it is a valid SVG file") from None
    if prechecks:
        check_drawing_cost(root, where)
    for element in root.iter():
        for name, value in element.attrib.items():
            # an <a> link is not drawn: only resources are fetched
            if name.rsplit("}", 1)[-1] == "href" and _local(element.tag) != "a":
                _check_reference(value, where, depth, prechecks, f"<{_local(element.tag)} href>")
            _check_css(value, where, depth, prechecks, style_sheet=False)
        if _local(element.tag) == "style" and element.text:
            _check_css(element.text, where, depth, prechecks, style_sheet=True)
    return root


def check_drawing_cost(root: ElementTree.Element, where) -> None:
    """Refuse, in one line naming the limit, a document that nests deeper than :data:`MAX_DEPTH`,
    holds more than :data:`MAX_ELEMENTS` elements or :data:`MAX_FILTER_PRIMITIVES` filter
    primitives, or sets a :data:`COSTLY_ATTRIBUTES` value over its limit: cheap to count, and
    clearer than the renderer's own limits (:mod:`steel.io.svg_render`)."""
    elements = primitives = 0
    stack = [(root, 1)]  # not recursive: the document may nest deeper than Python recurses
    while stack:
        element, depth = stack.pop()
        elements += 1
        if depth > MAX_DEPTH:
            raise SteelError(
                f"SVG {where} nests elements more than {MAX_DEPTH} deep (too deeply nested to draw); "
                "flatten its groups or export the logo as PNG"
            )
        if elements > MAX_ELEMENTS:
            raise SteelError(
                f"SVG {where} has more than {MAX_ELEMENTS:,} elements; simplify it or export the logo as PNG"
            )
        name = _local(element.tag)
        if name == "filter":
            primitives += sum(_local(child.tag).startswith("fe") for child in element)
        if primitives > MAX_FILTER_PRIMITIVES:
            raise SteelError(
                f"SVG {where} has more than {MAX_FILTER_PRIMITIVES} filter primitives (fe* elements); "
                "simplify its effects or export the logo as PNG"
            )
        for attribute, limit in COSTLY_ATTRIBUTES.get(name, {}).items():
            value = element.get(attribute, "")
            # resvg reads one or two numbers here (more make the value invalid): a long list is
            # not read further
            numbers = itertools.islice(_NUMBERS.finditer(value), 2)
            if any(abs(float(number.group())) > limit for number in numbers):
                shown = value if len(value) <= 20 else value[:17] + "..."
                raise SteelError(
                    f'SVG {where} sets {name} {attribute}="{shown}", over the limit of {limit}; '
                    "lower it or export the logo as PNG"
                )
        stack.extend((child, depth + 1) for child in element)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _check_css(text: str, where, depth: int, prechecks: bool, style_sheet: bool) -> None:
    if "@import" in text.lower():
        raise SteelError(f"SVG {where} imports a style sheet (@import); put its styles in the file instead")
    if "\\" in text and (style_sheet or "url" in text.lower()):
        # CSS escapes can spell url( or a path past this scan
        raise SteelError(f"SVG {where} has CSS escapes (\\) in its styles; write them out plainly")
    for reference in _css_urls(text):
        _check_reference(reference, where, depth, prechecks, "url()")


def _css_urls(text: str) -> Iterator[str]:
    """The references of the CSS ``url(...)`` in ``text``: a quoted one up to its quote before
    ``)``, else up to the first ``)``. Linear in ``text``: the search for an end is not repeated
    for each later ``url(`` (one search for a closing ``)`` per ``url(`` of a long ``url(url(...``
    would make it quadratic)."""
    searched: dict[re.Pattern, tuple[int, re.Match | None]] = {}

    def end(pattern: re.Pattern, start: int) -> re.Match | None:
        # the first end at or after an earlier search's start is also the first at or after any
        # start up to it (and there is none after a search that found none)
        if pattern in searched:
            since, match = searched[pattern]
            if since <= start and (match is None or match.start() >= start):
                return match
        match = pattern.search(text, start)
        searched[pattern] = (start, match)
        return match

    position = 0
    while opening := _URL_START.search(text, position):
        inside = opening.end()
        quote = text[inside : inside + 1]
        closing = end(_URL_QUOTED_END[quote], inside + 1) if quote in _URL_QUOTED_END else None
        if closing is not None:
            yield text[inside + 1 : closing.start()]
        else:  # unquoted, or a quote never closed: up to the first ")"
            closing = end(_URL_END, inside)
            if closing is None:
                return
            yield text[inside : closing.start()]
        position = closing.end()


def _check_reference(reference: str, where, depth: int, prechecks: bool, kind: str) -> None:
    """Allow ``#id`` and ``data:``; refuse anything else (a file, a URL)."""
    reference = reference.strip()
    if reference.startswith("#") or reference == "":
        return
    if reference[:5].lower() == "data:":
        _check_embedded(reference, where, depth, prechecks)
        return
    shown = reference if len(reference) <= 80 else reference[:77] + "..."
    raise SteelError(
        f"SVG {where} refers to {shown!r} ({kind}); only embedded images (data: URIs) are drawn: "
        "embed the picture or remove the reference"
    )


def _check_embedded(uri: str, where, depth: int, prechecks: bool) -> None:
    """Embedded markup is scanned like the file, whatever type the URI declares (resvg draws a
    ``data:,`` or ``text/plain`` payload that is no raster it knows as an SVG); an embedded
    raster's declared size is checked (resvg decodes it whole)."""
    header, _, payload = uri[5:].partition(",")
    try:
        if header.lower().endswith(";base64"):
            # white space and other characters outside the alphabet are skipped
            data = base64.b64decode(urllib.parse.unquote(payload), validate=False)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except ValueError:
        return  # undecodable: resvg draws nothing for it
    data = _within_cap(_decompressed(data, where), where)
    # no raster format starts with "<", and an XML document (after a byte order mark and
    # white space) must
    if "svg" in header.lower() or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        _checked(data, f"{where} (an embedded SVG)", depth + 1, prechecks)
        return
    from PIL import Image, UnidentifiedImageError

    from steel.io.limits import check_file_pixels

    what = f"an image embedded in SVG {where}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as embedded:
                size = embedded.size
        except (Image.DecompressionBombError, ValueError) as error:
            # ValueError: a compressed text or colour-profile chunk that inflates past Pillow's cap
            raise SteelError(f"{what} is too large ({error}); embed a smaller picture") from None
        except (UnidentifiedImageError, OSError):
            return  # not a picture Pillow knows: resvg skips it too
    check_file_pixels(size, what)


def declared_size(root: ElementTree.Element) -> tuple[float, float]:
    """The (width, height) in px an SVG declares: its width and height attributes, where a
    percentage or a missing one is taken from the viewBox, as resvg does."""
    box = _view_box(root.get("viewBox"))
    sides = []
    for i, name in enumerate(("width", "height")):
        length = _length(root.get(name))
        if length is None or length[1] == "%":
            share = 1.0 if length is None else length[0] / 100
            sides.append(share * (box[i + 2] if box else DEFAULT_SIZE[i]))
        else:
            sides.append(length[0])
    return sides[0], sides[1]


def _view_box(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        # four numbers: a longer list is not read further (it may be megabytes long)
        parts = _SEPARATORS.split(text.strip(), maxsplit=4)
        box = tuple(float(part) for part in parts) if len(parts) == 4 else ()
    except ValueError:
        return None
    return box if len(box) == 4 and box[2] > 0 and box[3] > 0 else None


def _length(text: str | None) -> tuple[float, str] | None:
    match = _LENGTH.fullmatch((text or "").strip())
    if not match:
        return None
    unit = match.group(2).lower()
    if unit == "%":
        return float(match.group(1)), "%"
    if unit not in UNITS:
        return None
    return float(match.group(1)) * UNITS[unit], "px"


def raster_size(root: ElementTree.Element, width: int | None, where) -> tuple[int, int]:
    """The (width, height) resvg will allocate: ``width`` px wide with the declared aspect, or
    the declared size; refused in one line when it is empty, so elongated that no width makes a
    valid image (:func:`steel.io.limits.check_aspect`), or over the raster limit."""
    from steel.io.limits import check_aspect, check_pixels

    declared = declared_size(root)
    if not all(side > 0 and side < float("inf") for side in declared):
        raise SteelError(
            f"SVG {where} declares a size of {declared[0]:g} x {declared[1]:g}; give it a positive "
            "width and height or viewBox"
        )
    what = f"SVG {where} (declared {declared[0]:g} x {declared[1]:g})"
    check_aspect(declared, what)
    if width is None:
        size = (max(1, round(declared[0])), max(1, round(declared[1])))
    else:
        size = (width, max(1, round(width * declared[1] / declared[0])))
    check_pixels(size, what)
    return size


def read_svg(path: str | Path, width: int | None = None, *, prechecks: bool = True) -> Image.Image:
    """Rasterise an SVG with resvg at ``width`` px (aspect kept; the SVG's own size if None),
    transparency laid on white. A malformed file, a reference out of the file, a document over
    the limits on what resvg is given (``prechecks``, see :func:`parse_svg`) or a size over the
    raster limit is a one-line :class:`SteelError`, found before resvg runs; resvg runs in a child
    process (:func:`steel.io.svg_render.untrusted_png`), so a crash, a hang or a runaway allocation
    in it is one line too."""
    from PIL import Image, UnidentifiedImageError

    from steel.io.svg_render import untrusted_png

    path = Path(path)
    data = svg_bytes(path)
    root = parse_svg(data, path, prechecks=prechecks)
    raster_size(root, width, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SteelError(f"cannot read SVG {path} (not UTF-8 text); save it as UTF-8") from None
    # the checked markup itself, never the path: the file is read once, and resvg has no folder to
    # resolve a relative reference against
    png = untrusted_png(text, width, path)
    try:
        with Image.open(io.BytesIO(png)) as opened:
            image = opened.convert("RGBA")
    except (ValueError, OSError, UnidentifiedImageError) as error:
        why = " ".join(str(error).split()) or type(error).__name__
        raise SteelError(f"cannot read SVG {path} ({why}); check that it is a valid SVG file") from None
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")
