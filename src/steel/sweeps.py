"""Experiments as the workflow sees them: sweeps (paper-style tables) of cells, pairs, names, paths.

A sweep crosses a group of row layers with a group of column layers; the cell at (row value, column
value) gives every row layer the row value and every column layer the column value (0 = off), plus
the sweep's ``fixed`` coefficients. Identical cells of two sweeps share one id and so one target.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from steel.errors import SteelError
from steel.layers import block_of, cell_id, check_coefficients, check_layer, format_coefficient

#: names of styles, contents, sweeps and figures become parts of paths
NAME_REGEX = r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*"
NAME_PATTERN = re.compile(NAME_REGEX)
#: folders beside the sweeps' under results/sheets, results/plots, results/metrics
RESERVED_SWEEP_NAMES = ("methods", "figures")
#: joins a style and a content name in file names: ``{style}__{content}``
PAIR_SEPARATOR = "__"

RUN_DIR = "results/runs/{style}/{content}/{cell}"
#: log and benchmark of a stylize job that optimises several cells (execution.cells_per_job > 1)
BATCH_DIR = "results/runs/{style}/{content}/batches/{batch}"


def check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise SteelError(
            f"{what} name {name!r} cannot be used in file paths; use letters and digits, joined by single "
            "'-' or '_' (e.g. iron-wrath or iron_wrath)"
        )
    return name


@dataclass(frozen=True)
class Sweep:
    """One paper-style table: ``grid[r][c]`` is the coefficient mapping of a cell."""

    name: str
    row_layers: tuple[str, ...]
    row_values: tuple[float, ...]
    col_layers: tuple[str, ...]
    col_values: tuple[float, ...]
    fixed: Mapping[str, float]
    title: str | None = None

    @property
    def deep_block(self) -> int:
        """The VGG block of the column layers (the paper's "deep" group), for line styles."""
        return max(block_of(layer) for layer in self.col_layers)

    @classmethod
    def from_config(cls, name: str, spec: Mapping) -> Sweep:
        check_name(name, "sweep")
        if name in RESERVED_SWEEP_NAMES:
            raise SteelError(
                f"sweep name {name!r} is taken by the workflow's own outputs "
                f"({', '.join(RESERVED_SWEEP_NAMES)}); rename the sweep"
            )
        rows = spec.get("rows") or {"layers": [], "values": [0]}
        cols = spec["cols"]
        sweep = cls(
            name,
            tuple(check_layer(n) for n in rows["layers"]),
            tuple(float(v) for v in rows["values"]),
            tuple(check_layer(n) for n in cols["layers"]),
            tuple(float(v) for v in cols["values"]),
            check_coefficients(spec.get("fixed") or {}),
            spec.get("title"),
        )
        overlap = (set(sweep.row_layers) & set(sweep.col_layers)) | (
            set(sweep.fixed) & set(sweep.row_layers + sweep.col_layers)
        )
        if overlap:
            raise SteelError(
                f"sweep {name}: layer(s) {', '.join(sorted(overlap))} appear in more than one of rows, "
                "cols and fixed; give each layer one place"
            )
        for row in sweep.grid:
            for coefficients in row:
                if not coefficients:
                    raise SteelError(
                        f"sweep {name} has a cell with no active style layer (all coefficients 0); "
                        "remove the 0 from the values or add a fixed layer"
                    )
        return sweep

    def coefficients(self, row_value: float, col_value: float) -> dict[str, float]:
        raw = dict(self.fixed)
        raw |= {layer: row_value for layer in self.row_layers}
        raw |= {layer: col_value for layer in self.col_layers}
        return check_coefficients(raw)

    @property
    def grid(self) -> list[list[dict[str, float]]]:
        return [[self.coefficients(r, c) for c in self.col_values] for r in self.row_values]

    @property
    def cell_ids(self) -> list[str]:
        """Distinct cell ids in table order (rows, then columns)."""
        return list(dict.fromkeys(cell_id(c) for row in self.grid for c in row))

    def cell_at(self, row_value: float, col_value: float) -> str:
        """The id of the cell at (row value, column value), as written in figure references."""
        if float(row_value) not in self.row_values or float(col_value) not in self.col_values:
            raise SteelError(
                f"sweep {self.name} has no cell at row {format_coefficient(row_value)}, column "
                f"{format_coefficient(col_value)}; its rows are "
                f"{', '.join(map(format_coefficient, self.row_values))} and its columns "
                f"{', '.join(map(format_coefficient, self.col_values))}"
            )
        return cell_id(self.coefficients(float(row_value), float(col_value)))


def sweeps_from_config(config: Mapping) -> dict[str, Sweep]:
    return {name: Sweep.from_config(name, spec) for name, spec in (config.get("sweeps") or {}).items()}


def pairs_from_config(config: Mapping) -> list[tuple[str, str]]:
    """The (style, content) pairs: ``all`` crosses every style with every content."""
    styles, contents = config.get("styles") or {}, config.get("contents") or {}
    for name in styles:
        check_name(name, "style")
    for name in contents:
        check_name(name, "content")
    pairs = config.get("pairs", "all")
    if pairs == "all":
        return [(s, c) for s in styles for c in contents]
    result = []
    for style, content in pairs:
        if style not in styles:
            raise SteelError(
                f"pair [{style}, {content}]: no style named {style!r}; styles are {list(styles)}"
            )
        if content not in contents:
            raise SteelError(
                f"pair [{style}, {content}]: no content named {content!r}; contents are {list(contents)}"
            )
        result.append((style, content))
    return list(dict.fromkeys(result))


def logo_entry(entry, what: str, name: str) -> dict:
    """A style or content as ``{"image": path or None, "text": word or None, "font": path or None}``.

    A bare string is an image path. Without an image the word ``text`` is drawn in ``font`` (None:
    the bundled sans); with one, ``text`` is only the word the logo shows (a content's OCR
    reference) and ``font`` has no use."""
    if isinstance(entry, str):
        return {"image": entry, "text": None, "font": None}
    logo = {"image": entry.get("image"), "text": entry.get("text"), "font": entry.get("font")}
    if logo["image"] is None and not (isinstance(logo["text"], str) and logo["text"].strip()):
        raise SteelError(
            f"{what} {name} has neither an image nor a text; give image: PATH (PNG, JPEG, SVG...) "
            "or text: WORD (drawn in font: PATH, default the bundled sans)"
        )
    if logo["image"] is not None and logo["font"] is not None:
        raise SteelError(
            f"{what} {name} has both an image and a font; a font only draws the text of a {what} "
            "without an image: remove one"
        )
    return logo


def content_entry(config: Mapping, name: str) -> dict:
    """A content as ``{"image", "text", "font"}`` (see :func:`logo_entry`; text = the word the logo
    shows, for metrics, and the word drawn when there is no image)."""
    return logo_entry(config["contents"][name], "content", name)


def style_entry(config: Mapping, name: str) -> dict:
    """A style as ``{"image", "text", "font"}`` (see :func:`logo_entry`)."""
    return logo_entry(config["styles"][name], "style", name)


def pair_name(style: str, content: str) -> str:
    return f"{style}{PAIR_SEPARATOR}{content}"


@dataclass(frozen=True)
class FigureLine:
    sweep: Sweep
    cell: str
    coefficients: dict[str, float]


def figure_lines(name: str, spec: Mapping, sweeps: Mapping[str, Sweep]) -> list[FigureLine]:
    """Resolve a figure's ``cells`` references, ``sweep/row value/column value`` (or ``sweep/column
    value`` for a sweep without rows), to cells."""
    check_name(name, "figure")
    lines = []
    for ref in spec["cells"]:
        parts = str(ref).split("/")
        if len(parts) == 2:
            parts.insert(1, "0")
        if len(parts) != 3:
            raise SteelError(f"figure {name}: cell reference {ref!r} is not sweep/row value/column value")
        sweep_name, row, col = parts
        if sweep_name not in sweeps:
            raise SteelError(
                f"figure {name}: {ref!r} names no sweep {sweep_name!r}; sweeps are {', '.join(sweeps)}"
            )
        sweep = sweeps[sweep_name]
        try:
            row_value, col_value = float(row), float(col)
        except ValueError:
            raise SteelError(f"figure {name}: {ref!r} has a value that is not a number") from None
        try:
            cell = sweep.cell_at(row_value, col_value)
        except SteelError as error:
            raise SteelError(f"figure {name}: {error}") from None
        lines.append(FigureLine(sweep, cell, sweep.coefficients(row_value, col_value)))
    return lines
