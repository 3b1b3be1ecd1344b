"""A fontTools pen that collects closed outlines: glyphs drawn by fontTools, SVG paths parsed by
``fontTools.svgLib.path.parse_path``, or outlines drawn by hand, all become :class:`Outlines`."""

from __future__ import annotations

import torch
from fontTools.pens.basePen import BasePen

from steel.outline.raster import CUBIC, LINE, QUADRATIC, Outlines


class OutlinePen(BasePen):
    """Collects what is drawn on it as :class:`Outlines`: each segment's start point and inner
    control points, each contour closed back to its first point, in the shape numbered
    ``group`` when it was drawn. ``glyph_set``: where components are looked up (fonts)."""

    def __init__(self, glyph_set=None):
        super().__init__(glyph_set)
        self.points: list[tuple[float, float]] = []
        self.degrees: list[int] = []
        self.contours: list[int] = []
        self.groups: list[int] = []
        self.group = 0
        self._first = self._current = None
        self._segments = 0

    def _moveTo(self, point):
        self._first = self._current = point
        self._segments = 0

    def _add(self, degree: int, inner: list, end) -> None:
        self.points += [self._current, *inner]
        self.degrees.append(degree)
        self._segments += 1
        self._current = end

    def _lineTo(self, point):
        self._add(LINE, [], point)

    def _qCurveToOne(self, control, point):
        self._add(QUADRATIC, [control], point)

    def _curveToOne(self, first, second, point):
        self._add(CUBIC, [first, second], point)

    def _closePath(self):
        if self._segments and self._current != self._first:
            self._add(LINE, [], self._first)
        if self._segments:
            self.contours.append(self._segments)
            self.groups.append(self.group)
        self._segments = 0

    # a fill closes an open contour
    _endPath = _closePath

    def outlines(self) -> Outlines:
        """What was drawn so far, in float32."""
        return Outlines(
            torch.tensor(self.points, dtype=torch.float32).view(-1, 2),
            torch.tensor(self.degrees, dtype=torch.long),
            torch.tensor(self.contours, dtype=torch.long),
            torch.tensor(self.groups, dtype=torch.long),
        )
