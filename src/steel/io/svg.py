"""Reading an SVG logo safely: a logo is untrusted input (a designer's upload, a client's file).

resvg would follow an ``href`` or a CSS ``url()`` to any file of the machine (an absolute path, or
one relative to the working folder) and draw it into the result, or read ``/dev/zero`` until memory
runs out. So before anything is rasterised, the markup is scanned: only references inside the file
(``#id``) and embedded data (``data:`` URIs, themselves scanned when they hold an SVG) are allowed;
any other reference is refused in one line that names it. The size the SVG declares is checked
against the raster limit before resvg allocates it, and a ``.svgz`` is decompressed under a cap.
"""

from __future__ import annotations

import base64
import io
import re
import urllib.parse
import warnings
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from steel.errors import SteelError

if TYPE_CHECKING:  # Pillow only where pixels are read: planning imports is_svg
    from PIL import Image

#: file name endings read as SVG (rasterised by resvg, see :func:`read_svg`)
SVG_SUFFIXES = (".svg", ".svgz")
#: the bundled OFL fonts, offered to SVGs whose text names no installed font
FONT_DIR = Path(__file__).parents[1] / "fonts"
#: an SVG file, or a .svgz once decompressed, may hold at most this many bytes (a logo needs KBs)
MAX_SVG_BYTES = 16 * 2**20
#: embedded SVGs inside embedded SVGs: deeper nesting than this is refused
MAX_NESTING = 4
#: CSS units in px (CSS 2.1: 96 px to the inch; em and ex at resvg's default font size of 16 px)
UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
UNITS |= {"em": 16.0, "ex": 8.0}
#: resvg's size for an SVG that declares none
DEFAULT_SIZE = (100.0, 100.0)

_GZIP_MAGIC = b"\x1f\x8b"
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z%]*)\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,]+")


def is_svg(path: str | Path) -> bool:
    """An SVG by its name (.svg, .svgz) or, whatever the name, by an XML/SVG start."""
    path = Path(path)
    if path.suffix.lower() in SVG_SUFFIXES:
        return True
    try:
        with path.open("rb") as file:
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


def parse_svg(data: bytes, where) -> ElementTree.Element:
    """The SVG's element tree, after refusing every reference that leaves the file (one line
    naming it). Internal entities are expanded by the parser, so a reference hidden in one is
    seen; the parser refuses entity expansion bombs."""
    return _checked(data, where, depth=0)


def _checked(data: bytes, where, depth: int) -> ElementTree.Element:
    if depth > MAX_NESTING:
        raise SteelError(f"SVG {where} nests embedded SVGs more than {MAX_NESTING} deep; flatten it")
    if re.search(rb"<\?xml-stylesheet", data, re.IGNORECASE):
        raise SteelError(
            f"SVG {where} links a style sheet (<?xml-stylesheet?>); put its styles in the file instead"
        )
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise SteelError(f"cannot read SVG {where} ({error}); check that it is a valid SVG file") from None
    for element in root.iter():
        for name, value in element.attrib.items():
            # an <a> link is not drawn: only resources are fetched
            if name.rsplit("}", 1)[-1] == "href" and _local(element.tag) != "a":
                _check_reference(value, where, depth, f"<{_local(element.tag)} href>")
            _check_css(value, where, depth, style_sheet=False)
        if _local(element.tag) == "style" and element.text:
            _check_css(element.text, where, depth, style_sheet=True)
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _check_css(text: str, where, depth: int, style_sheet: bool) -> None:
    if "@import" in text.lower():
        raise SteelError(f"SVG {where} imports a style sheet (@import); put its styles in the file instead")
    if "\\" in text and (style_sheet or "url" in text.lower()):
        # CSS escapes can spell url( or a path past this scan
        raise SteelError(f"SVG {where} has CSS escapes (\\) in its styles; write them out plainly")
    for match in _URL.finditer(text):
        _check_reference(match.group(2).strip(), where, depth, "url()")


def _check_reference(reference: str, where, depth: int, kind: str) -> None:
    """Allow ``#id`` and ``data:``; refuse anything else (a file, a URL)."""
    reference = reference.strip()
    if reference.startswith("#") or reference == "":
        return
    if reference[:5].lower() == "data:":
        _check_embedded(reference, where, depth)
        return
    shown = reference if len(reference) <= 80 else reference[:77] + "..."
    raise SteelError(
        f"SVG {where} refers to {shown!r} ({kind}); only embedded images (data: URIs) are drawn: "
        "embed the picture or remove the reference"
    )


def _check_embedded(uri: str, where, depth: int) -> None:
    """An embedded SVG is scanned like the file; an embedded raster's declared size is checked
    (resvg decodes it whole)."""
    header, _, payload = uri[5:].partition(",")
    try:
        if header.lower().endswith(";base64"):
            data = base64.b64decode(re.sub(r"\s+", "", urllib.parse.unquote(payload)), validate=False)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except ValueError:
        return  # undecodable: resvg draws nothing for it
    data = _within_cap(_decompressed(data, where), where)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if "svg" in header.lower() or head.startswith((b"<svg", b"<?xml", b"<!")):
        _checked(data, f"{where} (an embedded SVG)", depth + 1)
        return
    from PIL import Image, UnidentifiedImageError

    from steel.io.images import check_file_pixels

    what = f"an image embedded in SVG {where}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as embedded:
                size = embedded.size
        except Image.DecompressionBombError as error:
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
        box = tuple(float(part) for part in _SEPARATORS.split(text.strip()))
    except ValueError:
        return None
    return box if len(box) == 4 and box[2] > 0 and box[3] > 0 else None


def _length(text: str | None) -> tuple[float, str] | None:
    match = _LENGTH.fullmatch(text or "")
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
    the declared size; refused in one line when it is empty or over the raster limit."""
    from steel.io.images import check_pixels

    declared = declared_size(root)
    if not all(side > 0 and side < float("inf") for side in declared):
        raise SteelError(
            f"SVG {where} declares a size of {declared[0]:g} x {declared[1]:g}; give it a positive "
            "width and height or viewBox"
        )
    if width is None:
        size = (max(1, round(declared[0])), max(1, round(declared[1])))
    else:
        size = (width, max(1, round(width * declared[1] / declared[0])))
    check_pixels(size, f"SVG {where} (declared {declared[0]:g} x {declared[1]:g})")
    return size


def read_svg(path: str | Path, width: int | None = None) -> Image.Image:
    """Rasterise an SVG with resvg at ``width`` px (aspect kept; the SVG's own size if None),
    transparency laid on white. A malformed file, a reference out of the file or a size over the
    raster limit is a one-line :class:`SteelError`, found before resvg runs."""
    import resvg_py
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    data = svg_bytes(path)
    root = parse_svg(data, path)
    raster_size(root, width, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SteelError(f"cannot read SVG {path} (not UTF-8 text); save it as UTF-8") from None
    try:
        # the checked markup itself, never the path: the file is read once, and resvg has no
        # folder to resolve a relative reference against
        png = resvg_py.svg_to_bytes(
            svg_string=text,
            width=width,
            background="#ffffff",
            font_dirs=[str(FONT_DIR)],
            sans_serif_family="Inter",
        )
        with Image.open(io.BytesIO(bytes(png))) as opened:
            image = opened.convert("RGBA")
    except (ValueError, OSError, UnidentifiedImageError) as error:
        why = " ".join(str(error).split()) or type(error).__name__
        raise SteelError(f"cannot read SVG {path} ({why}); check that it is a valid SVG file") from None
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")
