"""Does the paper hold? Its four findings checked against the numbers of a workflow run.

The paper (Ter-Sarkisov 2020, tables 2-10) judged by eye: (1) conv1_2 keeps the background clean;
(2) conv5_3 contributes little; (3) block 3 learns style fastest but destroys readability; (4) table
9 with c(conv1_1) = c(conv1_2) = 2000 and c(conv4_1..conv4_3) = 200 is the best trade-off. Each
check here finds the cells that test a claim *by their layers* (never by sweep name), compares
their metrics (:mod:`steel.evaluate.metrics`, one row per cell) and logged losses
(``losses.tsv``), and gives a verdict:

``holds``, ``does not hold``, or ``not tested`` (the config lacks the cells, or their numbers are
not measurable: ``None`` metrics such as artefacts on a non-light background count as missing).
A claim is never guessed. Every verdict names the steps and the width of the runs it was judged at:
the look changes with the steps (measured on unseen logos with stand-in weights: conv1_2 added
grey texture at 300 steps and removed artefacts at 4,400), so a config far short of the paper's
50,000 steps is flagged.

Comparisons, all on matched cells (same coefficients apart from the tested difference):

1. conv1_2 cleans: in every sweep whose row layers include conv1_2 and whose rows include 0 and a
   value > 0, each cell with row value > 0 against the cell of the same column at row 0. The
   ``artefacts`` and ``colour_share`` (each where measurable) must fall on average by more than
   :data:`TOLERANCE`; where both sides are clean within it there is nothing to clean (not tested),
   and a measure that does not fall makes the claim fail.
2. conv5_3 weak: every sweep whose deep (column) layers include conv5_3 against the sweep with the
   same coarse (row) and fixed layers and the same convolutions of block 4 (conv5_3 -> conv4_3,
   ...): mean ``style_strength`` lower with block 5 (the relative style-loss fall, first to last
   logged step, where style strength is not measured). Shown with the loss fall either way.
3. block 3 fastest, least readable: sweeps of one family (same coarse and fixed layers, same
   convolutions in different deep blocks), matched cells by deep block: the style loss after the
   first 10 % of logged steps relative to its start must be lowest for block 3, and its mean ``cer``
   highest, against every other block of the family.
4. best trade-off: the rank of the paper's cell (:data:`PAPER_BEST`, found by its cell id) among
   all the pair's cells under the workflow's own rule (:func:`steel.evaluate.selection.choose_best` within
   :func:`steel.evaluate.selection.selection_limits`): holds at rank 1.

:func:`pair_findings` computes all four; :func:`steel.evaluate.findings_report.pair_markdown` and
:func:`steel.evaluate.findings_report.summary_markdown` write them;
:func:`steel.jobs.findings.findings_job` and :func:`steel.jobs.findings.summary_job` are the
workflow's jobs. No torch is imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from steel.evaluate.selection import choose_best, selection_limits
from steel.evaluate.verdicts import FAILS, HOLDS, UNTESTED, finding
from steel.layers import cell_id, format_value
from steel.plan.sweeps import Sweep, loss_difference

#: differences of artefact or colour share (shares of pixels) within this count as none
TOLERANCE = 0.001
#: share of the logged steps after which the early style-loss fall is measured
EARLY = 0.1
#: the paper's best trade-off: table 9, 2000 on the coarse layers and 200 on block 4
PAPER_BEST = {"conv1_1": 2000.0, "conv1_2": 2000.0, "conv4_1": 200.0, "conv4_2": 200.0, "conv4_3": 200.0}

_LAYER = re.compile(r"^(conv|relu)(\d)_(\d)$")


# --- numbers ---------------------------------------------------------------------------------


def _num(value) -> float | None:
    """A finite float, or ``None`` for a missing or unmeasurable value."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "na"):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _fmt(value, digits: int = 4) -> str:
    number = _num(value)
    return "n/a" if number is None else f"{number:.{digits}g}"


def style_losses(rows: Sequence[Mapping]) -> list[tuple[float, float]]:
    """(iteration, style loss) of a run's logged rows (``losses.tsv``), by iteration; rows without a
    finite style loss are left out."""
    points = [(_num(r.get("iteration")), _num(r.get("style"))) for r in rows]
    return sorted((i, s) for i, s in points if i is not None and s is not None)


def loss_fall(rows: Sequence[Mapping]) -> float | None:
    """Relative fall of the style loss from the first to the last logged step (1 = to zero)."""
    points = style_losses(rows)
    if len(points) < 2 or points[0][1] <= 0:
        return None
    return 1.0 - points[-1][1] / points[0][1]


def early_ratio(rows: Sequence[Mapping], share: float = EARLY) -> float | None:
    """Style loss after the first ``share`` of the logged steps relative to its start (lower =
    faster): the first logged row at or past that share of the iterations."""
    points = style_losses(rows)
    if len(points) < 2 or points[0][1] <= 0:
        return None
    first, last = points[0][0], points[-1][0]
    target = first + share * (last - first)
    later = [s for i, s in points[1:] if i >= target]
    return later[0] / points[0][1] if later else None


# --- sweeps by their layers --------------------------------------------------------------------


def _deep(sweep: Sweep) -> tuple[str, int, tuple[int, ...]] | None:
    """(kind, block, conv numbers) of a sweep's column layers when they lie in one block and are
    all conv or all relu layers (``conv4_2, conv4_3`` -> ``("conv", 4, (2, 3))``), else ``None``."""
    parts = [_LAYER.match(layer) for layer in sweep.col_layers]
    if not parts or not all(parts):
        return None
    kinds = {p.group(1) for p in parts}
    blocks = {int(p.group(2)) for p in parts}
    if len(kinds) != 1 or len(blocks) != 1:
        return None
    return kinds.pop(), blocks.pop(), tuple(sorted(int(p.group(3)) for p in parts))


def _family(sweep: Sweep):
    """What a sweep shares with its counterparts in other deep blocks: coarse and fixed layers,
    which convolutions of the deep block, and its own loss settings (``None`` when its deep layers
    span blocks or it varies a loss setting)."""
    deep = _deep(sweep)
    if deep is None or sweep.row_setting is not None:
        return None
    # only sweeps under one loss are counterparts
    loss = tuple(
        (key, format_value(value)) for key, value in loss_difference(sweep.loss, sweep.base_loss).items()
    )
    return (tuple(sorted(sweep.row_layers)), tuple(sorted(sweep.fixed.items())), deep[0], deep[2], loss)


def _matched(a: Sweep, b: Sweep) -> list[tuple[float, float, str, str]]:
    """(row value, column value, cell of a, cell of b) at every grid position both sweeps have."""
    return [
        (r, c, a.cell_at(r, c), b.cell_at(r, c))
        for r in a.row_values
        if r in b.row_values
        for c in a.col_values
        if c in b.col_values
    ]


def _has(cell: str, metrics: Mapping, losses: Mapping) -> bool:
    return cell in metrics or cell in losses


def value_label(value: float) -> str:
    return f"{value:g}"


# --- the claims ----------------------------------------------------------------------------------


def conv1_2_cleans(
    sweeps: Mapping[str, Sweep], metrics: Mapping[str, Mapping], runs: Mapping | None = None
) -> dict:
    """Claim 1: cells with c(conv1_2) > 0 against their c = 0 counterparts (same sweep, column)."""
    test = (
        "artefacts and colour share of each cell with c(conv1_2) > 0 against the cell of the same "
        "column at c = 0, in every sweep whose rows are conv1_2 and include 0 and a value > 0"
    )
    columns = ("sweep", "column", "row", "artefacts at 0", "artefacts", "colour share at 0", "colour share")
    rows, pairs, cells = [], {"artefacts": [], "colour_share": []}, []
    for sweep in sweeps.values():
        if "conv1_2" not in sweep.row_layers or 0.0 not in sweep.row_values:
            continue
        for col in sweep.col_values:
            base = sweep.cell_at(0.0, col)
            for row in (r for r in sweep.row_values if r > 0):
                cell = sweep.cell_at(row, col)
                if cell not in metrics or base not in metrics:
                    continue
                cells += [base, cell]
                values = {}
                for key in pairs:
                    without, with_ = _num(metrics[base].get(key)), _num(metrics[cell].get(key))
                    values[key] = (without, with_)
                    if without is not None and with_ is not None:
                        pairs[key].append((without, with_))
                rows.append(
                    (
                        sweep.name,
                        value_label(col),
                        value_label(row),
                        *(_fmt(v) for key in pairs for v in values[key]),
                    )
                )
    if not rows:
        return finding(
            "conv1_2_cleans",
            UNTESTED,
            "no sweep has conv1_2 rows at 0 and at a value > 0 with metrics for both",
            test,
        )
    judged = {key: _cleaner(values) for key, values in pairs.items() if values}
    if not judged:
        return finding(
            "conv1_2_cleans",
            UNTESTED,
            "artefacts and colour share are not measurable here (e.g. a background that is not light)",
            test,
            columns,
            rows,
            cells,
            runs,
        )
    results = [ok for ok, _ in judged.values()]
    verdict = FAILS if False in results else HOLDS if True in results else UNTESTED
    reason = "; ".join(f"{key.replace('_', ' ')}: {words}" for key, (_, words) in judged.items())
    return finding(
        "conv1_2_cleans", verdict, f"{len(rows)} comparison(s); {reason}", test, columns, rows, cells, runs
    )


def _cleaner(pairs: Sequence[tuple[float, float]]) -> tuple[bool | None, str]:
    """True when conv1_2 cleans (the mean falls by more than :data:`TOLERANCE`), False when it does
    not, None when there is nothing to clean (both sides clean within the tolerance)."""
    without = _mean(w for w, _ in pairs)
    with_ = _mean(w for _, w in pairs)
    words = f"mean {with_:.4g} with conv1_2 against {without:.4g} without"
    if with_ - without < -TOLERANCE:
        return True, words + " (cleaner)"
    if with_ <= TOLERANCE and without <= TOLERANCE:
        return None, words + " (clean either way: nothing to clean)"
    return False, words + (" (no cleaner)" if with_ <= without + TOLERANCE else " (dirtier)")


def conv5_3_weak(
    sweeps: Mapping[str, Sweep],
    metrics: Mapping[str, Mapping],
    losses: Mapping[str, Sequence[Mapping]],
    runs: Mapping | None = None,
) -> dict:
    """Claim 2: sweeps with conv5_3 among the deep layers against their block-4 counterparts."""
    test = (
        "style strength and relative style-loss fall (first to last logged step) of each sweep whose "
        "deep layers include conv5_3 against the sweep with the same coarse layers and the same "
        "convolutions of block 4, cell by cell"
    )
    columns = (
        "block 5 sweep",
        "block 4 sweep",
        "row",
        "column",
        "strength 5",
        "strength 4",
        "fall 5",
        "fall 4",
    )
    rows, strengths, falls, cells = [], [], [], []
    for five in sweeps.values():
        deep = _deep(five)
        if "conv5_3" not in five.col_layers or deep is None or deep[1] != 5:
            continue
        for four in sweeps.values():
            if _family(four) != _family(five) or _deep(four)[1] != 4:
                continue
            for row, col, cell5, cell4 in _matched(five, four):
                if not _has(cell5, metrics, losses) or not _has(cell4, metrics, losses):
                    continue
                cells += [cell5, cell4]
                s5 = _num((metrics.get(cell5) or {}).get("style_strength"))
                s4 = _num((metrics.get(cell4) or {}).get("style_strength"))
                f5 = loss_fall(losses.get(cell5) or [])
                f4 = loss_fall(losses.get(cell4) or [])
                if s5 is not None and s4 is not None:
                    strengths.append((s5, s4))
                if f5 is not None and f4 is not None:
                    falls.append((f5, f4))
                rows.append(
                    (five.name, four.name, value_label(row), value_label(col), *map(_fmt, (s5, s4, f5, f4)))
                )
    if not rows:
        return finding(
            "conv5_3_weak",
            UNTESTED,
            "no sweep with conv5_3 deep layers has a block-4 counterpart (same coarse layers) with results",
            test,
        )
    fall5, fall4 = _mean(f for f, _ in falls), _mean(f for _, f in falls)
    fall_words = (
        f"style-loss fall {fall5:.4g} with block 5 against {fall4:.4g}"
        if falls
        else "style-loss fall not available"
    )
    if strengths:
        five_mean, four_mean = _mean(s for s, _ in strengths), _mean(s for _, s in strengths)
        verdict = HOLDS if five_mean < four_mean else FAILS
        reason = (
            f"mean style strength {five_mean:.4g} with block 5 against {four_mean:.4g} with block 4; "
            + fall_words
        )
    elif falls:
        five_mean, four_mean = _mean(f for f, _ in falls), _mean(f for _, f in falls)
        verdict = HOLDS if five_mean < four_mean else FAILS
        reason = f"style strength not measured; {fall_words}"
    else:
        verdict, reason = (
            UNTESTED,
            "neither style strength nor style-loss fall is available for the matched cells",
        )
    return finding(
        "conv5_3_weak", verdict, f"{len(rows)} matched cell(s); {reason}", test, columns, rows, cells, runs
    )


def block3_fastest(
    sweeps: Mapping[str, Sweep],
    metrics: Mapping[str, Mapping],
    losses: Mapping[str, Sequence[Mapping]],
    runs: Mapping | None = None,
) -> dict:
    """Claim 3: block 3 against blocks 4 and 5 of the same family, cell by cell."""
    test = (
        f"style loss after the first {EARLY:.0%} of logged steps relative to its start (lower = faster), "
        "and CER, of block-3 sweeps against the sweeps of other deep blocks with the same coarse "
        "layers and convolutions (the Figure 3 families), cell by cell"
    )
    columns = (
        "block 3 sweep",
        "other sweep",
        "block",
        "row",
        "column",
        "early loss 3",
        "early loss",
        "CER 3",
        "CER",
    )
    rows, cells = [], []
    by_block: dict[int, dict[str, list[tuple[float, float]]]] = {}
    for three in sweeps.values():
        deep = _deep(three)
        if deep is None or deep[1] != 3:
            continue
        for other in sweeps.values():
            other_deep = _deep(other)
            if other is three or _family(other) != _family(three) or other_deep[1] == 3:
                continue
            block = other_deep[1]
            scores = by_block.setdefault(block, {"early": [], "cer": []})
            for row, col, cell3, cell in _matched(three, other):
                if not _has(cell3, metrics, losses) or not _has(cell, metrics, losses):
                    continue
                cells += [cell3, cell]
                e3, e = early_ratio(losses.get(cell3) or []), early_ratio(losses.get(cell) or [])
                c3 = _num((metrics.get(cell3) or {}).get("cer"))
                c = _num((metrics.get(cell) or {}).get("cer"))
                if e3 is not None and e is not None:
                    scores["early"].append((e3, e))
                if c3 is not None and c is not None:
                    scores["cer"].append((c3, c))
                rows.append(
                    (
                        three.name,
                        other.name,
                        str(block),
                        value_label(row),
                        value_label(col),
                        *map(_fmt, (e3, e, c3, c)),
                    )
                )
    if not rows:
        return finding(
            "block3_fastest",
            UNTESTED,
            "no block-3 sweep has a counterpart in another deep block (same coarse layers) with results",
            test,
        )
    halves = {}
    for part, better, words in (
        ("early", lambda mine, theirs: mine < theirs, "fastest"),
        ("cer", lambda mine, theirs: mine > theirs, "least readable"),
    ):
        compared = {b: s[part] for b, s in sorted(by_block.items()) if s[part]}
        if not compared:
            halves[part] = (None, f"{words}: not measurable")
            continue
        details = []
        ok = True
        for block, pairs in compared.items():
            mine, theirs = _mean(p for p, _ in pairs), _mean(p for _, p in pairs)
            ok &= better(mine, theirs)
            label = "early loss" if part == "early" else "CER"
            details.append(f"{label} {mine:.4g} with block 3 against {theirs:.4g} with block {block}")
        halves[part] = (ok, f"{words}: {'yes' if ok else 'no'} ({'; '.join(details)})")
    results = [ok for ok, _ in halves.values()]
    if any(ok is False for ok in results):
        verdict = FAILS
    elif all(ok for ok in results):
        verdict = HOLDS
    else:
        verdict = UNTESTED
    reason = f"{len(rows)} matched cell(s); " + "; ".join(words for _, words in halves.values())
    return finding("block3_fastest", verdict, reason, test, columns, rows, cells, runs)


def rank_cells(rows: Sequence[Mapping], max_cer: float, max_artefacts: float | None = None) -> list[Mapping]:
    """All rows in the order the best-cell rule prefers them: :func:`steel.evaluate.selection.choose_best`
    applied again to what is left."""
    left = list(rows)
    ranked = []
    while left:
        best = choose_best(left, max_cer, max_artefacts)
        ranked.append(best)
        left = [row for row in left if row is not best]
    return ranked


def best_tradeoff(
    metrics: Mapping[str, Mapping],
    reference: Mapping | None,
    max_cer: float,
    max_artefacts: float | None = None,
    runs: Mapping | None = None,
) -> dict:
    """Claim 4: the rank of the paper's best cell under the workflow's own best-cell rule."""
    target = cell_id(PAPER_BEST)
    limits = selection_limits(reference, max_cer, max_artefacts)
    test = (
        f"rank of cell {target} among all the pair's cells under the workflow's best-cell rule: "
        f"{limits['rule']}"
    )
    if target not in metrics:
        return finding("best_tradeoff", UNTESTED, f"the config has no cell {target}", test)
    if len(metrics) < 2:
        return finding("best_tradeoff", UNTESTED, "it is the only cell: nothing to rank it against", test)
    ranked = rank_cells(
        [{**row, "cell": cell} for cell, row in metrics.items()],
        limits["cer_limit"],
        limits["artefact_limit"],
    )
    order = [row["cell"] for row in ranked]
    rank = order.index(target) + 1
    columns = ("rank", "cell", "CER", "artefacts", "style strength")
    shown = [i for i in range(len(ranked)) if i < 5 or ranked[i]["cell"] == target]
    rows = [
        (
            str(i + 1),
            ("**" + ranked[i]["cell"] + "**") if ranked[i]["cell"] == target else ranked[i]["cell"],
            *(_fmt(ranked[i].get(key)) for key in ("cer", "artefacts", "style_strength")),
        )
        for i in shown
    ]
    reason = f"rank {rank} of {len(order)}"
    if rank == 1:
        verdict = HOLDS
    else:
        verdict = FAILS
        reason += f"; the rule prefers {order[0]}"
    return finding("best_tradeoff", verdict, reason, test, columns, rows, order, runs)


def pair_findings(
    sweeps: Mapping[str, Sweep],
    metrics: Mapping[str, Mapping],
    losses: Mapping[str, Sequence[Mapping]],
    reference: Mapping | None,
    max_cer: float,
    max_artefacts: float | None = None,
    runs: Mapping[str, Mapping] | None = None,
) -> list[dict]:
    """The four findings of one pair: ``metrics`` and ``losses`` by cell id, ``runs`` (cell id ->
    :func:`steel.evaluate.verdicts.run_info`) for the steps and width each verdict was judged at."""
    return [
        conv1_2_cleans(sweeps, metrics, runs),
        conv5_3_weak(sweeps, metrics, losses, runs),
        block3_fastest(sweeps, metrics, losses, runs),
        best_tradeoff(metrics, reference, max_cer, max_artefacts, runs),
    ]
