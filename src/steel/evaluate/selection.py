"""Choosing among measured cells: the limits a cell must meet (from the unstyled logo's own numbers),
the Pareto front, and the recommended cell; other methods' cells (MSG-Net) are shown, never chosen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from steel.errors import SteelError


def _number(value) -> float | None:
    """A finite float, or ``None`` for missing values (``None``, ``""``, ``"nan"``, ``"None"``)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "na")):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def pareto_front(
    rows: Iterable[Mapping], x: str = "style_strength", y: str = "cer", id: str = "cell"
) -> list[str]:
    """Ids of the rows that no other row dominates (maximise ``x``, minimise ``y``), by rising ``x``.

    A row dominates another when its ``x`` is at least as high and its ``y`` at least as low, one of
    them strictly. Rows missing ``x`` or ``y`` are left out; equal points are all on the front.
    """
    points = [(row[id], _number(row.get(x)), _number(row.get(y))) for row in rows]
    points = [(key, px, py) for key, px, py in points if px is not None and py is not None]
    front = [
        (px, py, key)
        for key, px, py in points
        if not any(qx >= px and qy <= py and (qx > px or qy < py) for _, qx, qy in points)
    ]
    return [key for _, _, key in sorted(front, key=lambda p: (p[0], -p[1]))]


def selection_limits(reference: Mapping | None, max_cer: float, max_artefacts: float | None) -> dict:
    """The limits a cell must meet, relative to the unstyled ``reference``
    (:func:`steel.evaluate.metrics.reference_metrics`).

    ``cer_limit`` = the reference's CER + ``max_cer`` (``max_cer`` alone when the reference has no
    CER): a logo the OCR reads imperfectly even unstyled is not held to a perfect read.
    ``artefact_limit`` = the reference's artefacts + ``max_artefacts``; ``None`` (no limit) when
    ``max_artefacts`` is ``None`` or the artefacts are not measured (non-white background).
    Also ``rule``: the whole rule in words, for best.json and the trade-off plot.
    """
    reference = reference or {}
    ref_cer = _number(reference.get("cer"))
    ref_artefacts = _number(reference.get("artefacts"))
    cer_limit = round(max_cer + (ref_cer or 0.0), 6)
    artefact_limit = (
        None if max_artefacts is None or ref_artefacts is None else round(ref_artefacts + max_artefacts, 6)
    )
    cer_words = (
        f"CER <= {cer_limit:g} (the unstyled reference's {ref_cer:g} + max_cer {max_cer:g})"
        if ref_cer is not None
        else f"CER <= max_cer {max_cer:g}"
    )
    if artefact_limit is not None:
        artefact_words = (
            f"artefacts <= {artefact_limit:g} (the reference's {ref_artefacts:g} + max_artefacts "
            f"{max_artefacts:g})"
        )
    elif max_artefacts is None:
        artefact_words = "no artefact limit (max_artefacts: null)"
    else:
        artefact_words = (
            "no artefact limit (artefacts not measured: "
            + str(reference.get("artefact_note") or "no reference")
            + ")"
        )
    rule = (
        f"highest style strength among the cells with {cer_words} and {artefact_words}; "
        "ties: fewer artefacts, lower CER. If none qualifies: the fewest artefacts among the readable "
        "cells, else the lowest CER"
    )
    return {"cer_limit": cer_limit, "artefact_limit": artefact_limit, "rule": rule}


def limits_met(row: Mapping, rows: Sequence[Mapping], max_cer: float, max_artefacts: float | None):
    """``(readable, clean)``: whether ``row`` keeps within each limit, as :func:`choose_best` counts.

    A missing number fails its limit, unless no row of ``rows`` has that number at all (content
    without text, a non-white background): then the limit cannot be checked and every row meets it.
    """
    return _limits_check(rows, max_cer, max_artefacts)(row)


def _limits_check(rows: Sequence[Mapping], max_cer: float, max_artefacts: float | None):
    """:func:`limits_met` for any row of ``rows``, with what ``rows`` measure looked at once."""
    has_cer = any(_number(other.get("cer")) is not None for other in rows)
    has_artefacts = any(_number(other.get("artefacts")) is not None for other in rows)

    def met(row: Mapping) -> tuple[bool, bool]:
        cer, artefacts = _number(row.get("cer")), _number(row.get("artefacts"))
        readable = not has_cer or (cer is not None and cer <= max_cer)
        clean = max_artefacts is None or not has_artefacts
        clean = clean or (artefacts is not None and artefacts <= max_artefacts)
        return readable, clean

    return met


def choose_best(rows: Sequence[Mapping], max_cer: float, max_artefacts: float | None = None) -> Mapping:
    """The recommended cell: the most style that stays readable and clean.

    ``max_cer`` and ``max_artefacts`` are absolute limits (:func:`selection_limits` makes them
    relative to the reference). Rule:

    1. among the rows with ``cer <= max_cer`` and (if given) ``artefacts <= max_artefacts``, the
       highest ``style_strength``; ties go to fewer ``artefacts``, then lower ``cer``, then the
       smaller cell id;
    2. if none qualifies, among the readable rows (``cer <= max_cer``) the fewest ``artefacts``
       (ties: higher style strength, lower ``cer``, cell id);
    3. if no row is readable, the lowest ``cer`` (ties: higher style strength, fewer artefacts,
       cell id).

    If no row has a ``cer`` (content without text), readability cannot be checked: every row counts
    as readable. If no row has ``artefacts`` (non-white background), the artefact limit is not
    applied. Returns the row itself.
    """
    rows = list(rows)
    if not rows:
        raise SteelError("no cells to choose from")

    def value(row, key, missing):
        number = _number(row.get(key))
        return missing if number is None else number

    def by_style(row):
        return (
            -value(row, "style_strength", -math.inf),
            value(row, "artefacts", math.inf),
            value(row, "cer", math.inf),
            str(row.get("cell")),
        )

    met = _limits_check(rows, max_cer, max_artefacts)
    readable = [row for row in rows if met(row)[0]]
    clean = [row for row in readable if met(row)[1]]
    if clean:
        return min(clean, key=by_style)
    if readable:
        return min(readable, key=lambda row: (value(row, "artefacts", math.inf), *by_style(row)))
    return min(rows, key=lambda row: (value(row, "cer", math.inf), *by_style(row)))


#: cells of other methods in a pair's run folder (cell id -> method): measured like a cell, shown
#: beside the sweeps' cells in the metrics tables, never a candidate of the best-cell rule
COMPARISON_CELLS = {"msgnet": "MSG-Net"}


#: the method of every other cell
METHOD = "Network of Steel"
#: the same cells by the outline method (a run.json that says ``"method": "outline"``): candidates
#: like the pixel cells, from a folder of their own
OUTLINE_METHOD = "Network of Steel, outlines"


def candidates(rows: Sequence[Mapping]) -> list[Mapping]:
    """The Network of Steel pixel cells among metrics rows (a comparison method's row and an outline
    cell's row left out: outline cells enter a choice from their own metrics)."""
    return [
        row for row in rows if row.get("cell") not in COMPARISON_CELLS and row.get("method") != OUTLINE_METHOD
    ]


def method_label(cell: str | None, record: Mapping | None = None) -> str:
    """The method of a cell, for tables, plots and sheets: a comparison method's name with its
    training budget (steps, width, weights) where its ``run.json`` records one, so that a tiny
    model is never read as the baseline; :data:`METHOD` for every other cell."""
    if (record or {}).get("method") == "outline":
        return OUTLINE_METHOD
    name = COMPARISON_CELLS.get(cell, METHOD)
    training = (record or {}).get("training") or {}
    if cell not in COMPARISON_CELLS or not training:
        return name
    weights = (record or {}).get("weights")
    budget = f"{training.get('steps')} steps at {training.get('width')} px" + (
        f", {weights} weights" if weights else ""
    )
    return f"{name} ({budget})"
