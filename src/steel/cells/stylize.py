"""One run from files to files: read the logos, optimise every cell, write each cell's folder.

A cell folder holds ``stylized.png`` (and, with ``alpha=True``, ``stylized_alpha.png``: the same
logo with its ground transparent, :func:`steel.io.images.with_alpha`), ``losses.tsv`` (iteration,
total, content, style, tv, shape when that term is on, and each active layer's weighted style
loss), ``run.json`` (every setting that shaped the result) and, when asked
for, ``snapshots/`` and ``optimisation.gif``. They replace an earlier run's as one set
(:class:`steel.io.outputs.StagedFiles`), with its checkpoint and what a Ctrl-C kept of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import platform
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

from steel import DISTRIBUTION
from steel.cells.pair import StyleSource, blend_members, load_pair, style_path
from steel.errors import Interrupted, SteelError
from steel.io.hashes import file_sha256
from steel.io.images import to_pil, with_alpha
from steel.io.outputs import StagedFiles, write_gif, write_json, write_png, write_tsv
from steel.layers import cell_id, check_coefficients
from steel.plan.run_folder import (
    ALPHA,
    CHECKPOINT,
    GIF,
    INTERRUPTED,
    INTERRUPTED_LOSSES,
    INTERRUPTED_RECORD,
    LOSSES,
    RECORD,
    SNAPSHOT_SPOOL,
    STYLIZED,
    snapshot,
)
from steel.settings import DEFAULT_RUN_OPTIONS, RunOptions
from steel.transfer.devices import out_of_memory, resolve_device
from steel.transfer.optimise import stylize
from steel.transfer.weights import load_weights


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for key, package in (
        ("steel", DISTRIBUTION),
        *((name, name) for name in ("torch", "torchvision", "pillow", "numpy")),
    ):
        try:
            found[key] = version(package)
        except PackageNotFoundError:
            found[key] = "not installed"
    return found


def file_record(path: Path, image: torch.Tensor, staged: StagedFiles) -> dict:
    """A logo as run.json names it: read from ``path``, named as it will be once ``staged`` is
    committed (a drawn logo is staged with the run)."""
    return {
        "path": str(staged.final(path)),
        "sha256": file_sha256(path),
        "width": image.shape[3],
        "height": image.shape[2],
    }


def style_record(style: StyleSource, image, staged: StagedFiles, masks=()) -> dict:
    """The style as run.json names it: one file's record (:func:`file_record`), or a blend's
    ``{"blend": [record + weight, ...]}`` (weights normalised, members in the order given); a
    masked file's record with its ``mask`` (``masks``: each file's record of it, None: none)."""
    members = blend_members(style)
    files = [(style, 1.0)] if members is None else members
    images = image.images if len(files) > 1 or not isinstance(image, torch.Tensor) else (image,)
    records = []
    for i, ((file, weight), picture) in enumerate(zip(files, images, strict=True)):
        record = file_record(style_path(file), picture, staged)
        mask = masks[i] if i < len(masks) else None
        records.append(record | ({"mask": mask} if mask is not None else {}) | {"weight": weight})
    if members is None:
        records[0].pop("weight")
        return records[0]
    return {"blend": records}


def named_cells(
    cells: Sequence[Mapping[str, float]] | Mapping[str, Mapping[str, float]], out_dirs: Sequence[str | Path]
) -> tuple[list[str], list[dict[str, float]], list[Path]]:
    """(names, coefficients, folders) of a run's cells, each checked: ``cells`` as :func:`run` takes
    them, one folder each, no name or folder twice."""
    ids = list(cells) if isinstance(cells, Mapping) else None
    cells = [check_coefficients(c) for c in (cells.values() if isinstance(cells, Mapping) else cells)]
    if len(cells) != len(out_dirs):
        raise SteelError(f"{len(cells)} cells but {len(out_dirs)} output folders")
    # an empty cell is refused by the optimisers
    ids = ids if ids is not None else [cell_id(c) for c in cells if c]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise SteelError(f"cell {', '.join(twice)} is given more than once; give each cell once")
    folders = [Path(d).resolve() for d in out_dirs]
    if len(set(folders)) != len(folders):
        raise SteelError("two cells share an output folder; give each cell its own folder")
    return ids, cells, [Path(d) for d in out_dirs]


def run(
    style: StyleSource,
    content: str | Path,
    cells: Sequence[Mapping[str, float]] | Mapping[str, Mapping[str, float]],
    out_dirs: Sequence[str | Path],
    options: RunOptions = DEFAULT_RUN_OPTIONS,
    staged: StagedFiles | None = None,
) -> list[dict]:
    """Stylize ``content`` with ``style`` once per cell; write cell ``i`` to ``out_dirs[i]``.

    ``style``: an image file, or a blend of several, ``{file: weight}`` (each layer's Gram target
    the weighted mean of the files'; :data:`steel.cells.pair.StyleSource`).

    ``cells``: each cell's layer coefficients, named in ``run.json`` by
    :func:`steel.layers.cell_id`, or a mapping of names to them (the workflow's cell ids, which
    also name a loss of their own). ``options``: everything else that shapes the run
    (:class:`steel.settings.RunOptions`: its settings, weights, device, width, style width,
    inversion, ...). ``staged``: stage the files there, for the caller to commit with files of its
    own as one replacement (a style or content staged there is read now and recorded by its final
    name); by default they are committed here. Returns the ``run.json`` records.
    """
    started = time.perf_counter()
    ids, cells, out_dirs = named_cells(cells, out_dirs)
    settings = options.settings
    target = resolve_device(options.device)
    with memory_is_one_line(target, "loading the logos and the network"):
        pair = load_pair(style, content, options.width, options.style_width, options.invert)
        style_image, content_image, inverted = pair.style, pair.content, pair.inverted
        loaded = load_weights(options.weights)
    height, width_px = content_image.shape[2:]
    # the caller's set is committed by the caller, with files of its own; else one of ours, here
    with (
        memory_is_one_line(target, f"optimising {len(cells)} image(s) of {width_px}x{height} px"),
        StagedFiles() if staged is None else contextlib.nullcontext(staged) as staged,
    ):
        checkpoint = out_dirs[0] / CHECKPOINT if options.checkpoint_every else None
        if checkpoint:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
        # written as the run goes: a Ctrl-C keeps them there, under a name no finished run has
        spool = out_dirs[0] / SNAPSHOT_SPOOL if settings.snapshot_every else None
        try:
            result = stylize(
                loaded,
                style_image,
                content_image,
                cells,
                settings=settings,
                device=target,
                progress=options.progress,
                checkpoint=checkpoint,
                checkpoint_every=options.checkpoint_every,
                on_log=options.on_log,
                fast=options.fast,
                snapshots=spool,
            )
        except Interrupted as stop:
            _keep_interrupted(stop, out_dirs, ids, inverted["content"])
            raise
        per_step = result.seconds / max(result.steps_run, 1)
        images = result.images
        if inverted["content"]:  # back to the user's colour scheme
            images = 255.0 - images
        records = []
        for i, (cell, out) in enumerate(zip(cells, out_dirs, strict=True)):
            record = {
                "cell": ids[i],
                "layers": cell,
                "style": style_record(style, style_image, staged, pair.masks),
                "content": file_record(Path(content), content_image, staged),
                "weights": {
                    "spec": loaded.spec,
                    "sha256": loaded.sha256,
                    "convention": loaded.convention.name,
                },
                "settings": dataclasses.asdict(settings),
                "invert": inverted,
                "device": str(target),
                "step_mode": result.step_mode,
                "fast_path_fallback": result.fallback,
                "batch_size": len(cells),
                "batch": ids,  # the cells optimised together with this one
                "iterations_run": result.steps_run,
                "resumed_from": result.resumed_from,
                "optimise_seconds": round(result.seconds, 3),
                "seconds_per_iteration": round(per_step, 6),
                "wall_seconds": round(time.perf_counter() - started, 3),
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": versions(),
            }
            staged.stage(out / LOSSES, write_tsv(result.logs[i]))
            staged.stage(out / RECORD, write_json(record))
            if options.gif:  # one cell's frames at a time
                frames = [_users_colours(batch[i], inverted) for _, batch in result.snapshots]
                staged.stage(out / GIF, write_gif(frames))
            if options.alpha:
                staged.stage(out / ALPHA, write_png(with_alpha(to_pil(images[i]))))
            staged.stage(out / STYLIZED, write_png(images[i]))
            for name in (INTERRUPTED, INTERRUPTED_LOSSES, INTERRUPTED_RECORD):  # an earlier Ctrl-C's
                staged.remove(out / name)
            records.append(record)
        if result.snapshots is not None:  # one step's batch at a time, each cell's image in its folder
            for step, batch in result.snapshots:
                for i, out in enumerate(out_dirs):
                    staged.stage(out / snapshot(step), write_png(_users_colours(batch[i], inverted).float()))
            result.snapshots.remove()
        if checkpoint:
            staged.remove(checkpoint)
    return records


def _users_colours(frame: torch.Tensor, inverted: Mapping) -> torch.Tensor:
    """A snapshot in the user's colour scheme (an inverted run's inverted back)."""
    return 255 - frame if inverted["content"] else frame


@contextlib.contextmanager
def memory_is_one_line(device: torch.device, doing: str):
    """The allocator refusing memory, on any device and wherever in the run, as one line."""
    try:
        yield
    except (RuntimeError, MemoryError) as error:
        if not out_of_memory(error):
            raise
        raise SteelError(
            f"out of memory on {device} {doing}; use a smaller width, fewer cells per batch, or a "
            "device with more memory"
        ) from None


def _keep_interrupted(
    stop: Interrupted, out_dirs: Sequence[Path], ids: Sequence[str], inverted: bool
) -> None:
    """Ctrl-C: each cell's newest image as ``interrupted.png`` and a record of where it stopped, under
    names no finished run has: an earlier finished run in the folder stays as it was."""
    images = 255.0 - stop.images if inverted else stop.images
    with StagedFiles() as staged:
        for i, out in enumerate(out_dirs):
            record = {"cell": ids[i], "interrupted": {"step": stop.step, "of": stop.total}}
            staged.stage(out / INTERRUPTED_RECORD, write_json(record))
            if stop.logs[i]:
                staged.stage(out / INTERRUPTED_LOSSES, write_tsv(stop.logs[i]))
            else:  # an earlier Ctrl-C's would pass for this one's
                staged.remove(out / INTERRUPTED_LOSSES)
            staged.stage(out / INTERRUPTED, write_png(images[i]))
