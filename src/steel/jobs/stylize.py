"""The stylize job: the cells of one batch optimised by :func:`steel.cells.stylize.run`, settings from the
workflow's params (:mod:`steel.settings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.config import run_options_from_config
from steel.errors import SteelError
from steel.jobs.log import print_step


def stylize_job(
    style: str | Sequence[str],
    content: str,
    images: str | Sequence[str],
    params: Mapping,
    execution: Mapping,
    threads: int = 1,
) -> list[dict]:
    """Optimise the cells whose ``stylized.png`` paths are ``images`` (the cell ids are their
    folders' names) as one batch, printing progress lines for the job's log(s).

    ``params`` are the workflow's canonical result settings (:func:`steel.plan.params.stylize_params`),
    a blend's with ``style`` (its members' weights, in the order of the ``style`` files);
    ``execution`` says where and how to run, which never changes what is computed.
    """
    import torch

    from steel.cells.pair import job_style, style_label
    from steel.cells.stylize import run
    from steel.layers import split_cell_id
    from steel.plan.sweeps import same_value

    torch.set_num_threads(max(1, int(threads)))
    params = dict(params)
    style = job_style(style, params.pop("style", None))
    config = params | {"execution": execution}
    out_dirs = [Path(image).parent for image in ([images] if isinstance(images, str) else images)]
    cells = {}
    for out in out_dirs:
        coefficients, loss = split_cell_id(out.name)
        for name, value in loss.items():  # a cell's own loss settings, named by its id, are its params'
            if name not in params["loss"] or not same_value(params["loss"][name], value):
                raise SteelError(
                    f"cell {out.name} names loss setting {name} = {value} but its job's loss has "
                    f"{params['loss'].get(name, 'no such setting')}; plan the job again"
                )
        cells[out.name] = coefficients

    names = ", ".join(out.name for out in out_dirs)
    print(f"stylize {Path(content).name} with {style_label(style)}: {names}", flush=True)
    try:
        options = dataclasses.replace(run_options_from_config(config), progress=False, on_log=print_step)
        records = run(style, content, cells, out_dirs, options)
    except SteelError as error:
        if len(cells) > 1:  # the cells' logs say which batch failed
            raise SteelError(f"{error} (in a batch of {len(cells)} cells: {names})") from None
        raise
    record = records[0]
    print(
        f"done on {record['device']}: {record['seconds_per_iteration']:.4f} s/step for "
        f"{len(cells)} cell(s), {record['wall_seconds']:.1f} s in all",
        flush=True,
    )
    return records
