"""The coefficient search's strategy: k-section on the feasible boundary of a 1-D grid of ratios.

It assumes that style strength, artefacts and misreads all grow with the deep/coarse ratio, so
the cells that meet the selection limits form a low range of the grid and the best of them sits at
its top, just below the first cell that breaks a limit. Round 1 spreads ``per_round`` cells over the
whole grid; every later round splits the gap between the highest cell that met the limits and the
lowest one above it that did not into ``per_round + 1`` equal parts (nothing feasible yet: the gap
below the lowest cell; everything feasible: the gap above the highest). Where the assumption fails
(a feasible cell above an infeasible one) the rounds still narrow on the highest feasible cell
found, and the choice is never the strategy's guess: it is :func:`steel.evaluate.selection.choose_best`
over every evaluated cell, the same rule as the sweeps'. A round's proposals depend only on the
rounds before it, so one more round never changes earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from steel.evaluate.selection import _limits_check


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


def monotone(evaluated: Mapping[int, Mapping], cer_limit: float, artefact_limit: float | None) -> bool:
    """Whether the evaluated cells agree with the assumption: no feasible cell above an infeasible one."""
    good = feasible(evaluated, cer_limit, artefact_limit)
    bad = set(evaluated) - good
    return not (good and bad and max(good) > min(bad))


def evaluated_by_index(rounds: Sequence[Mapping], metrics: Mapping[str, Mapping]) -> dict[int, dict]:
    """Grid index -> the metrics row of its cell, over the given rounds' proposals."""
    found = {}
    for round_ in rounds:
        for proposal in round_["proposals"]:
            found[proposal["index"]] = dict(metrics[proposal["cell"]])
    return found
