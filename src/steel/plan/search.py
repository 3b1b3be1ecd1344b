"""A coefficient search as the workflow plans it: a search names a coarse and a deep group of layers
and a range of deep/coarse ratios; ratios live on a log grid and map to cells canonically.

Under the paper's loss with Adam only the ratio of the coefficients matters (a common factor of
all of them leaves the step unchanged), so a table's 2-D grid is a 1-D search over the ratio.
Every coarse layer gets ``coarse_value``, every deep layer ``coarse_value x ratio`` rounded to 3
significant digits, so the same ratio always names the same cell id, and a searched cell that a
sweep also has is one run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from steel.errors import SteelError
from steel.layers import cell_id, check_layer
from steel.plan.sweeps import check_name

#: the most ratios a search's grid may hold: a search runs a few cells a round, so a finer grid only
#: costs planning time and memory (a million points took gigabytes)
MAX_GRID_POINTS = 10_000


@dataclass(frozen=True)
class Search:
    name: str
    coarse: tuple[str, ...]
    deep: tuple[str, ...]
    ratio: tuple[float, float]
    rounds: int
    per_round: int
    coarse_value: float
    points_per_decade: int

    @classmethod
    def from_config(cls, name: str, spec: Mapping, config: Mapping) -> Search:
        """A search of the config (schema-validated), refused in one line where the ratio is not
        all that matters: another normalisation than the paper's, or another optimiser than Adam."""
        check_name(name, "search")
        loss, optimizer = config.get("loss") or {}, config.get("optimizer") or {}
        if loss.get("normalise", "paper") != "paper" or optimizer.get("name", "adam") != "adam":
            raise SteelError(
                f"search {name}: a ratio search needs the paper's loss with Adam (only the ratio of the "
                "coefficients matters there); set loss.normalise: paper and optimizer.name: adam"
            )
        coarse, deep = tuple(spec["coarse"]), tuple(spec["deep"])
        for layer in (*coarse, *deep):
            check_layer(layer)
        if set(coarse) & set(deep):
            raise SteelError(f"search {name}: {sorted(set(coarse) & set(deep))[0]} is both coarse and deep")
        low, high = (float(r) for r in spec["ratio"])
        if not 0 < low < high < math.inf:
            raise SteelError(
                f"search {name}: ratio must be [low, high] with 0 < low < high, not {spec['ratio']}"
            )
        search = cls(
            name,
            coarse,
            deep,
            (low, high),
            int(spec["rounds"]),
            int(spec["per_round"]),
            float(spec["coarse_value"]),
            int(spec["points_per_decade"]),
        )
        points = len(search.exponents())
        if points > MAX_GRID_POINTS:
            raise SteelError(
                f"search {name}: its ratio grid would hold {points:,} points, over the limit of "
                f"{MAX_GRID_POINTS:,}; narrow the ratio range or lower points_per_decade"
            )
        if not points:
            raise SteelError(f"search {name}: no ratio of the grid lies in {[low, high]}; widen the range")
        return search

    def exponents(self) -> range:
        """The grid's ratios as powers of 10 ** (1 / ``points_per_decade``): a range, made at no cost."""
        low, high = (math.log10(r) * self.points_per_decade for r in self.ratio)
        return range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)

    def grid(self) -> list[float]:
        """The ratios of the log grid (``points_per_decade`` per decade, through 1) inside the range."""
        return [10 ** (k / self.points_per_decade) for k in self.exponents()]

    def coefficients(self, ratio: float) -> dict[str, float]:
        deep = float(f"{self.coarse_value * ratio:.3g}")
        return {**dict.fromkeys(self.coarse, self.coarse_value), **dict.fromkeys(self.deep, deep)}

    def cell(self, index: int) -> str:
        """The cell id of the grid's ``index``-th ratio."""
        return cell_id(self.coefficients(self.grid()[index]))

    def params(self) -> dict:
        """What a round's proposals depend on (never ``rounds``: one more round reruns nothing)."""
        return {
            "coarse": list(self.coarse),
            "deep": list(self.deep),
            "ratio": list(self.ratio),
            "per_round": self.per_round,
            "coarse_value": self.coarse_value,
            "points_per_decade": self.points_per_decade,
        }


def searches_from_config(config: Mapping) -> dict[str, Search]:
    return {
        name: Search.from_config(name, spec, config) for name, spec in (config.get("search") or {}).items()
    }
