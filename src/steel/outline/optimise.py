"""The Network of Steel loss on outlines: Adam moves a logo's control points, not its pixels.

Each step draws the outlines as soft coverage (:func:`steel.outline.raster.coverage`), paints it
in the content's ink colour on the content's ground colour, and feeds that image to the pixel
method's loss unchanged (:func:`steel.transfer.stages.target_loss`: the cell's Gram targets from
the style raster, the content loss against the content as drawn from its own outlines, the
``loss`` settings' normalisation and weights). The result is, by construction, the content's
shapes in one colour: no pixel off the outlines can take ink.

Two terms of its own keep the word a readable logo of the content's footprint. *Growth*: ink
beyond :attr:`OutlineOptions.reach` px of the content's own glyphs costs its distance beyond (the
pixel method's shape term, :func:`steel.transfer.losses.shape_weights`, which it replaces for
outlines). *Smoothness*: the *Laplacian* of each contour's control polygon (each control point
less the mean of its two neighbours) held near the content's; it lets a glyph move, grow and lean
as a whole but charges every local bend the style's Grams pull into it, so that a letter grows
spikes only where the style pays for them. Both are weighed against the loss at the start (a mean
squared bend of 1 px^2 costs :attr:`OutlineOptions.smoothness` times it; ink over the whole canvas
one px beyond the reach, :attr:`OutlineOptions.growth` times it), so one weight means the same
under every normalisation and cell.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from steel.errors import SteelError
from steel.layers import check_coefficients, ordered
from steel.outline.raster import Outlines, coverage
from steel.settings import DEFAULT_OUTLINE_OPTIONS, DEFAULT_SETTINGS, OutlineOptions, Settings
from steel.transfer.features import VGGFeatures
from steel.transfer.losses import luminance, shape_weights
from steel.transfer.progress import OnLog, ProgressBar, StepLog
from steel.transfer.snapshots import Snapshots
from steel.transfer.stages import network_targets, target_loss
from steel.transfer.styles import StyleBlend, as_blend
from steel.transfer.weights import Weights

#: losses.tsv's columns besides each active layer's weighted style loss
SUMMARY = ("total", "content", "style", "tv", "smoothness", "growth")


@dataclass
class OutlineResult:
    """What :func:`optimised_outlines` found, one outline set per cell (a batch of points)."""

    outlines: Outlines  # points (B, N, 2), detached, on the CPU
    start: Outlines  # the content's subdivided outlines the run started from
    size: tuple[int, int]  # (width, height) px
    logs: list[list[dict[str, float]]]  # per cell: losses.tsv's rows
    seconds: float = 0.0
    seconds_per_iteration: float = 0.0
    extra: dict = field(default_factory=dict)


def painted(ink: torch.Tensor, ink_colour: Sequence[float], ground_colour: Sequence[float]) -> torch.Tensor:
    """(B, 3, H, W) 0-255 image of coverage ``ink`` (B, 1, H, W): the ink colour over the ground."""
    ink_rgb = ink.new_tensor(ink_colour).view(1, 3, 1, 1)
    ground = ink.new_tensor(ground_colour).view(1, 3, 1, 1)
    return ground + ink * (ink_rgb - ground)


def contour_neighbours(outlines: Outlines) -> tuple[torch.Tensor, torch.Tensor]:
    """For every control point, the indices of its two neighbours along its contour's control
    polygon (a contour's points follow one another in ``points``, and it closes on itself)."""
    degrees = outlines.degrees.tolist()
    previous, following = [], []
    first = 0
    segment = 0
    for count in outlines.contours.tolist():
        length = sum(degrees[segment : segment + count])
        indices = list(range(first, first + length))
        previous += indices[-1:] + indices[:-1]
        following += indices[1:] + indices[:1]
        first += length
        segment += count
    return torch.tensor(previous), torch.tensor(following)


def polygon_laplacian(points: torch.Tensor, previous: torch.Tensor, following: torch.Tensor) -> torch.Tensor:
    """(..., N, 2): each control point less the mean of its neighbours."""
    return points - 0.5 * (points[..., previous, :] + points[..., following, :])


def optimised_outlines(
    weights: Weights,
    style: torch.Tensor | StyleBlend,
    content: Outlines,
    size: tuple[int, int],
    cells: Sequence[Mapping[str, float]],
    *,
    ink_colour: Sequence[float] = (0.0, 0.0, 0.0),
    ground_colour: Sequence[float] = (255.0, 255.0, 255.0),
    settings: Settings = DEFAULT_SETTINGS,
    options: OutlineOptions = DEFAULT_OUTLINE_OPTIONS,
    device: torch.device | str = "cpu",
    progress: bool | None = False,
    on_log: OnLog | None = None,
    snapshots: Snapshots | None = None,
) -> OutlineResult:
    """The content's outlines (pixels of a ``size`` (width, height) canvas) optimised under each
    cell's loss against the ``style`` raster (1, 3, H, W) 0-255 at the working width (or a blend of
    such rasters): one outline set per cell, optimised together as one batch (each gets exactly
    its own gradients).

    From ``settings`` the loss applies (``content_layer``, ``content_weight``, ``tv_weight``,
    ``normalise``, ``style_weight``; the growth term replaces the shape term) and ``colour`` (grey: the
    targets are grey logos), ``log_every`` (a row of the logs) and ``snapshot_every`` (the drawn
    batch into ``snapshots``, when given); the pixel optimiser's keys do not (``options`` replaces
    them). ``progress``: a bar (None: on a terminal only); ``on_log`` sees each logged step."""
    cells = [check_coefficients(c) for c in cells]
    if not cells or not all(cells):
        raise SteelError("give at least one cell with a layer and a coefficient")
    device = torch.device(device)
    width, height = size
    start = content.subdivided(options.subdivide).to(device)
    style_layers = ordered({name for c in cells for name in c})
    extractor = VGGFeatures(weights, [*style_layers, settings.content_layer]).to(device)
    with torch.no_grad():
        start_ink = coverage(start, height, width, softness=options.softness)
        drawn = painted(start_ink, ink_colour, ground_colour)
        # ink beyond the reach costs its distance: black on white whatever the content's colours
        footprint = shape_weights(painted(start_ink, (0.0, 0.0, 0.0), (255.0, 255.0, 255.0)), options.reach)
    settings = dataclasses.replace(settings, shape_weight=0.0)  # the growth term stands for it
    style = as_blend(style).map(lambda image: image.to(device).float())
    style_image, content_image = network_targets(style, drawn, settings)
    loss = target_loss(extractor, style_image, content_image, cells, settings).to(device)
    previous, following = contour_neighbours(start)
    previous, following = previous.to(device), following.to(device)
    start_laplacian = polygon_laplacian(start.points, previous, following)
    points = start.points[None].repeat(len(cells), 1, 1).clone().requires_grad_(True)
    optimizer = torch.optim.Adam([points], lr=options.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, options.iterations, options.lr_final)
    logs: list[list[dict[str, float]]] = [[] for _ in cells]
    scale = None  # the starting loss per cell: the smoothness term's unit
    last = options.iterations
    bar = ProgressBar(last, 0, progress)
    listeners = [bar, *([on_log] if on_log else [])]
    every = settings.snapshot_every
    began = time.perf_counter()
    try:
        for step in range(last + 1):
            outlines = start.with_points(points)
            ink = coverage(outlines, height, width, softness=options.softness)
            image = painted(ink, ink_colour, ground_colour)
            if snapshots is not None and every and (step % every == 0 or step == last):
                snapshots.add(step, image.detach().round().clamp(0, 255).to(torch.uint8).cpu())
            if settings.colour == "grey":
                image = luminance(image).expand(-1, 3, -1, -1)
            parts = loss(extractor(image), image)
            bend = (
                (polygon_laplacian(points, previous, following) - start_laplacian).square().sum(-1).mean(-1)
            )
            if scale is None:
                scale = parts["total"].detach().clamp(min=1e-12)
            growth = (ink * footprint).mean((1, 2, 3))
            parts["smoothness"], parts["growth"] = bend, growth
            parts["total"] = total = parts["total"] + scale * (
                options.smoothness * bend + options.growth * growth
            )
            if step % settings.log_every == 0 or step == last:
                event = StepLog(step, last, tuple(_record(logs, step, parts, cells)))
                for listener in listeners:
                    listener(event)
            if step == last:
                break  # the last row measures the result; no step after it
            optimizer.zero_grad(set_to_none=True)
            total.sum().backward()
            optimizer.step()
            schedule.step()
            bar.tick()
    finally:
        bar.close()
    seconds = time.perf_counter() - began
    return OutlineResult(
        start.with_points(points.detach().cpu()),
        start.to("cpu"),
        size,
        logs,
        seconds,
        seconds / options.iterations,
    )


def _record(logs, step: int, parts: Mapping[str, torch.Tensor], cells) -> list[dict[str, float]]:
    """Each cell's row of the logs at ``step``, appended to its log and returned."""
    values = {name: value.detach().float().cpu().tolist() for name, value in parts.items()}
    rows = []
    for b, log in enumerate(logs):
        row = {"iteration": step} | {
            name: values[name][b] for name in values if name in SUMMARY or name in cells[b]
        }
        if not all(math.isfinite(v) for v in row.values()):
            raise SteelError(
                f"the loss became {row['total']} at iteration {step}; lower outline.lr or the coefficients"
            )
        log.append(row)
        rows.append(row)
    return rows
