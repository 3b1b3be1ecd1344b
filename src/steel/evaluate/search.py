"""The coefficient search's strategy: k-section on the feasible boundary of a 1-D grid of ratios.

It assumes that style strength, artefacts and misreads all grow with the deep/coarse ratio, so
the cells that meet the selection limits form a low range of the grid and the best of them sits at
its top, just below the first cell that breaks a limit. Round 1 spreads ``per_round`` cells over the
whole grid; every later round splits the gap between the highest cell that met the limits and the
lowest one above it that did not into ``per_round + 1`` equal parts (nothing feasible yet: the gap
below the lowest cell; everything feasible: the gap above the highest). Where the assumption fails
(a feasible cell above an infeasible one) the rounds still narrow on the highest feasible cell
found, and the choice is never the strategy's guess: it is :func:`steel.evaluate.selection.choose_best`
over every evaluated cell, the same rule as the sweeps'. The assumption is checked on the measured
cells (:func:`monotone`, :func:`falls`): feasibility, and each measure against the ratio. A round's
proposals depend only on the rounds before it, so one more round never changes earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from steel.evaluate.selection import _limits_check, _number


def spread(low: int, high: int, count: int, inclusive: bool) -> list[int]:
    """``count`` grid indices evenly spread over [low, high] (ends included) or (low, high)."""
    if inclusive:
        if count == 1 or high == low:
            return sorted({(low + high) // 2})
        return sorted({round(low + (high - low) * j / (count - 1)) for j in range(count)})
    return sorted({round(low + (high - low) * j / (count + 1)) for j in range(1, count + 1)} - {low, high})


def feasible(evaluated: Mapping[int, Mapping], cer_limit: float, artefact_limit: float | None) -> set[int]:
    """The evaluated indices whose cells meet both limits (as the best-cell rule counts them)."""
    check = _limits_check(list(evaluated.values()), cer_limit, artefact_limit)
    return {i for i, row in evaluated.items() if all(check(row))}


def propose(
    size: int,
    evaluated: Mapping[int, Mapping],
    per_round: int,
    cer_limit: float,
    artefact_limit: float | None,
) -> list[int]:
    """The grid indices to evaluate next (none: the boundary is found to the grid's resolution)."""
    if not evaluated:
        return spread(0, size - 1, per_round, inclusive=True)
    good = feasible(evaluated, cer_limit, artefact_limit)
    if good:
        top = max(good)
        above = [i for i in evaluated if i > top and i not in good]
        low, high = top, min(above) if above else size
    else:
        low, high = -1, min(evaluated)
    return [i for i in spread(low, high, per_round, inclusive=False) if 0 <= i < size and i not in evaluated]


#: the measures the strategy assumes to grow with the ratio, and by how much one may fall from a
#: lower ratio to a higher one before it counts as falling (measurement noise: the OCR's CER moves
#: in whole characters, so any fall of it counts)
RISING = {"style_strength": 0.02, "artefacts": 0.02, "cer": 0.0}


def falls(evaluated: Mapping[float, Mapping]) -> list[dict]:
    """Where a measure of :data:`RISING` falls as the ratio grows, over cells keyed by their ratio
    (or grid index): per measure, the largest fall between two cells if it is larger than the
    measure's tolerance, as ``{measure, from_at, from, to_at, to}`` (``from_at``: the lower key)."""
    found = []
    for name, tolerance in RISING.items():
        values = [(at, _number(row.get(name))) for at, row in sorted(evaluated.items())]
        values = [(at, v) for at, v in values if v is not None]
        pairs = [(a, b) for k, a in enumerate(values) for b in values[k + 1 :]]
        (low, before), (high, after) = max(pairs, key=lambda p: p[0][1] - p[1][1], default=((0, 0), (0, 0)))
        if before - after > tolerance:
            found.append({"measure": name, "from_at": low, "from": before, "to_at": high, "to": after})
    return found


def fall_words(fall: Mapping) -> str:
    """One fall of :func:`falls` over cells keyed by their ratio, in words."""
    return (
        f"{fall['measure']} falls from {fall['from']:.3g} at ratio {fall['from_at']:.3g} "
        f"to {fall['to']:.3g} at ratio {fall['to_at']:.3g}"
    )


def monotone(evaluated: Mapping[int, Mapping], cer_limit: float, artefact_limit: float | None) -> bool:
    """Whether the evaluated cells agree with the assumption: no feasible cell above an infeasible
    one, and no measure of :data:`RISING` falling as the ratio grows (:func:`falls`)."""
    good = feasible(evaluated, cer_limit, artefact_limit)
    bad = set(evaluated) - good
    return not (good and bad and max(good) > min(bad)) and not falls(evaluated)


def evaluated_by_index(rounds: Sequence[Mapping], metrics: Mapping[str, Mapping]) -> dict[int, dict]:
    """Grid index -> the metrics row of its cell, over the given rounds' proposals."""
    found = {}
    for round_ in rounds:
        for proposal in round_["proposals"]:
            found[proposal["index"]] = dict(metrics[proposal["cell"]])
    return found
