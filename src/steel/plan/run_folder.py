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
#: a resumable state of an unfinished run
CHECKPOINT = "checkpoint.pt"
#: the newest image of a run stopped with Ctrl-C (its run.json says at which step): never a
#: finished run's name
INTERRUPTED = "interrupted.png"
#: the losses logged until then
INTERRUPTED_LOSSES = "losses.interrupted.tsv"


def stylize_files(alpha: bool) -> tuple[str, ...]:
    """What a finished stylize run writes into a cell's folder, in the order they are put in place
    (the image last, so that an image never sits beside the logs of another run)."""
    return (LOSSES, RECORD, *((ALPHA,) if alpha else ()), STYLIZED)


def cell_files(alpha: bool, vector: bool = False) -> tuple[str, ...]:
    """Every file of a finished cell in the workflow: the stylize run's, its metrics and (with
    ``vector``) its trace."""
    return (*stylize_files(alpha), METRICS, *((SVG, VECTOR_RECORD, VECTOR_PREVIEW) if vector else ()))
