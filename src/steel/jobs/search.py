"""The search jobs: one round's proposals (a Snakemake checkpoint), and the search's result."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.evaluate.search import evaluated_by_index, fall_words, falls, monotone, propose
from steel.evaluate.selection import choose_best, selection_limits
from steel.io.outputs import StagedFiles, read_json, write_json
from steel.plan.run_folder import STYLIZED
from steel.plan.search import Search


def _search(name: str, spec: Mapping) -> Search:
    return Search.from_config(name, spec | {"rounds": 1}, {})


def _limits(reference: str, max_cer: float, max_artefacts: float | None) -> dict:
    return selection_limits(read_json(reference), max_cer, max_artefacts)


def round_job(
    name: str,
    spec: Mapping,
    number: int,
    previous: Sequence[str],
    metrics: Mapping[str, str],
    reference: str,
    max_cer: float,
    max_artefacts: float | None,
    out: str | Path,
) -> list[dict]:
    """Round ``number``'s proposals from the rounds before it (``previous``: their files;
    ``metrics``: cell id -> metrics.json of their cells): written as ``{round, proposals}``."""
    search = _search(name, spec)
    limits = _limits(reference, max_cer, max_artefacts)
    rounds = [read_json(path) for path in previous]
    evaluated = evaluated_by_index(rounds, {cell: read_json(path) for cell, path in metrics.items()})
    grid = search.grid()
    indices = propose(len(grid), evaluated, search.per_round, limits["cer_limit"], limits["artefact_limit"])
    proposals = [{"index": i, "ratio": grid[i], "cell": search.cell(i)} for i in indices]
    with StagedFiles() as staged:
        staged.stage(Path(out), write_json({"round": number, "proposals": proposals}))
    cells = ", ".join(p["cell"] for p in proposals) or "none (the boundary is found to the grid's resolution)"
    print(f"search {name} round {number}: {cells}", flush=True)
    return proposals


def result_job(
    name: str,
    rounds: Sequence[str],
    metrics: Mapping[str, str],
    reference: str,
    max_cer: float,
    max_artefacts: float | None,
    run_root: str | Path,
    out_json: str | Path,
    out_plot: str | Path,
    out_png: str | Path,
) -> dict:
    """Every evaluated ratio with its cell, round and metrics; the chosen cell by the sweeps' rule;
    the picture; and the chosen image."""
    from steel.render.plots import save_figure
    from steel.render.search import search_plot

    limits = _limits(reference, max_cer, max_artefacts)
    rows = {cell: read_json(path) for cell, path in metrics.items()}
    points = []
    for path in rounds:
        round_ = read_json(path)
        for proposal in round_["proposals"]:
            points.append(
                {"round": round_["round"], **proposal, **rows[proposal["cell"]], "cell": proposal["cell"]}
            )
    chosen = (
        choose_best(list(rows.values()), limits["cer_limit"], limits["artefact_limit"])["cell"]
        if rows
        else None
    )
    evaluated = {p["index"]: p for p in points}
    fallen = falls({p["ratio"]: p for p in points})
    result = {
        "search": name,
        "evaluated": points,
        "runs": len({p["cell"] for p in points}),
        "chosen": chosen,
        "chosen_metrics": rows.get(chosen),
        "rule": limits["rule"],
        "monotone": monotone(evaluated, limits["cer_limit"], limits["artefact_limit"]),
        # the measures that break the strategy's assumption (each grows with the ratio)
        "falls": [fall_words(fall) for fall in fallen],
    }
    with StagedFiles() as staged:
        staged.stage(Path(out_json), write_json(result))
        if chosen is not None:
            image = Path(run_root) / chosen / STYLIZED
            staged.stage(Path(out_png), lambda tmp: shutil.copyfile(image, tmp))
    title = f"search {name}: {Path(out_json).stem.replace('__', ' on ')}"
    figure = search_plot(points, chosen, limits["artefact_limit"], title, fallen)
    save_figure(figure, out_plot)
    return result
