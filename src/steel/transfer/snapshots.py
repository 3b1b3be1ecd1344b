"""A run's snapshots, written to a folder as the run goes instead of kept in memory: one file per
snapshot step holding the images of the whole batch (8-bit, (B, 3, H, W)). A long run with a
snapshot every step then holds one snapshot in memory at a time, and a checkpoint need not carry
them: they are on disk, in a folder whose name no finished run has, until the run's caller puts
them where they belong."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from steel.io.outputs import StagedFiles

_SUFFIX = ".pt"


def _step_of(path: Path) -> int | None:
    digits = path.name.removeprefix("step").removesuffix(_SUFFIX)
    return (
        int(digits) if path.name.startswith("step") and path.suffix == _SUFFIX and digits.isdigit() else None
    )


class Snapshots:
    """The snapshots of one run in ``folder`` (None: a temporary folder, removed with this object)."""

    def __init__(self, folder: Path | None = None):
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="steel-snapshots-"))
            weakref.finalize(self, shutil.rmtree, folder, True)
        self.folder = Path(folder)

    def add(self, step: int, images: torch.Tensor) -> None:
        """Write the batch's images at ``step`` (whole or not at all: a file is complete once named)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with StagedFiles() as staged:
            staged.stage(self.folder / f"step{step:06d}{_SUFFIX}", lambda tmp: torch.save(images, tmp))

    def steps(self) -> list[int]:
        """The steps written, in order."""
        if not self.folder.is_dir():
            return []
        return sorted(s for s in map(_step_of, self.folder.iterdir()) if s is not None)

    def images(self, step: int) -> torch.Tensor:
        return torch.load(self.folder / f"step{step:06d}{_SUFFIX}", weights_only=True)

    def __iter__(self) -> Iterator[tuple[int, torch.Tensor]]:
        """(step, images) one at a time, read as they are asked for."""
        for step in self.steps():
            yield step, self.images(step)

    def __len__(self) -> int:
        return len(self.steps())

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor]:
        step = self.steps()[index]
        return step, self.images(step)

    def keep_until(self, step: int) -> None:
        """Forget the snapshots after ``step`` (a run resumed from there takes them again)."""
        for later in self.steps():
            if later > step:
                (self.folder / f"step{later:06d}{_SUFFIX}").unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class JoinedSnapshots:
    """The snapshots of runs of one cell each (L-BFGS's cells, run one after the other) as those of
    one batch."""

    def __init__(self, parts: Sequence[Snapshots]):
        self.parts = list(parts)

    def steps(self) -> list[int]:
        return self.parts[0].steps()

    def __iter__(self) -> Iterator[tuple[int, torch.Tensor]]:
        for step in self.steps():
            yield step, torch.cat([part.images(step) for part in self.parts])

    def __len__(self) -> int:
        return len(self.steps())

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor]:
        step = self.steps()[index]
        return step, torch.cat([part.images(step) for part in self.parts])

    def remove(self) -> None:
        for part in self.parts:
            part.remove()
