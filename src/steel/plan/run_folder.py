"""The files of a cell's run folder, named once: the stylize job writes them, the rules list them as
outputs and as targets of ``all``, and every reader finds them here. Torch-free: planning imports it.
"""

from __future__ import annotations

import json
from pathlib import Path

#: the stylized logo
STYLIZED = "stylized.png"
#: the same logo with its ground transparent (``image.alpha``, ``--alpha``)
ALPHA = "stylized_alpha.png"
#: the logged losses, a row every ``log_every`` steps
LOSSES = "losses.tsv"
#: every setting that shaped the result, with hashes and versions
RECORD = "run.json"
#: readability, artefacts and style strength of the result (the workflow's cell_metrics rule)
METRICS = "metrics.json"
#: the result traced as a vector logo (``vector.enabled``, ``--svg``), ground transparent
SVG = "stylized.svg"
#: how it was traced (mode, settings) and how the trace compares with the raster
VECTOR_RECORD = "vector.json"
#: the SVG drawn back on white at the raster's size: what the vector contact sheets show
VECTOR_PREVIEW = "vector_preview.png"
#: the images every ``snapshot_every`` steps, one file per step (:func:`snapshot`)
SNAPSHOTS = "snapshots"
#: the snapshots of a run under way, written as it goes (a batch's, in its first cell's folder):
#: never a finished run's name; a run resumed from a checkpoint goes on from them
SNAPSHOT_SPOOL = "snapshots.partial"
#: the snapshots as an animation (``--gif``)
GIF = "optimisation.gif"
#: a resumable state of an unfinished run (L-BFGS's cells, run one after the other, each have one
#: of their own: :func:`checkpoint_part`)
CHECKPOINT = "checkpoint.pt"
#: the newest image of a run stopped with Ctrl-C: never a finished run's name
INTERRUPTED = "interrupted.png"
#: the losses logged until then
INTERRUPTED_LOSSES = "losses.interrupted.tsv"
#: at which step it stopped: beside a finished run's files (a rerun stopped with Ctrl-C keeps them),
#: so never their record's name
INTERRUPTED_RECORD = "run.interrupted.json"
#: the logos the command draws from ``--style-text`` and ``--content-text``, in its output folder
DRAWN_STYLE = "style.png"
DRAWN_CONTENT = "content.png"


def drawn_style(position: int | None = None) -> str:
    """The name of a drawn style: :data:`DRAWN_STYLE`, or a blend's ``style-N.png`` (N its place
    among the blend's styles, from 1)."""
    return DRAWN_STYLE if position is None else f"style-{position}.png"


#: the command's list of the files it wrote into its output folder (hidden: not a result); a file
#: there with one of the command's names that it does not list is the user's, never overwritten
MANIFEST = ".steel-run.json"
#: the logs and the timing of the workflow's jobs in a cell's folder (the command writes none): the
#: stylize job's, the cell_metrics job's and the trace_vector job's
JOB_LOG = "log"
BENCHMARK = "benchmark.tsv"
METRICS_LOG = "metrics.log"
VECTOR_LOG = "vector.log"


def snapshot(step: int) -> str:
    """A snapshot's path in a cell's folder."""
    return f"{SNAPSHOTS}/step{step:06d}.png"


def checkpoint_part(name: str, cell: int) -> str:
    """The checkpoint of one cell of an L-BFGS batch whose checkpoint is called ``name``."""
    return f"{name}.{cell}"


def command_cell_names(cells: int, outline: bool = False) -> tuple[str, ...]:
    """Every name the command may write into the folder of a cell of a batch of ``cells``, finished
    or not (``snapshots`` a folder of them); an ``outline`` run's hold the content as drawn too."""
    return (
        *stylize_files(alpha=True),
        *((DRAWN_CONTENT,) if outline else ()),
        SNAPSHOTS,
        GIF,
        CHECKPOINT,
        *(checkpoint_part(CHECKPOINT, i) for i in range(cells)),
        *spool_names(cells),
        INTERRUPTED,
        INTERRUPTED_LOSSES,
        INTERRUPTED_RECORD,
        SVG,
        VECTOR_RECORD,
        VECTOR_PREVIEW,
    )


def spool_names(cells: int) -> tuple[str, ...]:
    """The snapshot folders of a run under way in a batch of ``cells`` (L-BFGS's cells, run one
    after the other, each have one of their own)."""
    return (SNAPSHOT_SPOOL, *(checkpoint_part(SNAPSHOT_SPOOL, i) for i in range(cells)))


def stylize_files(alpha: bool) -> tuple[str, ...]:
    """What a finished stylize run writes into a cell's folder, in the order they are put in place
    (the image last, so that an image never sits beside the logs of another run)."""
    return (LOSSES, RECORD, *((ALPHA,) if alpha else ()), STYLIZED)


def cell_files(alpha: bool, vector: bool = False) -> tuple[str, ...]:
    """Every file of a finished cell in the workflow: the stylize run's, its metrics and (with
    ``vector``) its trace."""
    return (*stylize_files(alpha), METRICS, *((SVG, VECTOR_RECORD, VECTOR_PREVIEW) if vector else ()))


#: the folder's records that the workflow makes again when they no longer parse as JSON objects (a
#: write cut short, a damaged disk): Snakemake has no trigger for a damaged output
RECORDS = (RECORD, METRICS, VECTOR_RECORD)
#: beside a record found damaged: a note that it was, stamped with the damaged file's mtime; the
#: record's maker takes its notes as inputs, so a new note remakes it and an old one reruns nothing
DAMAGE_NOTE = "{name}.damaged-{stamp}"
#: the log of the job that wrote the note
DAMAGE_LOG = "{name}.damage-{stamp}.log"


def damaged_record(note: str) -> str:
    """The name of the record that the damage note ``note`` (a name, :data:`DAMAGE_NOTE`) is about."""
    return note.rsplit(DAMAGE_NOTE.format(name="", stamp=""), 1)[0]


def is_damaged(path: str | Path) -> bool:
    """Whether a file exists but is not a JSON object (a missing file is not damaged: it is made)."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        return not isinstance(json.loads(path.read_bytes()), dict)
    except (OSError, ValueError, RecursionError):
        return True


def damage_notes(folder: str | Path, name: str) -> list[str]:
    """The paths of the damage notes of the record ``name`` in ``folder``: those written before, and a
    new one when the record is damaged now. Planning only reads: the note is a job's output."""
    folder = Path(folder)
    prefix = DAMAGE_NOTE.format(name=name, stamp="")
    try:
        notes = {
            entry.name
            for entry in folder.iterdir()
            if entry.name.startswith(prefix) and entry.name[len(prefix) :].isdigit()
        }
    except OSError:  # no folder yet
        notes = set()
    if is_damaged(folder / name):
        notes.add(DAMAGE_NOTE.format(name=name, stamp=(folder / name).stat().st_mtime_ns))
    return [str(folder / note) for note in sorted(notes)]
