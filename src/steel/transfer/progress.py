"""What a run tells its caller as it goes: one :class:`StepLog` per logged step, which the progress
bar, the logs and the jobs' lines all read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tqdm.auto import tqdm


@dataclass(frozen=True)
class StepLog:
    """One logged step: the losses of every cell of the batch after ``step`` of ``of`` steps."""

    step: int
    of: int
    #: one row per cell, as ``losses.tsv`` gets it: ``iteration``, ``total``, ``content``, ``style``,
    #: ``tv``, ``shape`` when that term is on, each active layer's weighted loss, ``scale`` in a
    #: multi-scale run
    rows: tuple[dict[str, float], ...]

    @property
    def total_loss(self) -> float:
        """The first cell's total loss (what a one-line progress report shows)."""
        return self.rows[0]["total"]

    @property
    def style_loss(self) -> float:
        return self.rows[0]["style"]

    @property
    def content_loss(self) -> float:
        return self.rows[0]["content"]


#: a caller's listener: sees every :class:`StepLog`
OnLog = Callable[[StepLog], None]


class ProgressBar:
    """A tqdm bar over a run's steps that shows each logged step's losses (a listener of
    :class:`StepLog` events, ticked once per step)."""

    def __init__(self, total: int, initial: int, shown: bool | None):
        # None: shown on a terminal only
        self.bar = tqdm(
            total=total,
            initial=initial,
            disable=None if shown is None else not shown,
            unit="step",
            desc="stylize",
            dynamic_ncols=True,
        )

    def __call__(self, event: StepLog) -> None:
        self.bar.set_postfix(
            total=f"{event.total_loss:.4g}",
            style=f"{event.style_loss:.4g}",
            content=f"{event.content_loss:.4g}",
            refresh=False,
        )

    def tick(self) -> None:
        self.bar.update()

    def close(self) -> None:
        self.bar.close()
