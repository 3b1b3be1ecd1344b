"""Closed Bezier outlines drawn as soft coverage in torch, differentiably in every control point.

The record
----------
:class:`Outlines` holds what a font or an SVG path holds: control points in pixels (x right, y
down), each closed contour a run of segments (lines, quadratic and cubic Beziers), each segment
given by its start point and its inner control points; its end is the next segment's start, the
contour's first point for its last segment. Contours are grouped into shapes (a glyph, an SVG
``<path>``). A batch of outline sets with one structure holds points (B, N, 2).

The method
----------
A pixel's coverage is a ramp of its *signed distance* to the outline, 0.5 on the edge, 0 and 1 at
half of :data:`SOFTNESS` outside and inside: for a straight edge that is about the share of the
pixel's area that lies inside, i.e. anti-aliasing over one pixel, and its gradient moves the edge.
Distance alone cannot say inside from outside, and a glyph's counters (the holes of o, e, a) are
only holes by their contours' direction, so the sign comes from the *winding number* under the
non-zero rule (as fonts and SVG fill): a pixel is ink where the outline winds round its centre.
The winding is piecewise constant, so it carries no gradient and is counted without autograd.

Every segment is first degree-raised to a cubic (exact) and flattened into chords at parameters
``j / K`` (:func:`flattened`): the chords' ends are linear in the control points, so distances to
the chords are differentiable in them, exactly and cheaply; ``K`` is chosen per segment so that no
chord strays more than :data:`FLATNESS` px from its curve and none is longer than
:data:`PIECE_LENGTH` px. The distance that counts is to the *boundary* of the ink: where contours
overlap (touching letters, composite glyphs) an edge inside the other contour's ink is no edge,
so each chord is kept only if the winding is zero on one side of it and not on the other.

Culling
-------
Only pixels within half of :data:`SOFTNESS` of the boundary (the band) need a distance; all others
are 0 or 1 by their winding alone. The winding of every pixel is one pass over the chords: each
chord adds its direction (+1 or -1) at the first pixel right of where it crosses each pixel row it
spans, and a running sum from the right over each row gives every pixel's winding (a ray cast to
the right, for all pixels at once). Distances are taken only between each boundary chord and the
pixels of its own bounding box widened by the band, which is why chords are short: the pairs
grow with the outline's length, not with the image's area. Which chord is nearest to each band
pixel is decided without autograd; autograd then sees one distance per band pixel, so the
backward pass costs as little as the band is narrow.

Costs
-----
``benchmarks/outline_raster.py`` measures forward and backward of this rasteriser against VGG16's
forward and backward through conv4_3 of the same image (the paper's best layers), for a 10-letter
word in Inter Bold on the 2-core development CPU (shared, so only ratios mean much): at 256x64
the rasteriser costs about 0.01 of VGG16, at 512x128 about 0.01; an outline step (rasterise and
VGG16) costs about 1.0x a pixel step at 256 px wide.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import torch

from steel.settings import DEFAULT_OUTLINE_OPTIONS

#: segment degrees: a line, a quadratic Bezier (TrueType), a cubic Bezier (CFF, SVG)
LINE, QUADRATIC, CUBIC = 1, 2, 3
#: the largest distance, in pixels at the drawn scale, between a curve and the chords standing
#: for it: well under the half-pixel at which a thresholded pixel flips, so that the chords'
#: bias (they cut across convex curves) stays under a percent of a word's ink
FLATNESS = 0.02
#: the longest chord, in pixels at the drawn scale: a chord is compared with every pixel of its
#: bounding box, so a long diagonal edge is cut short to cost its length rather than its box's area
PIECE_LENGTH = 4.0
#: the most chords one segment is cut into, so that a segment thrown far off the canvas by an
#: optimisation cannot allocate without bound (its pixels outside the canvas cost nothing)
MAX_PIECES = 256
#: the width, in pixels, of the ramp of coverage across an edge (the ``outline_softness`` setting's
#: default)
SOFTNESS = DEFAULT_OUTLINE_OPTIONS.softness
#: how far, in pixels, from a chord's middle the winding on either side of it is taken
_SIDE_STEP = 1e-3

# Cubic control points of each degree's segment, from its start point, inner control points and
# end point (padded to four by repeating the end point): degree elevation, exact.
_TO_CUBIC = {
    LINE: [[1, 0, 0, 0], [2 / 3, 1 / 3, 0, 0], [1 / 3, 2 / 3, 0, 0], [0, 1, 0, 0]],
    QUADRATIC: [[1, 0, 0, 0], [1 / 3, 2 / 3, 0, 0], [0, 2 / 3, 1 / 3, 0], [0, 0, 1, 0]],
    CUBIC: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
}


@dataclass(frozen=True, eq=False)
class Outlines:
    """Closed outlines: ``points`` (N, 2) or, for a batch of B sets with one structure, (B, N, 2),
    in pixels (x right, y down); ``degrees`` (S,) the degree of each segment (:data:`LINE`,
    :data:`QUADRATIC`, :data:`CUBIC`), whose start point and ``degree - 1`` inner control points
    follow one another in ``points``; ``contours`` (C,) how many segments each closed contour has,
    in order; ``groups`` (C,) the shape (glyph, path) each contour belongs to."""

    points: torch.Tensor
    degrees: torch.Tensor
    contours: torch.Tensor
    groups: torch.Tensor

    def __post_init__(self):
        if self.points.dim() not in (2, 3) or self.points.shape[-1] != 2:
            raise ValueError(f"points must be (N, 2) or (B, N, 2), not {tuple(self.points.shape)}")
        if ((self.degrees < LINE) | (self.degrees > CUBIC)).any():
            raise ValueError("segment degrees must be 1, 2 or 3")
        if int(self.degrees.sum()) != self.points.shape[-2]:
            needed = int(self.degrees.sum())
            raise ValueError(f"{self.points.shape[-2]} points for segments that need {needed}")
        if (self.contours < 1).any() or int(self.contours.sum()) != len(self.degrees):
            raise ValueError("contours must count every segment once, at least one each")
        if self.groups.shape != self.contours.shape:
            raise ValueError("groups must name one shape per contour")

    @property
    def batch(self) -> int:
        """How many outline sets the points hold."""
        return 1 if self.points.dim() == 2 else self.points.shape[0]

    @functools.cached_property
    def segment_points(self) -> torch.Tensor:
        """(S, 4) indices into ``points`` of each segment's start, inner control points and end,
        the end repeated to fill four."""
        degrees = self.degrees.to(self.points.device)
        contours = self.contours.to(self.points.device)
        starts = torch.cumsum(degrees, 0) - degrees
        first = torch.cumsum(contours, 0) - contours  # each contour's first segment
        ends = starts.roll(-1)
        last = first + contours - 1
        ends[last] = starts[first]
        offsets = torch.arange(4, device=degrees.device)
        inner = starts[:, None] + offsets
        return torch.where(offsets < degrees[:, None], inner, ends[:, None])

    def with_points(self, points: torch.Tensor) -> Outlines:
        """The same structure with other points (e.g. the optimised ones, or a batch of them)."""
        return Outlines(points, self.degrees, self.contours, self.groups)

    def cubic_controls(self) -> torch.Tensor:
        """(..., S, 4, 2): every segment as a cubic Bezier's four control points (exact)."""
        elevation = self.points.new_tensor([_TO_CUBIC[d] for d in (LINE, QUADRATIC, CUBIC)])
        matrices = elevation[self.degrees.to(self.points.device) - 1]
        return torch.einsum("sij,...sjc->...sic", matrices, self.points[..., self.segment_points, :])

    def subdivided(self, parts: int) -> Outlines:
        """Every segment cut into ``parts`` segments of the same degree over equal parameter
        ranges: the same shape with more control points (more freedom to move)."""
        if parts < 1:
            raise ValueError(f"parts must be at least 1, not {parts}")
        if parts == 1:
            return self
        device = self.points.device
        degrees = self.degrees.to(device)
        splits = self.points.new_tensor([_split_matrix(d, parts) for d in (LINE, QUADRATIC, CUBIC)])
        controls = self.points[..., self.segment_points, :]
        pieces = torch.einsum("sij,...sjc->...sic", splits[degrees - 1], controls)
        rows = torch.arange(parts * CUBIC, device=device)
        kept = rows < parts * degrees[:, None]
        return Outlines(
            pieces[..., kept, :],
            degrees.repeat_interleave(parts),
            self.contours * parts,
            self.groups,
        )

    def to(self, device: torch.device | str) -> Outlines:
        return Outlines(
            self.points.to(device), self.degrees.to(device), self.contours.to(device), self.groups.to(device)
        )


@functools.cache
def _split_matrix(degree: int, parts: int) -> list[list[float]]:
    """(parts * 3, 4): the start point and inner control points of each of ``parts`` equal pieces
    of a segment of ``degree``, from its padded control points (zero rows past ``parts * degree``)."""
    rows = []
    for k in range(parts):
        u, v = k / parts, (k + 1) / parts
        for j in range(degree):
            row = _blossom(degree, [u] * (degree - j) + [v] * j)
            rows.append(row + [0.0] * (3 - degree))
    rows += [[0.0] * 4] * (parts * (3 - degree))
    return rows


def _blossom(degree: int, params: list[float]) -> list[float]:
    """The weights of a Bezier's control points in its blossom at ``params``: de Casteljau's
    scheme with one parameter per level (a sub-curve's control points are blossoms)."""
    weights = [[float(i == j) for j in range(degree + 1)] for i in range(degree + 1)]
    for t in params:
        weights = [[(1 - t) * a + t * b for a, b in zip(p, q, strict=True)] for p, q in pairwise(weights)]
    return weights[0]


def _items(outlines: Outlines | Sequence[Outlines]) -> list[Outlines]:
    return [outlines] if isinstance(outlines, Outlines) else list(outlines)


def flattened(
    outlines: Outlines | Sequence[Outlines], scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The chords standing for the outlines drawn at ``scale``: their start and end points
    (P, 2) each, differentiable in the control points, and the outline set each belongs to (P,)
    (outline sets numbered in order, a batched :class:`Outlines` counting B)."""
    controls, owners = [], []
    first = 0
    for item in _items(outlines):
        cubic = item.cubic_controls() * scale
        if cubic.dim() == 3:
            cubic = cubic[None]
        batch, segments = cubic.shape[:2]
        controls.append(cubic.reshape(batch * segments, 4, 2))
        owners.append(torch.arange(first, first + batch, device=cubic.device).repeat_interleave(segments))
        first += batch
    cubic = torch.cat(controls)
    owner = torch.cat(owners)
    with torch.no_grad():
        counts = _piece_counts(cubic)
    segment, step = _spread(counts)
    per = counts[segment].to(cubic.dtype)
    controls = cubic[segment]
    starts = _bernstein(step / per) @ controls
    ends = _bernstein((step + 1) / per) @ controls
    return starts.squeeze(1), ends.squeeze(1), owner[segment]


def _piece_counts(cubic: torch.Tensor) -> torch.Tensor:
    """How many chords each cubic is cut into: enough to keep within :data:`FLATNESS` of the curve
    (a chord of a parameter step h strays at most h^2 / 8 of the largest second derivative, which
    is 6 times the largest second difference of the control points) and short of
    :data:`PIECE_LENGTH` (the control polygon is at least as long as the curve)."""
    second = (cubic[:, :-2] - 2 * cubic[:, 1:-1] + cubic[:, 2:]).norm(dim=-1).amax(dim=1)
    for_flatness = torch.sqrt(0.75 * second / FLATNESS)
    polygon = (cubic[:, 1:] - cubic[:, :-1]).norm(dim=-1).sum(dim=1)
    for_length = polygon / PIECE_LENGTH
    counts = torch.maximum(for_flatness, for_length).nan_to_num(MAX_PIECES)
    return counts.ceil().clamp(1, MAX_PIECES).long()


def _bernstein(t: torch.Tensor) -> torch.Tensor:
    """(P, 1, 4): the cubic Bernstein weights at each ``t``."""
    s = 1 - t
    return torch.stack([s**3, 3 * s * s * t, 3 * s * t * t, t**3], dim=-1)[:, None, :]


def coverage(
    outlines: Outlines | Sequence[Outlines],
    height: int,
    width: int,
    scale: float = 1.0,
    softness: float = SOFTNESS,
) -> torch.Tensor:
    """(B, 1, height, width) ink coverage in [0, 1] of the outline sets (one image per set, a
    batched :class:`Outlines` giving B), their points multiplied by ``scale``, anti-aliased over
    ``softness`` px; differentiable in the points."""
    starts, ends, owner = flattened(outlines, scale)
    batch = sum(item.batch for item in _items(outlines))
    if not len(starts):
        return starts.new_zeros(batch, 1, height, width)
    reach = softness / 2
    with torch.no_grad():
        a, b = starts.detach(), ends.detach()
        winding = winding_numbers(a, b, owner, batch, height, width)
        inside = winding != 0
        edge = _boundary(a, b, owner, winding)
        band, nearest = _band(a[edge], b[edge], owner[edge], batch, height, width, reach)
        nearest = torch.nonzero(edge).squeeze(1)[nearest]
    image = inside.to(starts.dtype).flatten()
    if len(band):
        x = band % width
        y = (band // width) % height
        centres = torch.stack([x, y], dim=1).to(starts.dtype) + 0.5
        distance = _segment_distance(centres, starts[nearest], ends[nearest])
        signed = torch.where(image[band] > 0, distance, -distance)
        image = image.index_put((band,), (0.5 + signed / softness).clamp(0, 1))
    return image.view(batch, 1, height, width)


def _crossed(a: torch.Tensor, b: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Whether the chords cross the rows at ``y``, half-open (lower end in, upper end out), so a
    row through a vertex where two chords meet counts it once."""
    return (a[..., 1] <= y) != (b[..., 1] <= y)


def _crossing_x(a: torch.Tensor, b: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    rise = b[..., 1] - a[..., 1]
    rise = torch.where(rise == 0, torch.ones_like(rise), rise)
    return a[..., 0] + (y - a[..., 1]) * (b[..., 0] - a[..., 0]) / rise


def _direction(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b[..., 1] > a[..., 1], 1, -1)


def winding_numbers(
    a: torch.Tensor, b: torch.Tensor, owner: torch.Tensor, batch: int, height: int, width: int
) -> torch.Tensor:
    """(batch, height, width) winding numbers of the closed chains of chords ``a`` -> ``b`` round
    each pixel centre: every chord adds its direction at the first pixel right of its crossing of
    each pixel row, and a running sum from the right counts the crossings right of each pixel."""
    low = torch.minimum(a[:, 1], b[:, 1])
    high = torch.maximum(a[:, 1], b[:, 1])
    first = torch.ceil(low - 0.5).clamp(0, height).long()
    last = torch.ceil(high - 0.5).clamp(0, height).long()  # exclusive
    rows = (last - first).clamp(min=0)
    chord, row = _spread(rows)
    row = row + first[chord]
    centre = row.to(a.dtype) + 0.5
    at = _crossing_x(a[chord], b[chord], centre)
    column = torch.ceil(at - 0.5).clamp(0, width).long()
    marks = torch.zeros(batch * height * (width + 1), dtype=torch.long, device=a.device)
    marks.index_add_(0, (owner[chord] * height + row) * (width + 1) + column, _direction(a[chord], b[chord]))
    marks = marks.view(batch, height, width + 1)
    right = marks.flip(-1).cumsum(-1).flip(-1)
    return right[..., 1:]


def _boundary(a: torch.Tensor, b: torch.Tensor, owner: torch.Tensor, winding: torch.Tensor) -> torch.Tensor:
    """(P,) whether each chord separates ink from background (winding zero on one side only), not
    an edge lying inside another contour's ink. The two sides' windings differ by one, so a chord
    inside ink has a winding of two or more on one side: only chords within a pixel of a pixel
    centre wound twice (and those reaching off the canvas) are tested, by their sides' windings."""
    height, width = winding.shape[1:]
    deep = (winding.abs() >= 2).to(a.dtype)
    # summed-area table: how many deep pixel centres lie in any box, in one look-up per chord
    table = torch.nn.functional.pad(deep.cumsum(1).cumsum(2), (1, 0, 1, 0))
    low = torch.ceil(torch.minimum(a, b) - 1.5).long()
    high = torch.floor(torch.maximum(a, b) + 0.5).long()
    limit = torch.tensor([width - 1, height - 1], device=a.device)
    outside = ((low < 0) | (high > limit)).any(dim=1)
    low = low.clamp(min=0).minimum(limit)
    high = high.clamp(min=0).minimum(limit) + 1
    deep_near = (
        table[owner, high[:, 1], high[:, 0]]
        - table[owner, low[:, 1], high[:, 0]]
        - table[owner, high[:, 1], low[:, 0]]
        + table[owner, low[:, 1], low[:, 0]]
    ) > 0
    tested = torch.nonzero(deep_near | outside).squeeze(1)
    edge = torch.ones(len(a), dtype=torch.bool, device=a.device)
    if len(tested):
        ta, tb = a[tested].double(), b[tested].double()
        along = tb - ta
        normal = torch.stack([-along[:, 1], along[:, 0]], dim=1)
        normal = normal / normal.norm(dim=1, keepdim=True).clamp(min=1e-12)
        middle = (ta + tb) / 2
        sides = torch.cat([middle + _SIDE_STEP * normal, middle - _SIDE_STEP * normal])
        turns = _winding_at(sides, owner[tested].repeat(2), a.double(), b.double(), owner, height)
        left, right = turns.view(2, -1) != 0
        edge[tested] = left != right
    return edge


def _winding_at(
    points: torch.Tensor, at: torch.Tensor, a: torch.Tensor, b: torch.Tensor, owner: torch.Tensor, height: int
) -> torch.Tensor:
    """Winding numbers round arbitrary ``points`` of the outline sets ``at``: each point is tested
    against the chords that reach into its pixel row only (rows beyond the canvas lumped into one
    above and one below)."""
    rows = height + 2

    def bucket(y):
        return (torch.floor(y).clamp(-1, height) + 1).long()

    low = bucket(torch.minimum(a[:, 1], b[:, 1]))
    spans = bucket(torch.maximum(a[:, 1], b[:, 1])) - low + 1
    chord, row = _spread(spans)
    key = owner[chord] * rows + low[chord] + row
    order = torch.argsort(key)
    chord = chord[order]
    buckets = torch.bincount(key, minlength=int(at.max()) * rows + rows)
    offsets = torch.cumsum(buckets, 0) - buckets
    query = at * rows + bucket(points[:, 1])
    point, slot = _spread(buckets[query])
    candidate = chord[offsets[query[point]] + slot]
    ca, cb, y = a[candidate], b[candidate], points[point, 1]
    counted = _crossed(ca, cb, y) & (_crossing_x(ca, cb, y) > points[point, 0])
    turns = torch.zeros(len(points), dtype=torch.long, device=points.device)
    return turns.index_add_(0, point, counted * _direction(ca, cb))


def _spread(counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For items with ``counts``, each item's index repeated ``count`` times and the running
    number 0..count-1 within it: ragged pairs without padding."""
    item = torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)
    return item, torch.arange(len(item), device=counts.device) - (torch.cumsum(counts, 0) - counts)[item]


def _band(
    a: torch.Tensor, b: torch.Tensor, owner: torch.Tensor, batch: int, height: int, width: int, reach: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The pixels (flat indices into (batch, height, width)) whose centres lie within ``reach`` of
    a chord, and for each the nearest chord, comparing each chord with the pixels of its own
    bounding box widened by ``reach`` only."""
    low = torch.minimum(a, b) - reach - 0.5
    high = torch.maximum(a, b) + reach - 0.5
    limit = a.new_tensor([width - 1, height - 1])
    first = torch.ceil(low).clamp(min=0).long()
    last = torch.floor(high).minimum(limit).long()
    extent = (last - first + 1).clamp(min=0)
    pairs = extent[:, 0] * extent[:, 1]
    chord, local = _spread(pairs)
    across = extent[chord, 0]
    x = first[chord, 0] + local % across.clamp(min=1)
    y = first[chord, 1] + local // across.clamp(min=1)
    centres = torch.stack([x, y], dim=1).to(a.dtype) + 0.5
    distance = _segment_distance(centres, a[chord], b[chord])
    pixel = (owner[chord] * height + y) * width + x
    closest = torch.full((batch * height * width,), math.inf, dtype=a.dtype, device=a.device)
    closest.scatter_reduce_(0, pixel, distance, "amin")
    nearest = torch.full_like(closest, -1, dtype=torch.long)
    won = distance == closest[pixel]
    nearest[pixel[won]] = chord[won]
    band = torch.nonzero(closest < reach).squeeze(1)
    return band, nearest[band]


def _segment_distance(points: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    along = b - a
    length2 = (along * along).sum(dim=1).clamp(min=1e-12)
    t = (((points - a) * along).sum(dim=1) / length2).clamp(0, 1)
    offset = points - (a + t[:, None] * along)
    # clamped: the root's derivative at a pixel centre lying exactly on a chord is infinite
    return (offset * offset).sum(dim=1).clamp(min=1e-12).sqrt()
