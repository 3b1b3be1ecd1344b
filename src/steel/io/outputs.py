"""Writing a run's files so that an interrupted or failed run leaves nothing that looks finished.

Every file is first written under a hidden temporary name in its final folder; only when all of a
run's files are written are they renamed into place, the image last. A set replaces the files it
names (and any it is told to remove) as a whole or not at all: if renaming fails part-way, Ctrl-C
included, the old files are put back, so an old image never sits next to new logs.
"""

from __future__ import annotations

import contextlib
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


def _hidden(path: Path, kind: str) -> Path:
    return path.with_name(f".{path.stem}.{kind}{os.getpid()}-{next(_SERIAL)}{path.suffix}")


class StagedFiles:
    """Collect files under temporary names; :meth:`commit` renames them all into place and removes
    the files :meth:`remove` names, as one replacement.

    Used as a context manager, anything staged is removed if the block raises. Staging one path
    twice is refused: the second file would silently replace the first.
    """

    def __init__(self):
        self._staged: list[tuple[Path, Path]] = []
        self._removed: list[Path] = []

    def stage(self, path: Path, write: Callable[[Path], None]) -> Path:
        """Write a file for ``path`` now, under a temporary name (returned: it can be read before
        the commit)."""
        path = Path(path)
        if path in self.paths():
            raise ValueError(f"{path} is staged twice")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _hidden(path, "partial")
        self._staged.append((tmp, path))  # before writing: a failed write is discarded too
        write(tmp)
        return tmp

    def remove(self, path: Path) -> None:
        """Remove ``path`` (if it exists) with the commit, as part of the replacement."""
        path = Path(path)
        if path not in self._removed:
            self._removed.append(path)

    def paths(self) -> list[Path]:
        """The final paths of the files staged so far."""
        return [path for _, path in self._staged]

    def final(self, path: Path) -> Path:
        """The name a staged temporary file will have once committed (any other path as it is)."""
        return next((final for tmp, final in self._staged if tmp == Path(path)), Path(path))

    def commit(self) -> None:
        kept: list[tuple[Path, Path]] = []  # (backup, path): an old file, put back if the commit fails
        placed: list[Path] = []
        try:
            for tmp, path in self._staged:
                kept += _keep(path, link=True)  # the old file stays in place until the new replaces it
                os.replace(tmp, path)
                placed.append(path)
            for path in self._removed:
                if path not in placed:
                    kept += _keep(path, link=False)
        except BaseException:
            _put_back(placed, kept)
            self.discard()
            raise
        for backup, _ in kept:
            backup.unlink(missing_ok=True)
        self._staged.clear()
        self._removed.clear()

    def discard(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        self._removed.clear()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.discard()


def _keep(path: Path, link: bool) -> list[tuple[Path, Path]]:
    """Keep ``path``'s file under a hidden backup name: a hard link beside it (``link``; where the
    file system has none, or not ``link``, the file itself is moved). A folder is never moved: a
    file cannot replace it, and removing one is not a file's replacement."""
    if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
        return []
    backup = _hidden(path, "old")
    try:
        if not link:
            raise OSError
        os.link(path, backup, follow_symlinks=False)
    except OSError:
        os.replace(path, backup)
    return [(backup, path)]


def _put_back(placed: list[Path], kept: list[tuple[Path, Path]]) -> None:
    """Undo a commit part-way: the new files out, the old ones back (as far as the disk lets us)."""
    restored = {path for _, path in kept}
    for path in placed:
        if path not in restored:
            with contextlib.suppress(OSError):
                path.unlink()
    for backup, path in kept:
        with contextlib.suppress(OSError):
            os.replace(backup, path)
            backup.unlink(missing_ok=True)  # a hard link of the file still in place: renaming did nothing


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
