"""One outline run from files to files: a style raster and a content as outlines, optimised per
cell, each cell's folder written as one set.

A cell folder holds ``stylized.svg`` (one ``<path>`` per glyph or source shape in the content's
ink colour, nothing else), ``stylized.png`` (that SVG drawn by resvg at the working width on the
content's ground colour), ``content.png`` (the content's outlines as they started, drawn the same
way: what the content loss and the metrics compare against), ``losses.tsv`` and ``run.json``;
with ``alpha``, ``stylized_alpha.png`` (the SVG drawn on a transparent ground); with snapshots,
``snapshots/`` (the outlines as drawn every ``snapshot_every`` steps) and, with ``gif``,
``optimisation.gif``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from steel.cells.pair import LoadedStyle, StyleSource, load_style
from steel.cells.stylize import memory_is_one_line, named_cells, style_record, versions
from steel.errors import SteelError
from steel.io.outputs import StagedFiles, write_gif, write_json, write_png, write_tsv
from steel.outline.optimise import OutlineResult, optimised_outlines
from steel.outline.raster import Outlines
from steel.outline.sources import ContentOutlines, outlines_of_raster, outlines_of_svg, outlines_of_text
from steel.outline.svg import svg_text
from steel.plan.run_folder import (
    ALPHA,
    DRAWN_CONTENT,
    GIF,
    LOSSES,
    RECORD,
    SNAPSHOT_SPOOL,
    STYLIZED,
    SVG,
    snapshot,
)
from steel.result_version import OUTLINE_VERSION
from steel.settings import BY_NAME, DEFAULT_RUN_OPTIONS, RunOptions, outline_problem
from steel.transfer.snapshots import Snapshots


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


def drawn(
    outlines: Outlines, content: ContentOutlines, item: int = 0, ground: bool = True
) -> tuple[str, object]:
    """(SVG text, PIL image): outline set ``item`` as the result's SVG (ink colour, no ground) and
    that SVG drawn by resvg at the canvas size on the content's ground colour (transparent without
    ``ground``)."""
    from steel.evaluate.vector import rendered

    svg = svg_text(outlines, content.size, hex_colour(content.ink), item)
    return svg, rendered(svg, content.size, hex_colour(content.ground) if ground else None)


def stylize_outline(
    style: StyleSource,
    content: str | Path | ContentOutlines,
    cells: Sequence[Mapping[str, float]] | Mapping[str, Mapping[str, float]],
    out_dirs: Sequence[str | Path],
    options: RunOptions = DEFAULT_RUN_OPTIONS,
    staged: StagedFiles | None = None,
) -> list[dict]:
    """Stylize ``content`` with the ``style`` raster (or a blend of rasters, as
    :func:`steel.cells.stylize.run` takes it) once per cell by moving the content's outlines,
    the cells optimised as one batch; write cell ``i``'s files to ``out_dirs[i]``.

    ``content``: outlines (:func:`content_outlines`, for a text) or an SVG or raster file, laid out
    at ``options.width``. ``cells`` as :func:`steel.cells.stylize.run` takes them. ``options``: as
    for the pixel method (:class:`steel.settings.RunOptions`); its ``outline`` holds the method's
    own settings, and the settings that outlines cannot honour are refused
    (:func:`steel.settings.outline_problem`). The style is read at the style width (none: the content's width)
    and inverted when its ground is dark, as the pixel method reads it. ``staged``: stage the
    files there for the caller to commit; by default they are committed here. Returns the
    ``run.json`` records."""
    from steel.transfer.devices import resolve_device
    from steel.transfer.weights import load_weights

    started = time.perf_counter()
    problem = outline_problem(options)
    if problem:
        raise SteelError(" ".join(problem))
    ids, cells, out_dirs = named_cells(cells, out_dirs)
    if not isinstance(content, ContentOutlines):
        content = content_outlines(content, width=options.width)
    target = resolve_device(options.device)
    with memory_is_one_line(target, "loading the style and the network"):
        read = load_style(style, content.size[0], options.style_width)
        loaded = load_weights(options.weights)
    settings = options.settings
    # written as the run goes, and gone with it: outline runs do not resume
    spool = Snapshots(out_dirs[0] / SNAPSHOT_SPOOL) if settings.snapshot_every else None
    try:
        with memory_is_one_line(target, f"optimising {len(cells)} outline set(s) on {content.size} px"):
            result = optimised_outlines(
                loaded,
                read.image,
                content.outlines,
                content.size,
                cells,
                ink_colour=content.ink,
                ground_colour=content.ground,
                settings=settings,
                options=options.outline,
                device=target,
                progress=options.progress,
                on_log=options.on_log,
                snapshots=spool,
            )
        with StagedFiles() if staged is None else contextlib.nullcontext(staged) as staged:
            records = [
                _write_cell(
                    out, i, ids, cell, style, read, content, result, loaded,
                    options, target, started, staged,
                )
                for i, (cell, out) in enumerate(zip(cells, out_dirs, strict=True))
            ]  # fmt: skip
            if spool is not None:  # one step's batch at a time, each cell's picture in its folder
                if options.gif:  # one cell's frames at a time
                    for i, out in enumerate(out_dirs):
                        staged.stage(out / GIF, write_gif([batch[i] for _, batch in spool]))
                for step, batch in spool:
                    for i, out in enumerate(out_dirs):
                        staged.stage(out / snapshot(step), write_png(batch[i].float()))
    finally:
        if spool is not None:
            spool.remove()
    return records


def _write_cell(
    out: Path, i: int, ids, cell, style, read: LoadedStyle, content: ContentOutlines,
    result: OutlineResult, loaded, options: RunOptions, device, started, staged: StagedFiles,
) -> dict:  # fmt: skip
    svg, image = drawn(result.outlines, content, i)
    _, start_image = drawn(result.start, content)
    record = {
        "method": "outline",
        "outline_version": OUTLINE_VERSION,
        "cell": ids[i],
        "layers": cell,
        "style": {
            **style_record(style, read.image, staged, read.masks),
            "inverted": read.inverted,
        },
        # the content loss and the metrics compare against the content as drawn from its outlines
        "content": {
            "source": content.source,
            "path": str(out / DRAWN_CONTENT),
            "width": content.size[0],
            "height": content.size[1],
            "ink": hex_colour(content.ink),
            "ground": hex_colour(content.ground),
        },
        "weights": {"spec": loaded.spec, "sha256": loaded.sha256, "convention": loaded.convention.name},
        "settings": dataclasses.asdict(options.settings),
        "outline": dataclasses.asdict(options.outline),
        "shapes": len(content.names),
        "contours": len(result.start.contours),
        "control_points": int(result.start.points.shape[-2]),
        "svg_bytes": len(svg.encode()),
        "device": str(device),
        "batch_size": len(result.logs),
        "batch": ids,
        "iterations_run": options.outline.iterations,
        "optimise_seconds": round(result.seconds, 3),
        "seconds_per_iteration": round(result.seconds_per_iteration, 6),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
    }
    staged.stage(out / SVG, lambda path: path.write_text(svg, encoding="utf-8"))
    staged.stage(out / DRAWN_CONTENT, write_png(start_image))
    staged.stage(out / LOSSES, write_tsv(result.logs[i]))
    staged.stage(out / RECORD, write_json(record))
    if options.alpha:
        staged.stage(out / ALPHA, write_png(drawn(result.outlines, content, i, ground=False)[1]))
    staged.stage(out / STYLIZED, write_png(image))
    return record
