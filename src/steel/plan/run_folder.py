"""The files of a cell's run folder, named once: the stylize job writes them, the rules list them as
outputs and as targets of ``all``, and every reader finds them here. Torch-free: planning imports it.
"""

from __future__ import annotations

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
#: the command's list of the files it wrote into its output folder (hidden: not a result); a file
#: there with one of the command's names that it does not list is the user's, never overwritten
MANIFEST = ".steel-run.json"


def snapshot(step: int) -> str:
    """A snapshot's path in a cell's folder."""
    return f"{SNAPSHOTS}/step{step:06d}.png"


def checkpoint_part(name: str, cell: int) -> str:
    """The checkpoint of one cell of an L-BFGS batch whose checkpoint is called ``name``."""
    return f"{name}.{cell}"


def command_cell_names(cells: int) -> tuple[str, ...]:
    """Every name the command may write into the folder of a cell of a batch of ``cells``, finished
    or not (``snapshots`` a folder of them)."""
    return (
        *stylize_files(alpha=True),
        SNAPSHOTS,
        GIF,
        CHECKPOINT,
        *(checkpoint_part(CHECKPOINT, i) for i in range(cells)),
        INTERRUPTED,
        INTERRUPTED_LOSSES,
        INTERRUPTED_RECORD,
        SVG,
        VECTOR_RECORD,
        VECTOR_PREVIEW,
    )


def stylize_files(alpha: bool) -> tuple[str, ...]:
    """What a finished stylize run writes into a cell's folder, in the order they are put in place
    (the image last, so that an image never sits beside the logs of another run)."""
    return (LOSSES, RECORD, *((ALPHA,) if alpha else ()), STYLIZED)


def cell_files(alpha: bool, vector: bool = False) -> tuple[str, ...]:
    """Every file of a finished cell in the workflow: the stylize run's, its metrics and (with
    ``vector``) its trace."""
    return (*stylize_files(alpha), METRICS, *((SVG, VECTOR_RECORD, VECTOR_PREVIEW) if vector else ()))
