"""A finding's record, as the findings, their report and the loss's scale write it: the verdicts,
the claims' statements, and the steps and width of the runs it was judged at. No torch is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

HOLDS = "holds"
FAILS = "does not hold"
UNTESTED = "not tested"
VERDICTS = (HOLDS, FAILS, UNTESTED)

#: the paper's step count in every experiment; configs below FAR_SHORT steps are flagged
PAPER_STEPS = 50_000
FAR_SHORT = 5_000

CLAIMS = {
    "conv1_2_cleans": "conv1_2 keeps the background clean",
    "conv5_3_weak": "conv5_3 contributes little",
    "block3_fastest": "block 3 learns style fastest but destroys readability",
    "best_tradeoff": "the best trade-off is table 9 at c(conv1_1) = c(conv1_2) = 2000, c(conv4_*) = 200",
}


def run_info(record: Mapping) -> dict:
    """Steps and width of a run from its ``run.json`` record."""
    settings = record.get("settings") or {}
    steps = record.get("iterations_run", settings.get("iterations"))
    content = record.get("content") or {}
    return {"steps": None if steps is None else int(steps), "width": content.get("width")}


def judged_at(cells: Iterable[str], runs: Mapping[str, Mapping] | None) -> str:
    """Steps and width of the runs of ``cells``, e.g. "300 steps, 256 px wide" (ranges where they
    differ)."""
    runs = runs or {}
    infos = [runs[c] for c in dict.fromkeys(cells) if c in runs]
    steps = sorted({i["steps"] for i in infos if i.get("steps") is not None})
    widths = sorted({i["width"] for i in infos if i.get("width") is not None})
    if not steps and not widths:
        return "steps and width unknown"

    def span(values, unit):
        if not values:
            return f"unknown {unit}"
        text = f"{values[0]:,}" if len(values) == 1 else f"{values[0]:,}-{values[-1]:,}"
        return f"{text} {unit}"

    return f"{span(steps, 'steps')}, {span(widths, 'px wide')}"


def finding(claim, verdict, reason, test, columns=(), rows=(), cells=(), runs=None) -> dict:
    return {
        "claim": claim,
        "statement": CLAIMS[claim],
        "verdict": verdict,
        "reason": reason,
        "test": test,
        "judged_at": judged_at(cells, runs) if cells else "not judged (no cells)",
        "columns": list(columns),
        "rows": [list(r) for r in rows],
        "cells": list(dict.fromkeys(cells)),
    }
