"""Writing a run's files so that an interrupted or failed run leaves nothing that looks finished.

Every file is first written under a hidden temporary name in its final folder; only when all of a
run's files are written are they renamed into place, the image last. If renaming fails part-way,
none of the set is left in place (neither the new files nor stale ones of the same names), so an
old image never sits next to new logs.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from steel.io.images import to_pil

if TYPE_CHECKING:
    import torch

#: makes temporary names unique within a process (the pid makes them unique between processes)
_SERIAL = itertools.count()


class StagedFiles:
    """Collect files under temporary names; :meth:`commit` renames them all into place.

    Used as a context manager, anything staged is removed if the block raises. Staging one path
    twice is refused: the second file would silently replace the first.
    """

    def __init__(self):
        self._staged: list[tuple[Path, Path]] = []

    def stage(self, path: Path, write: Callable[[Path], None]) -> None:
        path = Path(path)
        if any(path == final for _, final in self._staged):
            raise ValueError(f"{path} is staged twice")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.partial{os.getpid()}-{next(_SERIAL)}{path.suffix}")
        self._staged.append((tmp, path))  # before writing: a failed write is discarded too
        write(tmp)

    def commit(self) -> None:
        done = 0
        try:
            for tmp, path in self._staged:
                os.replace(tmp, path)
                done += 1
        except BaseException:
            if done:  # a mixed set of new and old files: remove all of it
                for _, path in self._staged:
                    path.unlink(missing_ok=True)
            self.discard()
            raise
        self._staged.clear()

    def discard(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_png(image: Image.Image | torch.Tensor) -> Callable[[Path], None]:
    pil = image if isinstance(image, Image.Image) else to_pil(image)
    return lambda path: pil.save(path, format="PNG")


def write_json(data) -> Callable[[Path], None]:
    return lambda path: path.write_text(
        json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_table(rows: Sequence[dict], columns: Sequence[str] | None = None) -> Callable[[Path], None]:
    """Rows as a UTF-8 TSV; columns: ``columns``, else the union of the rows' keys in first-seen
    order (missing and ``None`` = empty)."""

    def write(path: Path) -> None:
        names = list(columns) if columns is not None else list(dict.fromkeys(k for row in rows for k in row))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, names, delimiter="\t", lineterminator="\n", restval="")
            writer.writeheader()
            writer.writerows(rows)

    return write


def write_tsv(rows: Sequence[dict[str, float]]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: (v if k == "iteration" else f"{v:.6g}") for k, v in row.items()})

    return write


def write_gif(frames: Sequence[torch.Tensor], seconds_per_frame: float = 0.1) -> Callable[[Path], None]:
    """Animated GIF of (3, H, W) uint8 frames, looping, the last frame held a little longer."""
    import imageio.v3 as iio  # imports torch-free, but slow: only when a GIF is written

    arrays = [np.ascontiguousarray(f.permute(1, 2, 0).numpy()) for f in frames]
    durations = [seconds_per_frame * 1000] * (len(arrays) - 1) + [1500]
    return lambda path: iio.imwrite(path, arrays, extension=".gif", duration=durations, loop=0)


def read_losses(path: str | Path) -> dict[str, np.ndarray]:
    """Read a ``losses.tsv`` back as columns."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]} if rows else {}


def _typed(text: str):
    """A TSV field back as a number where it is one (empty = None)."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_table(path: str | Path) -> list[dict]:
    """A metrics TSV (UTF-8) back as rows, numbers as floats and empty fields as ``None``."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: _typed(v) for k, v in row.items()} for row in csv.DictReader(handle, delimiter="\t")]


def save_json(data, path: str | Path) -> None:
    """``data`` as JSON at ``path``, atomically."""
    with StagedFiles() as staged:
        staged.stage(Path(path), write_json(data))


def save_png(image: Image.Image | torch.Tensor, path: str | Path) -> None:
    """``image`` as PNG at ``path``, atomically."""
    with StagedFiles() as staged:
        staged.stage(Path(path), write_png(image))


def read_json(path: str | Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
