"""One outline run from files to files: a style raster and a content as outlines, optimised per
cell, each cell's folder written as one set.

A cell folder holds ``stylized.svg`` (one ``<path>`` per glyph or source shape in the content's
ink colour, nothing else), ``stylized.png`` (that SVG drawn by resvg at the working width on the
content's ground colour), ``content.png`` (the content's outlines as they started, drawn the same
way: what the content loss and the metrics compare against), ``losses.tsv`` and ``run.json``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import torch

from steel.cells.pair import load_style
from steel.errors import SteelError
from steel.io.outputs import StagedFiles, write_json, write_png, write_tsv
from steel.layers import cell_id, check_coefficients
from steel.outline.optimise import DEFAULT_OPTIONS, OutlineOptions, OutlineResult, optimised_outlines
from steel.outline.raster import Outlines
from steel.outline.sources import ContentOutlines, outlines_of_raster, outlines_of_svg, outlines_of_text
from steel.outline.svg import svg_text
from steel.plan.run_folder import DRAWN_CONTENT, LOSSES, RECORD, STYLIZED, SVG
from steel.settings import BY_NAME, DEFAULT_SETTINGS, Settings
from steel.transfer.weights import Weights

#: the run folder's files: the pixel method's names, the drawn content's as the command's
PNG, CONTENT = STYLIZED, DRAWN_CONTENT
#: the outline result's format: bump when the same settings would give other files
OUTLINE_VERSION = 1


def content_outlines(
    content: str | Path | None = None,
    *,
    text: str | None = None,
    font: str | Path | None = None,
    width: int | None = BY_NAME["width"].default,
) -> ContentOutlines:
    """The content as outlines at ``width`` px: ``text`` in ``font`` when given, else the file
    ``content``: an SVG's filled shapes, or a raster traced once in binary mode."""
    if (text is None) == (content is None):
        raise SteelError("give the content either as a file or as a text, not both or neither")
    if text is not None:
        return outlines_of_text(text, font, width)
    from steel.io.svg import is_svg

    return outlines_of_svg(content, width) if is_svg(content) else outlines_of_raster(content, width)


def hex_colour(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02x}" for c in rgb)


def drawn(outlines: Outlines, content: ContentOutlines, item: int = 0) -> tuple[str, object]:
    """(SVG text, PIL image): outline set ``item`` as the result's SVG (ink colour, no ground) and
    that SVG drawn by resvg at the canvas size on the content's ground colour."""
    from steel.evaluate.vector import rendered

    svg = svg_text(outlines, content.size, hex_colour(content.ink), item)
    return svg, rendered(svg, content.size, hex_colour(content.ground))


def stylize_outline(
    style: str | Path,
    content: ContentOutlines,
    cells: Sequence[Mapping[str, float]],
    out_dirs: Sequence[str | Path],
    *,
    settings: Settings = DEFAULT_SETTINGS,
    options: OutlineOptions = DEFAULT_OPTIONS,
    weights: str | Weights = BY_NAME["weights"].default,
    device: str = "cpu",
    style_width: int | None = None,
    ids: Sequence[str] | None = None,
    staged: StagedFiles | None = None,
) -> list[dict]:
    """Stylize ``content`` (:func:`content_outlines`) with the ``style`` raster once per cell,
    optimising the cells as one batch; write cell ``i``'s files to ``out_dirs[i]``. The style is
    read at ``style_width`` (none: the content's width) and inverted when its ground is dark, as
    the pixel method reads it. ``weights``: a spec (:func:`steel.transfer.weights.load_weights`)
    or weights already loaded. ``staged``: stage the files there for the caller to commit; by
    default they are committed here. Returns the ``run.json`` records."""
    from steel.transfer.devices import resolve_device
    from steel.transfer.weights import load_weights

    started = time.perf_counter()
    cells = [check_coefficients(c) for c in cells]
    if len(cells) != len(out_dirs):
        raise SteelError(f"{len(cells)} cells but {len(out_dirs)} output folders")
    ids = list(ids) if ids is not None else [cell_id(c) for c in cells if c]
    width = content.size[0]
    style_image, style_inverted = load_style(style, width, style_width)
    loaded = load_weights(weights) if isinstance(weights, str) else weights
    target = resolve_device(device)
    result = optimised_outlines(
        loaded,
        style_image,
        content.outlines,
        content.size,
        cells,
        ink_colour=content.ink,
        ground_colour=content.ground,
        settings=settings,
        options=options,
        device=target,
    )
    records = []
    own = staged is None
    staged = StagedFiles() if own else staged
    try:
        for i, (cell, out) in enumerate(zip(cells, map(Path, out_dirs), strict=True)):
            records.append(
                _write_cell(
                    out, i, ids[i], cell, style, style_image, style_inverted, content, result, loaded,
                    settings, options, target, started, staged,
                )
            )  # fmt: skip
        if own:
            staged.commit()
    except BaseException:
        if own:
            staged.discard()
        raise
    return records


def _write_cell(
    out, i, cell_name, cell, style, style_image, style_inverted, content, result: OutlineResult, loaded,
    settings, options, device, started, staged: StagedFiles,
) -> dict:  # fmt: skip
    svg, image = drawn(result.outlines, content, i)
    _, start_image = drawn(result.start, content)
    record = {
        "method": "outline",
        "outline_version": OUTLINE_VERSION,
        "cell": cell_name,
        "layers": cell,
        "style": {
            "path": str(style),
            "width": style_image.shape[3],
            "height": style_image.shape[2],
            "inverted": style_inverted,
        },
        # the content loss and the metrics compare against the content as drawn from its outlines
        "content": {
            **content.source,
            "path": str(out / CONTENT),
            "width": content.size[0],
            "height": content.size[1],
            "ink": hex_colour(content.ink),
            "ground": hex_colour(content.ground),
        },
        "weights": {"spec": loaded.spec, "sha256": loaded.sha256, "convention": loaded.convention.name},
        "settings": dataclasses.asdict(settings),
        "outline": dataclasses.asdict(options),
        "shapes": len(content.names),
        "contours": len(result.start.contours),
        "control_points": int(result.start.points.shape[-2]),
        "svg_bytes": len(svg.encode()),
        "device": str(device),
        "batch": len(result.logs),
        "iterations_run": options.iterations,
        "optimise_seconds": round(result.seconds, 3),
        "seconds_per_iteration": round(result.seconds_per_iteration, 6),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "torch": torch.__version__,
    }
    staged.stage(out / SVG, lambda path: path.write_text(svg, encoding="utf-8"))
    staged.stage(out / PNG, write_png(image))
    staged.stage(out / CONTENT, write_png(start_image))
    staged.stage(out / LOSSES, write_tsv(result.logs[i]))
    staged.stage(out / RECORD, write_json(record))
    return record
