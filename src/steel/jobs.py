"""What the workflow's jobs do, called by the thin scripts under workflow/scripts/.

Config sections map onto library settings here, so the scripts hold no logic and tests reach it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from steel.errors import SteelError
from steel.plan import run_folder
from steel.plan.sweeps import loss_difference
from steel.settings import run_options_from_config, settings_from_config
from steel.transfer.layers import format_value


class _Tee:
    """A text stream that writes to several files (a batch job's lines go to each cell's log)."""

    def __init__(self, handles):
        self.handles = handles

    def write(self, text: str) -> int:
        for handle in self.handles:
            handle.write(text)
        return len(text)

    def flush(self) -> None:
        for handle in self.handles:
            handle.flush()


@contextlib.contextmanager
def job_log(*paths: str | Path) -> Iterator[None]:
    """Send a job's output to its log file(s); a user error becomes one line there and a failed job."""
    with contextlib.ExitStack() as stack:
        log = _Tee([stack.enter_context(open(path, "w", buffering=1, encoding="utf-8")) for path in paths])
        stack.enter_context(contextlib.redirect_stdout(log))
        stack.enter_context(contextlib.redirect_stderr(log))
        try:
            yield
        except SteelError as error:
            print(f"steel: error: {error}", file=log)
            raise SystemExit(f"steel: error: {error}") from None


def stylize_job(
    style: str,
    content: str,
    images: str | Sequence[str],
    params: Mapping,
    execution: Mapping,
    threads: int = 1,
) -> list[dict]:
    """Optimise the cells whose ``stylized.png`` paths are ``images`` (the cell ids are their
    folders' names) as one batch, printing progress lines for the job's log(s).

    ``params`` are the workflow's canonical result settings (:func:`steel.plan.params.stylize_params`);
    ``execution`` says where and how to run, which never changes what is computed.
    """
    import torch

    from steel.plan.sweeps import same_value
    from steel.run import run
    from steel.transfer.layers import split_cell_id

    torch.set_num_threads(max(1, int(threads)))
    config = dict(params) | {"execution": execution}
    params = dict(params)
    out_dirs = [Path(image).parent for image in ([images] if isinstance(images, str) else images)]
    cells = []
    for out in out_dirs:
        coefficients, loss = split_cell_id(out.name)
        for name, value in loss.items():  # a cell's own loss settings, named by its id, are its params'
            if name not in params["loss"] or not same_value(params["loss"][name], value):
                raise SteelError(
                    f"cell {out.name} names loss setting {name} = {value} but its job's loss has "
                    f"{params['loss'].get(name, 'no such setting')}; plan the job again"
                )
        cells.append(coefficients)

    def progress(step: int, rows: list[dict[str, float]]) -> None:
        row = rows[0]
        print(
            f"iteration {step:>7}  total {row['total']:.6g}  style {row['style']:.6g}  "
            f"content {row['content']:.6g}",
            flush=True,
        )

    names = ", ".join(out.name for out in out_dirs)
    print(f"stylize {Path(content).name} with {Path(style).name}: {names}", flush=True)
    try:
        records = run(
            style,
            content,
            cells,
            out_dirs,
            settings=settings_from_config(config),
            **run_options_from_config(config),
            progress=False,
            on_log=progress,
            ids=[out.name for out in out_dirs],
        )
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


def _write_json(data, path: str | Path) -> None:
    from steel.io.outputs import StagedFiles, write_json

    with StagedFiles() as staged:
        staged.stage(Path(path), write_json(data))


def _save_image(image, path: str | Path) -> None:
    from steel.io.outputs import StagedFiles, write_png

    with StagedFiles() as staged:
        staged.stage(Path(path), write_png(image))


def cell_metrics_job(run_dir: str | Path, text: str | None, weights: str, out: str | Path) -> dict:
    """``metrics.json`` of one cell's run folder."""
    from steel.evaluate.metrics import run_metrics
    from steel.transfer.weights import load_weights

    metrics = run_metrics(run_dir, text, load_weights(weights), threads=1)
    _write_json(metrics, out)
    print(f"metrics of {run_dir}: {metrics['seconds']:.2f} s", flush=True)
    return metrics


def reference_metrics_job(
    content: str, style: str, text: str | None, weights: str, image: Mapping, out: str | Path
) -> dict:
    """The same measures for the unstyled content at the runs' size: every number's reference."""
    from steel.evaluate.metrics import reference_metrics
    from steel.io.images import load_image, to_pil
    from steel.transfer.weights import load_weights

    width = image.get("width")
    content_image = to_pil(load_image(content, width, "content image"))
    style_image = to_pil(load_image(style, image.get("style_width") or width, "style image"))
    metrics = reference_metrics(content_image, style_image, text, load_weights(weights), threads=1)
    _write_json(metrics, out)
    return metrics


def _read_json(path: str | Path) -> dict:
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


#: cells of other methods in a pair's run folder (cell id -> method): measured like a cell, shown
#: beside the sweeps' cells in the metrics tables, never a candidate of the best-cell rule
COMPARISON_CELLS = {"msgnet": "MSG-Net"}
#: the method of every other cell
METHOD = "Network of Steel"


def candidates(rows: Sequence[Mapping]) -> list[Mapping]:
    """The Network of Steel cells among metrics rows (a comparison method's row left out)."""
    return [row for row in rows if row.get("cell") not in COMPARISON_CELLS]


def _with_method(row: Mapping) -> dict:
    """A metrics row with its method named after its cell id (the table's second column)."""
    method = COMPARISON_CELLS.get(row.get("cell"), METHOD)
    return {"cell": row.get("cell"), "method": method, **{k: v for k, v in row.items() if k != "cell"}}


def metrics_table_job(
    metrics: list[str],
    reference: str,
    title: str,
    max_cer: float,
    table: str | Path,
    plot: str | Path,
    max_artefacts: float | None = None,
    comparisons: Sequence[str] = (),
) -> str:
    """A sweep's metrics as one TSV row per cell, and its trade-off plot with the sweep's own choice
    (:func:`steel.evaluate.metrics.choose_best` within the limits of
    :func:`steel.evaluate.metrics.selection_limits`).

    ``comparisons``: the ``metrics.json`` of other methods' cells (:data:`COMPARISON_CELLS`, e.g.
    MSG-Net) for the pair, added as rows after the sweep's cells and as marked points on the plot,
    never chosen. Every row names its ``method``. Returns the chosen cell id.
    """
    from steel.evaluate.metrics import choose_best, selection_limits
    from steel.io.outputs import StagedFiles, write_table
    from steel.render.plots import save_figure, tradeoff_plot

    rows = [_read_json(path) for path in metrics]
    others = [_read_json(path) for path in comparisons]
    unknown = [row.get("cell") for row in others if row.get("cell") not in COMPARISON_CELLS]
    if unknown:
        raise SteelError(
            f"not a comparison method's cell: {unknown[0]!r}; list its metrics.json as a sweep's cell"
        )
    reference_row = _read_json(reference)
    limits = selection_limits(reference_row, max_cer, max_artefacts)
    best = choose_best(rows, limits["cer_limit"], limits["artefact_limit"])["cell"]
    figure = tradeoff_plot(
        rows,
        title,
        reference=reference_row,
        max_cer=limits["cer_limit"],
        max_artefacts=limits["artefact_limit"],
        best=best,
        rule=limits["rule"],
        others=[(COMPARISON_CELLS[row["cell"]], row) for row in others],
    )
    table_rows = [_with_method(row) for row in [*rows, *others]]
    with StagedFiles() as staged:
        staged.stage(Path(table), write_table(table_rows))
    save_figure(figure, plot)
    return best


def sheet_job(
    sweep,
    run_dirs: Mapping[str, str],
    style: str,
    content: str,
    out: str | Path,
    labels: tuple[str, str],
    with_notes: bool = True,
    title: str | None = None,
    alpha: bool = False,
):
    """The contact sheet of one sweep and pair; ``run_dirs`` maps cell id -> run folder.

    ``title`` (a rule param, so that a new title redraws the sheet) defaults to the sweep's title,
    else its name. ``alpha`` (the cells were made with ``image.alpha``): each cell's
    ``stylized_alpha.png`` under it on a mid-grey band. Returns the sheet's
    :class:`steel.render.sheets.SheetLayout`.
    """
    from steel.render.sheets import contact_sheet_with_layout

    grid = [[Path(run_dirs[cell]) for cell in row] for row in sweep.id_grid]
    notes = None
    if with_notes:
        notes = [[_metrics_note(d / run_folder.METRICS) for d in row] for row in grid]
    title = title or sweep.title or sweep.name
    own_loss = loss_difference(sweep.loss, sweep.base_loss)
    if own_loss:  # the loss the whole sweep runs under, when it is not the config's
        title += " (loss: " + ", ".join(f"{k} {format_value(v)}" for k, v in own_loss.items()) + ")"
    sheet, layout = contact_sheet_with_layout(
        [[d / run_folder.STYLIZED for d in row] for row in grid],
        sweep.row_values,
        sweep.col_values,
        sweep.row_names,
        sweep.col_names,
        style,
        content,
        title=title,
        notes=notes,
        style_label=f"style: {labels[0]}",
        content_label=f"content: {labels[1]}",
        alpha=[[d / run_folder.ALPHA for d in row] for row in grid] if alpha else None,
    )
    _save_image(sheet, out)
    return layout


def _metrics_note(path: Path) -> str | None:
    """One line under a cell: CER, artefacts (or why they are not measured) and style strength."""
    return metrics_note(_read_json(path)) if path.is_file() else None


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


def methods_sheet_job(
    run_root: str | Path,
    best: str | Path,
    content: str,
    style: str,
    reference: str | Path,
    *,
    gatys: str | None,
    msgnet: str,
    title: str,
    sheet_out: str | Path,
    table_out: str | Path,
) -> list[dict]:
    """A pair's methods side by side (:func:`steel.render.sheets.methods_sheet`): the content (its note the
    unstyled ``reference`` metrics), the style, the Gatys baseline cell ``gatys`` (table 1's middle
    cell; None: not in the config), Network of Steel's recommended cell (from ``best``, the pair's
    ``best.json``) and MSG-Net's cell ``msgnet``, cells read from ``run_root/<cell>/``. Writes the
    sheet and a TSV of the same numbers (one row per method with metrics); returns the rows."""
    from steel.io.outputs import StagedFiles, write_png, write_table
    from steel.render.sheets import methods_sheet

    run_root = Path(run_root)
    recommended = _read_json(best)["cell"]
    methods = [("content", None, content, Path(reference)), ("style", None, style, None)]
    if gatys:
        methods.append(("Gatys (table 1)", gatys, None, None))
    methods.append(("Network of Steel", recommended, None, None))
    methods.append(("MSG-Net", msgnet, None, None))
    panels, rows = [], []
    for label, cell, image, metrics in methods:
        if cell is not None:
            image, metrics = run_root / cell / run_folder.STYLIZED, run_root / cell / run_folder.METRICS
        values = _read_json(metrics) if metrics is not None and metrics.is_file() else None
        note = None if values is None else metrics_note(values)
        if label == "Network of Steel":  # which cell: after the numbers, which a long id would cut off
            note = f"{note} · {cell}" if note else cell
        panels.append((label, str(image), note))
        if values is not None:
            rows.append({"method": label, "cell": cell or "", **{k: values.get(k) for k in METHODS_COLUMNS}})
    sheet = methods_sheet(panels, title=f"Methods: {title}")

    with StagedFiles() as staged:
        staged.stage(Path(table_out), write_table(rows, ["method", "cell", *METHODS_COLUMNS]))
        staged.stage(Path(sheet_out), write_png(sheet))
    return rows


def overview_job(sheets: list[tuple[str, str]], title: str, out: str | Path) -> None:
    from steel.render.sheets import overview

    _save_image(overview(sheets, title=title), out)


def loss_plot_job(sweep, losses: Mapping[str, str], title: str, out: str | Path) -> None:
    """Loss curves of every cell of a sweep; ``losses`` maps cell id -> losses.tsv."""
    from steel.render.plots import cell_label, save_figure, sweep_loss_plot

    groups = [layers for layers in (sweep.row_layers, sweep.col_layers) if layers]
    runs = []
    for r in sweep.row_values:
        for c in sweep.col_values:
            parts = [cell_label(sweep.coefficients(r, c), groups or None)]
            for setting, value in ((sweep.row_setting, r), (sweep.col_setting, c)):
                if setting is not None:
                    parts.append(f"{setting}={format_value(value)}")
            runs.append((" · ".join(parts), losses[sweep.cell_at(r, c)]))
    save_figure(sweep_loss_plot(runs, title), out)


def figure_job(
    sweeps: list[str],
    coefficients: list[Mapping[str, float]],
    blocks: list[int],
    losses: list[str],
    title: str,
    out: str | Path,
) -> None:
    """A figure across sweeps, like the paper's Figure 3: one line per referenced cell."""
    from steel.render.plots import cell_label, figure_plot, save_figure

    lines = [
        (f"{sweep}: {cell_label(c)}", tsv, block)
        for sweep, c, block, tsv in zip(sweeps, coefficients, blocks, losses, strict=True)
    ]
    save_figure(figure_plot(lines, title), out, svg=True)


def _typed(text: str):
    """A TSV field back as a number where it is one (empty = None)."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_table(path: str | Path) -> list[dict]:
    """A metrics TSV (UTF-8) back as rows, numbers as floats and empty fields as ``None``."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: _typed(v) for k, v in row.items()} for row in csv.DictReader(handle, delimiter="\t")]


def best_job(
    tables: list[str],
    run_root: str,
    max_cer: float,
    out_json: str | Path,
    out_png: str | Path,
    reference: str | None = None,
    max_artefacts: float | None = None,
) -> dict:
    """The recommended cell of a pair across all its sweeps, by :func:`steel.evaluate.metrics.choose_best`
    within the limits :func:`steel.evaluate.metrics.selection_limits` sets from the unstyled ``reference``
    (its metrics JSON). Writes ``best.json`` (the choice, the rule in words, the limits and the
    cell's metrics) and a copy of the chosen image; returns the choice."""
    import shutil

    from steel.evaluate.metrics import choose_best, limits_met, selection_limits
    from steel.io.outputs import StagedFiles, write_json

    rows = {}
    for table in tables:
        for row in candidates(read_table(table)):  # never a comparison method's row
            rows[row["cell"]] = row
    reference_row = _read_json(reference) if reference is not None else None
    limits = selection_limits(reference_row, max_cer, max_artefacts)
    pool = list(rows.values())
    best = dict(choose_best(pool, limits["cer_limit"], limits["artefact_limit"]))
    readable, clean = limits_met(best, pool, limits["cer_limit"], limits["artefact_limit"])
    choice = {
        "cell": best["cell"],
        "rule": limits["rule"],
        "max_cer": max_cer,
        "max_artefacts": max_artefacts,
        "cer_limit": limits["cer_limit"],
        "artefact_limit": limits["artefact_limit"],
        "reference": None
        if reference_row is None
        else {key: reference_row.get(key) for key in ("cer", "ocr_text", "artefacts", "artefact_note")},
        "qualified": readable and clean,
        "readable": readable,
        "clean": clean,
        "metrics": best,
        "image": str(Path(run_root) / best["cell"] / run_folder.STYLIZED),
        "candidates": len(rows),
    }
    with StagedFiles() as staged:
        staged.stage(Path(out_json), write_json(choice))
        staged.stage(Path(out_png), lambda tmp: shutil.copyfile(choice["image"], tmp))
    return choice
