"""The metrics jobs: a cell's and the unstyled logo's measures, a sweep's table and trade-off plot,
and the recommended cell of a pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.errors import SteelError
from steel.evaluate.selection import COMPARISON_CELLS, candidates, method_label
from steel.io.outputs import read_json, read_table, save_json
from steel.plan import run_folder


def cell_metrics_job(run_dir: str | Path, text: str | None, weights: str, out: str | Path) -> dict:
    """``metrics.json`` of one cell's run folder."""
    from steel.cells.measure import measure_cell
    from steel.transfer.weights import load_weights

    metrics = measure_cell(run_dir, text, load_weights(weights), threads=1)
    save_json(metrics, out)
    print(f"metrics of {run_dir}: {metrics['seconds']:.2f} s", flush=True)
    return metrics


def reference_metrics_job(
    content: str,
    style: str | Sequence[str],
    text: str | None,
    weights: str,
    image: Mapping,
    out: str | Path,
    style_param: Mapping | None = None,
) -> dict:
    """The same measures for the unstyled content at the runs' size: every number's reference.
    ``style_param``: a blend's or a masked style's `style` param (``style`` its files)."""
    from steel.cells.pair import job_style, load_pair
    from steel.evaluate.metrics import reference_metrics
    from steel.io.images import to_pil
    from steel.transfer.styles import as_pictures
    from steel.transfer.weights import load_weights

    pair = load_pair(job_style(style, style_param), content, image.get("width"), image.get("style_width"))
    metrics = reference_metrics(
        to_pil(pair.content), as_pictures(pair.style), text, load_weights(weights), threads=1
    )
    save_json(metrics, out)
    return metrics


def _with_method(row: Mapping, record: Mapping | None = None) -> dict:
    """A metrics row with its method (the table's second column): :func:`method_label` of its cell
    and, for another method's cell, its ``run.json``."""
    method = method_label(row.get("cell"), record)
    return {"cell": row.get("cell"), "method": method, **{k: v for k, v in row.items() if k != "cell"}}


def _vector_columns(trace: Mapping | None) -> dict:
    """A cell's trace measures as table columns (none when the cell was not traced)."""
    if trace is None:
        return {}
    return {"vector_mode": trace.get("mode")} | {k: v for k, v in trace.items() if k.startswith("vector_")}


def _record_beside(metrics: str | Path) -> dict | None:
    path = Path(metrics).with_name(run_folder.RECORD)
    return read_json(path) if path.is_file() else None


def metrics_table_job(
    metrics: list[str],
    reference: str,
    title: str,
    max_cer: float,
    table: str | Path,
    plot: str | Path,
    max_artefacts: float | None = None,
    comparisons: Sequence[str] = (),
    vectors: Sequence[str] = (),
    outlines: Sequence[str] = (),
) -> str:
    """A sweep's metrics as one TSV row per cell, and its trade-off plot with the sweep's own choice
    (:func:`steel.evaluate.selection.choose_best` within the limits of
    :func:`steel.evaluate.selection.selection_limits`).

    ``comparisons``: the ``metrics.json`` of other methods' cells (:data:`COMPARISON_CELLS`, e.g.
    MSG-Net) for the pair, added as rows after the sweep's cells and as marked points on the plot,
    never chosen. Every row names its ``method``. ``vectors``: the cells' ``vector.json`` (when the
    workflow traces them), whose measures join their rows as ``vector_*`` columns. ``outlines``:
    the ``metrics.json`` of the sweep's cells by the outline method (``outline.enabled``), rows of
    their own method after the cells and hollow squares on the plot. Returns the chosen cell id.
    """
    from steel.evaluate.selection import choose_best, selection_limits
    from steel.io.outputs import StagedFiles, write_table
    from steel.render.plots import save_figure
    from steel.render.tradeoff import tradeoff_plot

    rows = [read_json(path) for path in metrics]
    others = [read_json(path) for path in comparisons]
    other_records = [_record_beside(path) for path in comparisons]
    unknown = [row.get("cell") for row in others if row.get("cell") not in COMPARISON_CELLS]
    if unknown:
        raise SteelError(
            f"not a comparison method's cell: {unknown[0]!r}; list its {run_folder.METRICS} as a sweep's cell"
        )
    reference_row = read_json(reference)
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
        others=[
            (method_label(row["cell"], rec), row) for row, rec in zip(others, other_records, strict=True)
        ],
        outlines=[read_json(path) for path in outlines],
    )
    traced = {Path(path).parent.name: read_json(path) for path in vectors}
    table_rows = [_with_method(row) | _vector_columns(traced.get(row.get("cell"))) for row in rows]
    table_rows += [_with_method(read_json(path), _record_beside(path)) for path in outlines]
    table_rows += [_with_method(row, rec) for row, rec in zip(others, other_records, strict=True)]
    with StagedFiles() as staged:
        staged.stage(Path(table), write_table(table_rows))
    save_figure(figure, plot)
    return best


#: the methods a pair's recommendation names (best.json's ``method``)
PIXEL, OUTLINE = "pixel", "outline"


def best_job(
    tables: list[str],
    run_root: str,
    max_cer: float,
    out_json: str | Path,
    out_png: str | Path,
    reference: str | None = None,
    max_artefacts: float | None = None,
    searches: Sequence[str] = (),
    outlines: Sequence[str] = (),
) -> dict:
    """The recommended cell of a pair across all its sweeps (and ``searches``: the pair's search
    results, whose evaluated cells compete under the same rule; ``outlines``: the ``metrics.json``
    of the pair's outline cells, which compete as cells of their own method), by
    :func:`steel.evaluate.selection.choose_best` within the limits
    :func:`steel.evaluate.selection.selection_limits` sets from the unstyled ``reference`` (its
    metrics JSON); ``source`` says where the chosen cell came from. Writes ``best.json`` (the
    choice, the rule in words, the limits and the cell's metrics) and a copy of the chosen image;
    returns the choice."""
    import shutil

    from steel.evaluate.selection import choose_best, limits_met, selection_limits
    from steel.io.outputs import StagedFiles, write_json

    # keyed by (method, cell): an outline cell and its pixel twin are two candidates
    rows, sources, folders = {}, {}, {}
    for table in tables:
        for row in candidates(read_table(table)):  # never a comparison method's row
            rows[PIXEL, row["cell"]] = row
            sources.setdefault((PIXEL, row["cell"]), f"sweep {Path(table).parent.name}")
    for path in searches:
        result = read_json(path)
        for point in result["evaluated"]:
            metrics = {k: v for k, v in point.items() if k not in ("round", "index", "ratio")}
            rows.setdefault((PIXEL, point["cell"]), metrics)
            sources.setdefault((PIXEL, point["cell"]), f"search {result['search']}")
    for path in outlines:
        row = read_json(path)
        rows[OUTLINE, row["cell"]] = row
        sources[OUTLINE, row["cell"]] = "outline cells"
        folders[OUTLINE, row["cell"]] = Path(path).parent
    reference_row = read_json(reference) if reference is not None else None
    limits = selection_limits(reference_row, max_cer, max_artefacts)
    pool = list(rows.values())
    chosen = choose_best(pool, limits["cer_limit"], limits["artefact_limit"])
    key = next(key for key, row in rows.items() if row is chosen)
    best = dict(chosen)
    readable, clean = limits_met(best, pool, limits["cer_limit"], limits["artefact_limit"])
    folder = folders.get(key, Path(run_root) / best["cell"])
    choice = {
        "cell": best["cell"],
        "method": key[0],
        "source": sources[key],
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
        "image": str(folder / run_folder.STYLIZED),
        # the chosen cell's vector logo: an outline cell's own, a pixel cell's trace (vector.enabled)
        "svg": str(folder / run_folder.SVG),
        "candidates": len(rows),
    }
    with StagedFiles() as staged:
        staged.stage(Path(out_json), write_json(choice))
        staged.stage(Path(out_png), lambda tmp: shutil.copyfile(choice["image"], tmp))
    return choice
