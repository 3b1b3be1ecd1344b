"""Outlines written as SVG: one ``<path>`` per shape (glyph), filled by the non-zero rule as fonts
are, so that any SVG renderer draws what :func:`steel.outline.raster.coverage` draws."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from steel.outline.raster import CUBIC, LINE, QUADRATIC, Outlines

#: path command of each segment degree
_COMMANDS = {LINE: "L", QUADRATIC: "Q", CUBIC: "C"}


def path_data(outlines: Outlines, item: int = 0, digits: int = 2) -> dict[int, str]:
    """The ``d`` attribute of each shape of outline set ``item``, by shape number, coordinates
    rounded to ``digits`` decimals."""
    points = outlines.points.detach()
    points = (points if points.dim() == 2 else points[item]).cpu().tolist()
    degrees = outlines.degrees.tolist()
    controls = outlines.segment_points.tolist()
    shapes: dict[int, list[str]] = {}
    segment = 0
    for count, group in zip(outlines.contours.tolist(), outlines.groups.tolist(), strict=True):
        words = ["M", _xy(points[controls[segment][0]], digits)]
        for index in range(segment, segment + count):
            degree = degrees[index]
            if degree == LINE and index == segment + count - 1:
                break  # the close draws it
            words.append(_COMMANDS[degree])
            words += [_xy(points[p], digits) for p in controls[index][1 : degree + 1]]
        words.append("Z")
        shapes.setdefault(group, []).append(" ".join(words))
        segment += count
    return {group: " ".join(parts) for group, parts in shapes.items()}


def _xy(point: list[float], digits: int) -> str:
    return f"{_number(point[0], digits)} {_number(point[1], digits)}"


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def svg_text(outlines: Outlines, size: tuple[int, int], fill: str = "#000000", item: int = 0) -> str:
    """An SVG document ``size`` (width, height) px holding the shapes of outline set ``item`` as
    ``<path>`` elements filled with ``fill``, and nothing else (no background)."""
    width, height = size
    paths = "".join(
        f'<path fill={quoteattr(fill)} fill-rule="nonzero" d="{d}"/>'
        for d in path_data(outlines, item).values()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{paths}</svg>'
    )
