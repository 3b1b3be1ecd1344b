"""The findings jobs: one pair's claims tested on its numbers, and the summary across pairs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.evaluate.findings import pair_findings
from steel.evaluate.findings_report import pair_markdown, summary_markdown
from steel.evaluate.loss_scale import scale_check
from steel.evaluate.verdicts import run_info
from steel.io.outputs import StagedFiles, write_json
from steel.plan.sweeps import sweeps_from_config


def _text_writer(text: str):
    return lambda tmp: Path(tmp).write_text(text, encoding="utf-8")


def findings_job(
    sweeps_config: Mapping,
    tables: Sequence[str],
    reference: str | None,
    losses: Sequence[str],
    records: Sequence[str],
    max_cer: float,
    pair: str,
    out_md: str | Path,
    out_json: str | Path,
    max_artefacts: float | None = None,
    images: Sequence[str] = (),
    loss: Mapping | None = None,
) -> list[dict]:
    """One pair's findings from its metrics tables, reference metrics, and the ``losses.tsv``,
    ``run.json`` and ``stylized.png`` (``images``, for :func:`scale_check`) of its cells (cell id =
    the run folder's name); ``loss`` is the config's loss section, over which the sweeps' cells are
    named. Writes the Markdown and a JSON of the verdicts (for the summary); returns the findings."""
    from steel.evaluate.selection import candidates
    from steel.io.outputs import read_table

    sweeps = sweeps_from_config({"sweeps": sweeps_config, "loss": loss or {}})
    # the sweeps' cells only: a comparison method's row (MSG-Net) is no cell of the paper's claims
    metrics = {row["cell"]: row for table in tables for row in candidates(read_table(table))}
    loss_rows = {Path(path).parent.name: read_table(path) for path in losses}
    runs = {
        Path(path).parent.name: run_info(json.loads(Path(path).read_text(encoding="utf-8")))
        for path in records
    }
    reference_row = json.loads(Path(reference).read_text(encoding="utf-8")) if reference else None
    findings = pair_findings(sweeps, metrics, loss_rows, reference_row, max_cer, max_artefacts, runs)
    cells = [cell for sweep in sweeps.values() for cell in sweep.cell_ids]
    scale = scale_check(cells, {Path(path).parent.name: path for path in images}, loss or {}, runs)
    steps = sorted({info["steps"] for info in runs.values() if info["steps"] is not None})
    data = {"pair": pair, "steps": steps, "findings": findings, "scale": scale}
    with StagedFiles() as staged:
        staged.stage(Path(out_md), _text_writer(pair_markdown(pair, findings, steps, scale)))
        staged.stage(Path(out_json), write_json(data))
    return findings


def summary_job(pair_jsons: Sequence[str], out_md: str | Path) -> str:
    pairs = {}
    for path in pair_jsons:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pairs[data["pair"]] = data
    text = summary_markdown(pairs)
    with StagedFiles() as staged:
        staged.stage(Path(out_md), _text_writer(text))
    return text
