"""The outline job: one cell of the workflow by the outline method
(:func:`steel.cells.outline.stylize_outline`), settings from the outline params
(:func:`steel.plan.params.outline_params`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.config import run_options_from_config
from steel.errors import SteelError
from steel.jobs.log import print_step
from steel.setting_row import OUTLINE


def outline_job(
    style: str | Sequence[str],
    source: Mapping,
    drawn: str,
    images: str | Sequence[str],
    params: Mapping,
    execution: Mapping,
    threads: int = 1,
) -> list[dict]:
    """Optimise the outlines of the cells whose ``stylized.png`` paths are ``images`` (the cell ids
    are their folders' names; several: one batch, under one loss), printing progress lines for the
    job's log(s).

    ``source``: the content as the config gives it (``image``, ``text``, ``font``): a word drawn in
    a font becomes its glyphs' outlines, an SVG its shapes, a raster its trace. An SVG that outlines
    cannot say (text, strokes, gradients, ...) is traced from ``drawn``, the content as the workflow
    drew it, rather than failing a long run; run.json says why. ``params``: the outline params (a
    blend's with ``style``: its members' weights, in the order of the ``style`` files);
    ``execution`` says where it runs (outline runs take no checkpoints).
    """
    import torch

    from steel.cells.outline import content_outlines, stylize_outline
    from steel.cells.pair import job_style, style_label
    from steel.layers import split_cell_id

    torch.set_num_threads(max(1, int(threads)))
    params = dict(params)
    style = job_style(style, params.pop("style", None))
    out_dirs = [Path(image).parent for image in ([images] if isinstance(images, str) else images)]
    # a cell's own loss is its params' (planning batches only cells under one loss)
    cells = {out.name: split_cell_id(out.name)[0] for out in out_dirs}
    config = {
        "image": params["image"],
        "loss": params["loss"],
        "optimizer": {"log_every": params["log_every"]},
        "seed": params["seed"],
        "weights": params["weights"],
        OUTLINE: params[OUTLINE],
        "execution": {key: value for key, value in execution.items() if key != "checkpoint_every"},
    }

    options = dataclasses.replace(
        run_options_from_config(config), progress=False, on_log=print_step, checkpoint_every=0
    )
    what = source.get("text") or source.get("image")
    print(f"outline {', '.join(cells)}: {what} with {style_label(style)}", flush=True)
    if source.get("image") is None:
        content = content_outlines(text=source["text"], font=source.get("font"), width=options.width)
    else:
        try:
            content = content_outlines(source["image"], width=options.width)
        except SteelError as why:  # an SVG of what outlines cannot say
            print(f"{source['image']}: {why}; tracing it as drawn instead", flush=True)
            content = content_outlines(drawn, width=options.width)
            content = dataclasses.replace(
                content, source={**content.source, "instead_of": source["image"], "because": str(why)}
            )
    records = stylize_outline(style, content, cells, out_dirs, options)
    record = records[0]
    print(
        f"done on {record['device']}: {record['seconds_per_iteration']:.4f} s/step for {len(cells)} "
        f"cell(s), {record['wall_seconds']:.1f} s in all",
        flush=True,
    )
    return records
