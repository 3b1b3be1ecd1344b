"""A content logo as outlines: a text in a font, an SVG's filled shapes, or a raster traced once.

Every way in gives a :class:`ContentOutlines`: closed outlines in pixels of the working canvas,
the ink colour they are filled with and the ground colour under them, and what they came from
(run.json says so). An SVG is read by the project's safe reader (:func:`steel.io.svg.parse_svg`:
references out of the file and documents over the drawing limits are refused first); its
``<path>``, ``<rect>``, ``<circle>``, ``<ellipse>``, ``<polygon>`` and ``<polyline>`` elements
become outlines through fontTools' SVG path parser (arcs to cubics), under every ``transform`` of
them and their groups and the root's viewBox, as resvg places them. Outlines have one fill and no
stroke, so what they cannot say is refused in one line naming the element: a stroke, a gradient
or pattern fill, an image, text, a ``<use>``, a mask, clip path or filter, an even-odd fill, a
second ink colour.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from steel.errors import SteelError
from steel.outline.pen import OutlinePen
from steel.outline.raster import Outlines

BLACK = (0.0, 0.0, 0.0)
WHITE = (255.0, 255.0, 255.0)

#: elements drawn as outlines
_SHAPES = ("path", "rect", "circle", "ellipse", "polygon", "polyline")
#: elements that draw nothing and hold nothing drawn
_SILENT = ("title", "desc", "metadata")
#: elements passed through (their children are read)
_CONTAINERS = ("svg", "g")
#: attributes whose effect outlines cannot carry
_REFUSED_ATTRIBUTES = ("mask", "clip-path", "filter")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)")


@dataclass(frozen=True)
class ContentOutlines:
    """A content logo as outlines on a canvas ``size`` (width, height) px: one shape per glyph or
    SVG element, named in ``names``; filled with ``ink`` on ``ground`` (RGB 0-255); ``source``:
    how it was read (``text``, ``svg`` or ``traced``) and from what, for run.json."""

    outlines: Outlines
    size: tuple[int, int]
    names: tuple[str, ...]
    ink: tuple[float, float, float]
    ground: tuple[float, float, float]
    source: dict


def outlines_of_text(text: str, font: str | Path | None = None, width: int | None = None) -> ContentOutlines:
    """``text`` in ``font`` (default: the bundled Inter Bold) laid out as
    :func:`steel.io.logo_text.render_text` draws it at ``width`` px, black on white."""
    from steel.outline.glyphs import text_outlines

    placed = text_outlines(text, font, width)
    source = {"kind": "text", "text": text, "font": None if font is None else str(font)}
    return ContentOutlines(placed.outlines, placed.size, placed.glyphs, BLACK, WHITE, source)


def outlines_of_svg(path: str | Path, width: int | None = None) -> ContentOutlines:
    """The filled shapes of the SVG file at ``path``, drawn ``width`` px wide (aspect kept; the
    declared size if None), on white."""
    from steel.io.svg import parse_svg, svg_bytes

    path = Path(path)
    root = parse_svg(svg_bytes(path), path)
    return _svg_outlines(root, width, path, {"kind": "svg", "path": str(path)})


def outlines_of_svg_text(text: str, width: int | None, where) -> ContentOutlines:
    """As :func:`outlines_of_svg`, for markup (``where`` names it in errors)."""
    from steel.io.svg import parse_svg

    root = parse_svg(text.encode(), where)
    return _svg_outlines(root, width, where, {"kind": "svg", "path": str(where)})


def outlines_of_raster(path: str | Path, width: int | None = None) -> ContentOutlines:
    """A raster logo traced once in binary mode (as :mod:`steel.render.vector` traces results) at
    ``width`` px: its dark shapes (light ones on a dark ground) become outlines in the logo's ink
    colour (the median of its glyph cores' pixels) on its ground colour (its border's)."""
    import numpy as np
    from PIL import ImageOps

    from steel.io.images import background_colour, has_dark_background, read_logo
    from steel.render.vector import trace

    path = Path(path)
    image = read_logo(path, width, "content image")
    array = np.asarray(image.convert("RGB"), dtype=np.float64)
    dark_ground = has_dark_background(image)
    grey = image.convert("L")
    svg, mode = trace(ImageOps.invert(grey) if dark_ground else grey, mode="binary")
    ground = background_colour(array.astype(np.int16))
    # the ink: the pixels at least half as far from the ground as the furthest (the glyphs' cores,
    # not their anti-aliased edges, and no ground around them), their median colour
    distance = np.abs(array - ground).max(axis=2)
    if distance.max() < 32:
        raise SteelError(f"content image {path} has no glyphs to trace; give a logo with dark ink on light")
    ink = tuple(float(c) for c in np.median(array[distance >= 0.5 * distance.max()], axis=0))
    ground = tuple(float(c) for c in ground)
    traced = _svg_outlines(
        ElementTree.fromstring(svg), None, path, {"kind": "traced", "path": str(path), "trace": mode}
    )
    return ContentOutlines(traced.outlines, image.size, traced.names, ink, ground, traced.source)


def _svg_outlines(root: ElementTree.Element, width: int | None, where, source: dict) -> ContentOutlines:
    from steel.io.svg import raster_size

    size = raster_size(root, width, where)
    pen = OutlinePen()
    names: list[str] = []
    colours: list[tuple[str, str]] = []
    _walk(root, _root_transform(root, size), {"fill": "#000000"}, pen, names, colours, where)
    if not pen.contours:
        raise SteelError(f"SVG {where} fills no shape; give a logo drawn with filled paths")
    if len({_rgb(colour, where) for _, colour in colours}) > 1:
        found = ", ".join(f"{name} {colour}" for name, colour in colours[:4])
        raise SteelError(f"SVG {where} fills in more than one colour ({found}); outlines have one ink colour")
    ink = _rgb(colours[0][1], where)
    return ContentOutlines(pen.outlines(), size, tuple(names), ink, WHITE, source)


def _walk(element, matrix, inherited: dict, pen: OutlinePen, names: list, colours: list, where) -> None:
    tag = _local(element.tag)
    name = _element_name(element, tag)
    if tag in _SILENT or (tag == "defs" and not len(element)):
        return
    if tag not in _SHAPES + _CONTAINERS:
        raise SteelError(f"SVG {where}: {name} cannot become an outline; draw the logo with filled paths")
    attributes = _presentation(element)
    for refused in _REFUSED_ATTRIBUTES:
        if attributes.get(refused, "none") != "none":
            raise SteelError(f"SVG {where}: {name} has a {refused}; outlines cannot carry it")
    if attributes.get("display") == "none":
        return
    style = inherited | {k: v for k, v in attributes.items() if k in ("fill", "stroke", "fill-rule")}
    if "transform" in element.attrib and tag != "svg":
        matrix = _compose(matrix, _parse_transform(element.get("transform"), where, name))
    if tag in _CONTAINERS:
        for child in element:
            _walk(child, matrix, style, pen, names, colours, where)
        return
    if style.get("stroke", "none") not in ("none", "transparent"):
        raise SteelError(
            f"SVG {where}: {name} has a stroke; outlines are filled only (turn strokes into fills)"
        )
    fill = style.get("fill", "#000000").strip()
    if fill.startswith("url("):
        raise SteelError(
            f"SVG {where}: {name} fills with a gradient or pattern; outlines have one ink colour"
        )
    if fill in ("none", "transparent"):
        return
    if style.get("fill-rule", "nonzero") != "nonzero":
        raise SteelError(f"SVG {where}: {name} fills even-odd; outlines fill by the non-zero rule")
    data = _path_data(element, tag)
    if not data:
        return
    from fontTools.pens.transformPen import TransformPen
    from fontTools.svgLib.path import parse_path

    before = len(pen.contours)
    pen.group = len(names)
    try:
        parse_path(data, TransformPen(pen, matrix))
    except (ValueError, IndexError, AssertionError) as error:
        raise SteelError(f"SVG {where}: cannot read the outline of {name} ({error})") from None
    if len(pen.contours) > before:
        names.append(name)
        colours.append((name, fill))


def _path_data(element, tag: str) -> str:
    """The ``d`` of a shape element, as a path: a polyline is filled as a polygon."""
    if tag == "path":
        return element.get("d", "")
    from fontTools.svgLib.path.shapes import PathBuilder

    builder = PathBuilder()
    copy = ElementTree.Element("polygon" if tag == "polyline" else tag, element.attrib)
    copy.attrib.pop("transform", None)  # ours, composed with the groups': the builder reads only matrix()
    builder.add_path_from_element(copy)
    return " ".join(builder.paths)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _element_name(element, tag: str) -> str:
    identifier = element.get("id")
    return f"<{tag} id={identifier!r}>" if identifier else f"<{tag}>"


def _presentation(element) -> dict:
    """The element's presentation attributes, its ``style`` declarations winning."""
    found = {k: v.strip() for k, v in element.attrib.items()}
    for declaration in element.get("style", "").split(";"):
        key, colon, value = declaration.partition(":")
        if colon:
            found[key.strip()] = value.strip()
    return found


def _rgb(colour: str, where) -> tuple[float, float, float]:
    from PIL import ImageColor

    try:
        return tuple(float(c) for c in ImageColor.getrgb(colour)[:3])
    except ValueError:
        raise SteelError(f"SVG {where}: cannot read the fill colour {colour!r}; give #rrggbb") from None


# --- affine matrices (a, b, c, d, e, f) as SVG and fontTools write them: x' = a x + c y + e ---------


def _compose(outer: tuple, inner: tuple) -> tuple:
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def _parse_transform(text: str, where, name: str) -> tuple:
    matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for kind, arguments in _TRANSFORM.findall(text or ""):
        values = [float(v) for v in _NUMBER.findall(arguments)]
        matrix = _compose(matrix, _one_transform(kind, values, where, name))
    return matrix


def _one_transform(kind: str, v: list[float], where, name: str) -> tuple:
    counts = {
        "matrix": (6,),
        "translate": (1, 2),
        "scale": (1, 2),
        "rotate": (1, 3),
        "skewX": (1,),
        "skewY": (1,),
    }
    if len(v) not in counts[kind]:
        raise SteelError(f"SVG {where}: {name} has a {kind}() with {len(v)} numbers; check its transform")
    if kind == "matrix":
        return tuple(v)
    if kind == "translate":
        return (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
    if kind == "scale":
        return (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
    if kind == "rotate":
        angle = math.radians(v[0])
        cos, sin = math.cos(angle), math.sin(angle)
        turn = (cos, sin, -sin, cos, 0.0, 0.0)
        if len(v) == 3:  # about (cx, cy)
            cx, cy = v[1], v[2]
            return _compose(_compose((1, 0, 0, 1, cx, cy), turn), (1, 0, 0, 1, -cx, -cy))
        return turn
    tangent = math.tan(math.radians(v[0]))
    return (1.0, 0.0, tangent, 1.0, 0.0, 0.0) if kind == "skewX" else (1.0, tangent, 0.0, 1.0, 0.0, 0.0)


def _root_transform(root: ElementTree.Element, size: tuple[int, int]) -> tuple:
    """User units of the root to pixels of ``size``: its viewBox fitted as resvg fits it (the
    default ``xMidYMid meet``; ``none`` stretches), else its declared size scaled to ``size``."""
    from steel.io.svg import _view_box, declared_size

    box = _view_box(root.get("viewBox"))
    width, height = size
    if box is None:
        declared = declared_size(root)
        return (width / declared[0], 0.0, 0.0, height / declared[1], 0.0, 0.0)
    x, y, box_width, box_height = box
    sx, sy = width / box_width, height / box_height
    if root.get("preserveAspectRatio", "").strip().startswith("none"):
        return (sx, 0.0, 0.0, sy, -x * sx, -y * sy)
    scale = min(sx, sy)
    return (
        scale,
        0.0,
        0.0,
        scale,
        (width - box_width * scale) / 2 - x * scale,
        (height - box_height * scale) / 2 - y * scale,
    )
