"""The command's output folder: it writes only files it made, and replaces its own as a whole.

``--out`` may be a folder of the user's. The command keeps a list of the files it wrote there
(:data:`steel.plan.run_folder.MANIFEST`, committed last with them). Before any work, a file in
``--out`` with one of the command's names that the list does not name is taken for the user's and
the run is refused; so is an input that the run would write over. A run's files then replace the
listed files of the run before as one set (:class:`steel.io.outputs.StagedFiles`): a failed or
interrupted rerun leaves the finished run as it was. While a run is under way the list also names
what it may leave behind (its checkpoints, what a Ctrl-C keeps), so that a rerun may resume from
them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from steel.errors import SteelError
from steel.io.outputs import StagedFiles, save_json, write_json
from steel.plan.run_folder import (
    CHECKPOINT,
    DRAWN_CONTENT,
    DRAWN_STYLE,
    INTERRUPTED,
    INTERRUPTED_LOSSES,
    INTERRUPTED_RECORD,
    MANIFEST,
    SNAPSHOTS,
    checkpoint_part,
    command_cell_names,
    spool_names,
)

#: the logos the command draws into ``out``
DRAWN = (DRAWN_STYLE, DRAWN_CONTENT)


def _read(out: Path) -> set[str]:
    """The files the list names (none where it is missing or unreadable: then nothing of the
    command's names in ``--out`` counts as the command's)."""
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return set()
    return {name for name in files if isinstance(name, str)} if isinstance(files, list) else set()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


class OutFolder:
    """The command's ``out`` with the folders of its cells (``out`` itself for one cell), the run's
    input files (``{flag: path or None}``) and the logos it draws (their names); an ``outline`` run
    draws its content in every cell's folder."""

    def __init__(
        self,
        out: Path,
        cell_dirs: Sequence[Path],
        inputs: Mapping[str, Path | None],
        drawn: Iterable[str] = (),
        outline: bool = False,
    ):
        self.out, self.cell_dirs = Path(out), [Path(d) for d in cell_dirs]
        self.inputs = {flag: Path(path) for flag, path in inputs.items() if path is not None}
        self.drawn = tuple(drawn)
        self.outline = outline
        self.listed = _read(self.out)

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def _names(self) -> list[Path]:
        """Every path the command may write into ``out`` (``snapshots`` a folder of them)."""
        cells = [
            d / name for d in self.cell_dirs for name in command_cell_names(len(self.cell_dirs), self.outline)
        ]
        return [*cells, *(self.out / name for name in dict.fromkeys((*DRAWN, *self.drawn)))]

    def check(self) -> None:
        """Refuse, before any work, a file of the user's where the command writes, and an input
        that this run would write over."""
        spools = spool_names(len(self.cell_dirs))
        for path in self._names():
            if path.name in spools and self._relative(path) in self.listed:
                found = []  # an unfinished run's snapshots, listed as the folder they are in
            elif path.name in (SNAPSHOTS, *spools) and path.is_dir() and not path.is_symlink():
                found = [p for p in path.rglob("*") if p.is_symlink() or not p.is_dir()]
            else:
                found = [path] if os.path.lexists(path) else []
            for file in found:
                if self._relative(file) not in self.listed:
                    raise SteelError(
                        f"{file} is in --out but was not written by steel (it may be yours), and a "
                        "run writes that name; choose another --out, or move it away"
                    )
        written = [
            p for p in self._names() if p.parent != self.out or p.name not in DRAWN or p.name in self.drawn
        ]
        for flag, given in self.inputs.items():
            if any(
                _same_file(given, path) or given.resolve().is_relative_to(path.resolve()) for path in written
            ):
                raise SteelError(
                    f"{flag} {given} is a file this run writes in --out; copy it out of --out first"
                )

    @contextlib.contextmanager
    def under_way(self):
        """While the run is under way, list what it may leave behind too; if it fails or is
        interrupted, list again only what is there."""
        self.listed |= {
            self._relative(d / name)
            for d in self.cell_dirs
            for name in (
                CHECKPOINT,
                *(checkpoint_part(CHECKPOINT, i) for i in range(len(self.cell_dirs))),
                INTERRUPTED,
                INTERRUPTED_LOSSES,
                INTERRUPTED_RECORD,
                *spool_names(len(self.cell_dirs)),
            )
        }
        save_json({"files": sorted(self.listed)}, self.out / MANIFEST)
        try:
            yield
        except BaseException:
            self.listed = {name for name in self.listed if os.path.lexists(self.out / name)}
            with contextlib.suppress(OSError):  # a full disk keeps the longer list: still ours
                if self.listed:
                    save_json({"files": sorted(self.listed)}, self.out / MANIFEST)
                else:
                    (self.out / MANIFEST).unlink(missing_ok=True)
            raise

    def commit(self, staged: StagedFiles, replace: bool = True) -> None:
        """Commit ``staged`` with the list, last, naming its files: with ``replace``, as the new run
        in place of the listed files (an input of this run stays), else beside them."""
        new = {self._relative(path) for path in staged.paths()}
        old = self.listed - new
        if replace:
            old = {name for name in old if any(_same_file(self.out / name, p) for p in self.inputs.values())}
            for name in self.listed - new - old:
                staged.remove(self.out / name)
        staged.stage(self.out / MANIFEST, write_json({"files": sorted(new | old)}))
        staged.commit()
        emptied = {folder for name in self.listed - new - old for folder in (self.out / name).parents}
        self.listed = new | old
        for folder in sorted(emptied, key=lambda f: len(f.parts), reverse=True):
            if folder.is_relative_to(self.out) and folder != self.out:
                with contextlib.suppress(OSError):  # a folder of an earlier run's snapshots or cell
                    folder.rmdir()
