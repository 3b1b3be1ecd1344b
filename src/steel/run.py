"""One run from files to files: read the logos, optimise every cell, write each cell's folder.

A cell folder holds ``stylized.png`` (and, with ``alpha=True``, ``stylized_alpha.png``: the same
logo with its ground transparent, :func:`steel.io.images.with_alpha`), ``losses.tsv`` (iteration,
total, content, style, tv, shape when that term is on, and each active layer's weighted style
loss), ``run.json`` (every setting that shaped the result) and, when asked
for, ``snapshots/`` and ``optimisation.gif``.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

from steel import DISTRIBUTION
from steel.errors import Interrupted, SteelError
from steel.io.hashes import file_sha256
from steel.io.images import has_dark_background, load_image, parse_invert, should_invert, to_pil, with_alpha
from steel.io.outputs import StagedFiles, write_gif, write_json, write_png, write_tsv
from steel.plan.run_folder import ALPHA, CHECKPOINT, INTERRUPTED, INTERRUPTED_LOSSES, LOSSES, RECORD, STYLIZED
from steel.settings import BY_NAME, DEFAULT_SETTINGS, Settings
from steel.transfer.devices import resolve_device
from steel.transfer.layers import cell_id, check_coefficients
from steel.transfer.optimise import stylize
from steel.transfer.weights import load_weights


def _versions() -> dict[str, str]:
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


def _file_record(path: Path, image: torch.Tensor) -> dict:
    return {
        "path": str(path),
        "sha256": file_sha256(path),
        "width": image.shape[3],
        "height": image.shape[2],
    }


def run(
    style: str | Path,
    content: str | Path,
    cells: Sequence[Mapping[str, float]],
    out_dirs: Sequence[str | Path],
    *,
    settings: Settings = DEFAULT_SETTINGS,
    weights: str = BY_NAME["weights"].default,
    device: str = BY_NAME["device"].default,
    width: int | None = BY_NAME["width"].default,
    style_width: int | None = BY_NAME["style_width"].default,
    gif: bool = BY_NAME["gif"].default,
    checkpoint_every: int = BY_NAME["checkpoint_every"].default,
    progress: bool | None = BY_NAME["progress"].default,
    on_log: Callable[[int, list[dict[str, float]]], None] | None = None,
    fast: bool | None = BY_NAME["fast"].default,
    invert: str | bool = BY_NAME["invert"].default,
    alpha: bool = BY_NAME["alpha"].default,
    ids: Sequence[str] | None = None,
) -> list[dict]:
    """Stylize ``content`` with ``style`` once per cell; write cell ``i`` to ``out_dirs[i]``.

    ``width`` resizes the content (and, unless ``style_width`` is given, the style) keeping the
    aspect ratio; ``None`` keeps the files' sizes. ``on_log(step, rows)`` sees each logged row.
    ``fast``: replay each step as a CUDA graph (see :func:`steel.transfer.optimise.stylize`).
    ``invert``: light glyphs on a dark ground are optimised inverted (the method assumes dark glyphs
    on white) and the results inverted back: "auto" inverts an image whose border is dark, True the
    content always (the style still by its border), False nothing.
    ``alpha``: also write ``stylized_alpha.png``, the final result (after any inversion back) with
    its ground, the colour of its border, transparent.
    ``ids``: the cells' names in ``run.json`` (the workflow's cell ids, which also name a loss of
    their own); default their coefficients' :func:`steel.transfer.layers.cell_id`.
    Returns the ``run.json`` records.
    """
    started = time.perf_counter()
    cells = [check_coefficients(c) for c in cells]
    if len(cells) != len(out_dirs):
        raise SteelError(f"{len(cells)} cells but {len(out_dirs)} output folders")
    if ids is not None and len(ids) != len(cells):
        raise SteelError(f"{len(cells)} cells but {len(ids)} cell ids")
    # an empty cell is refused by stylize()
    ids = list(ids) if ids is not None else [cell_id(c) for c in cells if c]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise SteelError(f"cell {', '.join(twice)} is given more than once; give each cell once")
    folders = [Path(d).resolve() for d in out_dirs]
    if len(set(folders)) != len(folders):
        raise SteelError("two cells share an output folder; give each cell its own folder")
    if gif and not settings.snapshot_every:
        raise SteelError("an animated GIF needs snapshots: set snapshot_every (e.g. --snapshot-every 50)")
    out_dirs = [Path(d) for d in out_dirs]
    target = resolve_device(device)
    content_image = load_image(content, width, "content image")
    style_image = load_image(style, style_width or width, "style image")
    invert = parse_invert(invert)
    inverted = {
        "setting": invert,
        "content": should_invert(content_image, invert),
        "style": invert is not False and has_dark_background(style_image),
    }
    if inverted["content"]:
        content_image = 255.0 - content_image
    if inverted["style"]:
        style_image = 255.0 - style_image
    loaded = load_weights(weights)
    checkpoint = out_dirs[0] / CHECKPOINT if checkpoint_every else None
    if checkpoint:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = stylize(
            loaded,
            style_image,
            content_image,
            cells,
            settings=settings,
            device=target,
            progress=progress,
            checkpoint=checkpoint,
            checkpoint_every=checkpoint_every,
            on_log=on_log,
            fast=fast,
        )
    except Interrupted as stop:
        _keep_interrupted(stop, out_dirs, ids, inverted["content"])
        raise
    except torch.OutOfMemoryError:
        height, width_px = content_image.shape[2:]
        raise SteelError(
            f"out of memory on {target} optimising {len(cells)} image(s) of {width_px}x{height} px; "
            "use a smaller width, fewer cells per batch, or a device with more memory"
        ) from None
    per_step = result.seconds / max(result.steps_run, 1)
    images, snapshots = result.images, result.snapshots
    if inverted["content"]:  # back to the user's colour scheme
        images = 255.0 - images
        snapshots = [(step, 255 - frames) for step, frames in snapshots]
    records = []
    with StagedFiles() as staged:
        for i, (cell, out) in enumerate(zip(cells, out_dirs, strict=True)):
            record = {
                "cell": ids[i],
                "layers": cell,
                "style": _file_record(Path(style), style_image),
                "content": _file_record(Path(content), content_image),
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
                "versions": _versions(),
            }
            staged.stage(out / LOSSES, write_tsv(result.logs[i]))
            staged.stage(out / RECORD, write_json(record))
            frames = [frames[i] for _, frames in snapshots]
            for (step, _), frame in zip(snapshots, frames, strict=True):
                staged.stage(out / "snapshots" / f"step{step:06d}.png", write_png(frame.float()))
            if gif:
                staged.stage(out / "optimisation.gif", write_gif(frames))
            if alpha:
                staged.stage(out / ALPHA, write_png(with_alpha(to_pil(images[i]))))
            staged.stage(out / STYLIZED, write_png(images[i]))
            records.append(record)
    if checkpoint:
        checkpoint.unlink(missing_ok=True)
    for out in out_dirs:  # what an earlier Ctrl-C kept is stale now
        for name in (INTERRUPTED, INTERRUPTED_LOSSES):
            (out / name).unlink(missing_ok=True)
    return records


def _keep_interrupted(
    stop: Interrupted, out_dirs: Sequence[Path], ids: Sequence[str], inverted: bool
) -> None:
    """Ctrl-C: each cell's newest image as ``interrupted.png`` (a name no finished run has:
    ``stylized.png`` is never written) and a ``run.json`` that says where it stopped."""
    images = 255.0 - stop.images if inverted else stop.images
    with StagedFiles() as staged:
        for i, out in enumerate(out_dirs):
            record = {"cell": ids[i], "interrupted": {"step": stop.step, "of": stop.total}}
            staged.stage(out / RECORD, write_json(record))
            if stop.logs[i]:
                staged.stage(out / INTERRUPTED_LOSSES, write_tsv(stop.logs[i]))
            staged.stage(out / INTERRUPTED, write_png(images[i]))
