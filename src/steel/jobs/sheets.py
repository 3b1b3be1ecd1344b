"""The sheet jobs: a sweep's contact sheet, the overview across pairs, and the methods sheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.evaluate.selection import OUTLINE_METHOD, method_label
from steel.io.outputs import read_json, save_png
from steel.layers import format_value
from steel.plan import run_folder
from steel.plan.sweeps import loss_difference


def style_source(files: str | Sequence[str], param: Mapping | None = None, width: int | None = None):
    """The style a sheet shows: its file; a masked style (``param``, its `style` param) with its
    mask drawn over it at the run's style ``width`` (the ground it leaves out dimmed); a blend's
    members side by side, each captioned with its name and weight (and masked so)."""
    if not param:
        return files if isinstance(files, str) else files[0]
    from steel.cells.pair import MaskedStyle, job_style
    from steel.render.sheets import blend_picture

    style = job_style(files, param)
    if isinstance(style, MaskedStyle):
        return _masked_picture(style, width)
    names = list(param["blend"])
    return blend_picture(
        [
            (_masked_picture(file, width) if isinstance(file, MaskedStyle) else file, f"{name} {weight:.2f}")
            for (file, weight), name in zip(style, names, strict=True)
        ]
    )


def _masked_picture(style, width: int | None):
    """A masked style at the run's style width with its mask drawn over it (as the run finds it)."""
    from steel.cells.pair import style_mask
    from steel.io.images import load_image, to_pil
    from steel.render.sheets import masked_picture

    image = load_image(style.path, width, "style image")
    mask, _ = style_mask(style, image)
    return masked_picture(to_pil(image), mask[0, 0].numpy())


def sheet_job(
    sweep,
    run_dirs: Mapping[str, str],
    style: str | Sequence[str],
    content: str,
    out: str | Path,
    labels: tuple[str, str],
    with_notes: bool = True,
    title: str | None = None,
    alpha: bool = False,
    vector: bool = False,
    style_param: Mapping | None = None,
    style_width: int | None = None,
):
    """The contact sheet of one sweep and pair; ``run_dirs`` maps cell id -> run folder.

    ``title`` (a rule param, so that a new title redraws the sheet) defaults to the sweep's title,
    else its name. ``alpha`` (the cells were made with ``image.alpha``): each cell's
    ``stylized_alpha.png`` under it on a mid-grey band. ``vector``: the traced cells instead
    (``vector_preview.png``, each with its trace's numbers). Returns the sheet's
    :class:`steel.render.sheet_layout.SheetLayout`. ``style_param``: a blend's or a masked style's
    `style` param (``style`` its files), shown as :func:`style_source` says at ``style_width``.
    """
    from steel.render.sheets import contact_sheet_with_layout

    grid = [[Path(run_dirs[cell]) for cell in row] for row in sweep.id_grid]
    notes = None
    if vector:
        notes = [[vector_note(read_json(d / run_folder.VECTOR_RECORD)) for d in row] for row in grid]
    elif with_notes:
        notes = [[_metrics_note(d / run_folder.METRICS) for d in row] for row in grid]
    title = (title or sweep.title or sweep.name) + (" (vector)" if vector else "")
    own_loss = loss_difference(sweep.loss, sweep.base_loss)
    if own_loss:  # the loss the whole sweep runs under, when it is not the config's
        title += " (loss: " + ", ".join(f"{k} {format_value(v)}" for k, v in own_loss.items()) + ")"
    sheet, layout = contact_sheet_with_layout(
        [[d / (run_folder.VECTOR_PREVIEW if vector else run_folder.STYLIZED) for d in row] for row in grid],
        sweep.row_values,
        sweep.col_values,
        sweep.row_names,
        sweep.col_names,
        style_source(style, style_param, style_width),
        content,
        title=title,
        notes=notes,
        style_label=f"style: {labels[0]}",
        content_label=f"content: {labels[1]}",
        alpha=[[d / run_folder.ALPHA for d in row] for row in grid] if alpha and not vector else None,
    )
    save_png(sheet, out)
    return layout


def vector_note(trace: Mapping) -> str:
    """A traced cell's numbers under it: how much of the raster's ink it keeps, its size, its CER."""
    iou = "-" if trace.get("vector_iou") is None else f"{trace['vector_iou']:.2f}"
    cer = "" if trace.get("vector_cer") is None else f" · CER {trace['vector_cer']:.2f}"
    return f"IoU {iou} · {trace['vector_paths']} paths · {trace['vector_bytes'] / 1024:.0f} KB{cer}"


def _metrics_note(path: Path) -> str | None:
    """One line under a cell: CER, artefacts (or why they are not measured) and style strength."""
    return metrics_note(read_json(path)) if path.is_file() else None


def metrics_note(m: Mapping) -> str:
    """One line of a cell's metrics (``metrics.json``): ``CER 0.00 · art 0.12 · style 0.30``."""
    parts = [] if m.get("cer") is None else [f"CER {m['cer']:.2f}"]
    if m.get("artefacts") is not None:
        parts.append(f"art {m['artefacts']:.2f}")
    else:
        why = str(m.get("artefact_note") or "not measured").split(" (")[0]
        parts.append(f"art n/a: {why}")
    if m.get("style_strength") is not None:
        parts.append(f"style {m['style_strength']:.2f}")
    return " · ".join(parts)


#: the metrics columns of a methods sheet's TSV, after ``method`` and ``cell``
METHODS_COLUMNS = ("cer", "ocr_text", "artefacts", "colour_share", "style_strength")


def _best_of(metrics: Sequence[str], choice: Mapping) -> Path | None:
    """The folder of the cell among ``metrics`` (``metrics.json`` paths) that the pair's choice rule
    picks, under the limits of ``choice`` (the pair's ``best.json``); None without any."""
    from steel.evaluate.selection import choose_best

    rows = {Path(path).parent: read_json(path) for path in metrics}
    if not rows:
        return None
    chosen = choose_best(list(rows.values()), choice.get("cer_limit", 0.0), choice.get("artefact_limit"))
    return next(folder for folder, row in rows.items() if row is chosen)


def methods_sheet_job(
    run_root: str | Path,
    best: str | Path,
    content: str,
    style: str | Sequence[str],
    reference: str | Path,
    *,
    gatys: str | None,
    msgnet: str | None,
    title: str,
    sheet_out: str | Path,
    table_out: str | Path,
    outlines: Sequence[str] = (),
    pixels: Sequence[str] = (),
    style_param: Mapping | None = None,
    style_width: int | None = None,
) -> list[dict]:
    """A pair's methods side by side (:func:`steel.render.methods.methods_sheet`): the content (its note the
    unstyled ``reference`` metrics), the style, the Gatys baseline cell ``gatys`` (table 1's middle
    cell; None: not in the config), Network of Steel's recommended cell (from ``best``, the pair's
    ``best.json``), with ``outlines`` (the ``metrics.json`` of the pair's outline cells) the outline
    method's cell under the same rule, and MSG-Net's cell ``msgnet`` (None: not run), cells read from
    ``run_root/<cell>/``. Where the recommendation is an outline cell, the pixel cell shown is the
    one the rule picks among ``pixels`` (the pair's pixel cells' ``metrics.json``). Writes the sheet
    and a TSV of the same numbers (one row per method with metrics); returns the rows.
    ``style_param``, ``style_width``: as for :func:`sheet_job`."""
    from steel.io.outputs import StagedFiles, write_png, write_table
    from steel.render.methods import methods_sheet

    run_root = Path(run_root)
    choice = read_json(best)
    recommended = Path(choice.get("image", run_root / choice["cell"] / run_folder.STYLIZED)).parent
    by_outline = choice.get("method") == "outline"
    pixel = _best_of(pixels, choice) if by_outline else recommended
    # (label, folder or None, image, metrics)
    methods = [
        ("content", None, content, Path(reference)),
        ("style", None, style_source(style, style_param, style_width), None),
    ]
    if gatys:
        methods.append(("Gatys (table 1)", run_root / gatys, None, None))
    if pixel is not None:
        methods.append(("Network of Steel", pixel, None, None))
    if outlines:
        methods.append(
            (OUTLINE_METHOD, recommended if by_outline else _best_of(outlines, choice), None, None)
        )
    if msgnet:
        msgnet_record = run_root / msgnet / run_folder.RECORD
        label = method_label(msgnet, read_json(msgnet_record) if msgnet_record.is_file() else None)
        methods.append((label, run_root / msgnet, None, None))
    panels, rows = [], []
    for label, folder, image, metrics in methods:
        cell = None if folder is None else folder.name
        if folder is not None:
            image, metrics = folder / run_folder.STYLIZED, folder / run_folder.METRICS
        values = read_json(metrics) if metrics is not None and metrics.is_file() else None
        note = None if values is None else metrics_note(values)
        if label in (
            "Network of Steel",
            OUTLINE_METHOD,
        ):  # which cell: after the numbers, which a long id would cut off
            note = f"{note} · {cell}" if note else cell
            if outlines and folder == recommended:
                note = f"{note} · recommended"
        panels.append((label, str(image) if isinstance(image, str | Path) else image, note))
        if values is not None:
            rows.append({"method": label, "cell": cell or "", **{k: values.get(k) for k in METHODS_COLUMNS}})
    sheet = methods_sheet(panels, title=f"Methods: {title}")

    with StagedFiles() as staged:
        staged.stage(Path(table_out), write_table(rows, ["method", "cell", *METHODS_COLUMNS]))
        staged.stage(Path(sheet_out), write_png(sheet))
    return rows


def overview_job(sheets: list[tuple[str, str]], title: str, out: str | Path) -> None:
    from steel.render.sheets import overview

    save_png(overview(sheets, title=title), out)
