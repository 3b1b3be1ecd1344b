"""A run that hears each logged step: how a test stops ``steel.cells.stylize.run`` where it wants."""

from __future__ import annotations

import dataclasses

from steel.settings import DEFAULT_RUN_OPTIONS


def hearing(run, on_log):
    """``run`` hearing ``on_log`` (a :class:`steel.transfer.progress.StepLog` per logged step),
    whatever options its caller passes."""

    def heard(style, content, cells, out_dirs, options=DEFAULT_RUN_OPTIONS, staged=None):
        return run(style, content, cells, out_dirs, dataclasses.replace(options, on_log=on_log), staged)

    return heard
