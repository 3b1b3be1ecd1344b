"""The convergence study's jobs: one schedule's trace of a pair, and the pair's plot and summary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from steel.evaluate.convergence import summarise, summary_markdown
from steel.plan.schedules import REFERENCE


def trace_job(*args, **kwargs) -> list[dict]:
    """One schedule of one pair, :func:`steel.cells.convergence.trace_schedule` (its arguments), and
    a line saying it is done."""
    from steel.cells.convergence import trace_schedule

    rows = trace_schedule(*args, **kwargs)
    print(f"done: {len(rows)} rows, {rows[-1]['run_seconds']:.1f} s of optimisation", flush=True)
    return rows


def pair_job(
    traces: Mapping[str, str | Path],
    title: str,
    out_png: str | Path,
    out_tsv: str | Path,
    out_md: str | Path,
    reference: str = REFERENCE,
) -> list[dict]:
    """A pair's plot, all its traces in one TSV and the summary markdown; returns the summary."""
    from steel.io.outputs import StagedFiles, read_table, write_table
    from steel.render.convergence import convergence_plot
    from steel.render.plots import save_figure

    rows = []
    for schedule, path in traces.items():
        for row in read_table(path):
            rows.append(row | {"schedule": schedule, "cell": str(row["cell"])})
    summary = summarise(rows, reference)
    with StagedFiles() as staged:
        staged.stage(Path(out_tsv), write_table(rows))
        staged.stage(
            Path(out_md),
            lambda tmp: tmp.write_text(summary_markdown(summary, title, reference), encoding="utf-8"),
        )
    save_figure(convergence_plot(rows, summary, title, reference), out_png)
    return summary
