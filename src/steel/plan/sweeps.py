"""Experiments as the workflow sees them: sweeps (paper-style tables) of cells, pairs, names, paths.

A sweep crosses a group of row layers with a group of column layers; the cell at (row value, column
value) gives every row layer the row value and every column layer the column value (0 = off), plus
the sweep's ``fixed`` coefficients. Identical cells of two sweeps share one id and so one target.

A sweep may also set loss settings of its own (``loss:``, over the config's ``loss`` section), and
its rows or columns may vary one loss setting instead of coefficients (``{setting, values}``). A
cell whose loss differs from the config's names the differing settings in its id
(:func:`steel.layers.cell_id`), so the same layers under two losses are two cells, and a cell
without such a difference keeps the id of its layers alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from steel.errors import SteelError
from steel.layers import block_of, cell_id, check_coefficients, check_layer, format_value

#: names of styles, contents, sweeps and figures become parts of paths
NAME_REGEX = r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*"
NAME_PATTERN = re.compile(NAME_REGEX)
#: folders beside the sweeps' under results/sheets, results/plots, results/metrics
RESERVED_SWEEP_NAMES = ("methods", "figures")
#: joins a style and a content name in file names: ``{style}__{content}``
PAIR_SEPARATOR = "__"

#: the most runs (pairs x cells) a config may ask for: the paper's whole experiment on 9 pairs is
#: 999; beyond this planning alone takes hours and gigabytes (about 10 ms and 0.2 MB a job)
MAX_CELLS = 100_000

RUN_DIR = "results/runs/{style}/{content}/{cell}"
#: a cell's folder by the outline method (the ``outline`` section): the same cell, its own folder
OUTLINE_RUN_DIR = "results/outline/{style}/{content}/{cell}"
#: log and benchmark of an outline job that moves several cells' outlines (cells_per_job > 1)
OUTLINE_BATCH_DIR = "results/outline/{style}/{content}/batches/{batch}"
#: log and benchmark of a stylize job that optimises several cells (execution.cells_per_job > 1)
BATCH_DIR = "results/runs/{style}/{content}/batches/{batch}"


def check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise SteelError(
            f"{what} name {name!r} cannot be used in file paths; use letters and digits, joined by single "
            "'-' or '_' (e.g. iron-wrath or iron_wrath)"
        )
    return name


_UNSET = object()


def same_value(a, b) -> bool:
    """Two setting values are the same value (``10`` is ``10.0``; ``True`` is no number)."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    return float(a) == float(b) if numbers else a == b


def loss_difference(settings: Mapping, base: Mapping) -> dict:
    """The loss settings of ``settings`` whose values differ from the config's ``base`` loss: what a
    cell id names (:func:`steel.layers.cell_id`)."""
    return {
        key: value for key, value in sorted(settings.items()) if not same_value(value, base.get(key, _UNSET))
    }


@dataclass(frozen=True)
class Sweep:
    """One paper-style table: ``grid[r][c]`` is the coefficient mapping of a cell.

    Rows and columns each vary a group of layers' coefficient (``{layers, values}``) or one loss
    setting (``{setting, values}``: ``row_setting`` / ``col_setting`` name it, and its layers are
    empty). ``loss`` holds the sweep's own loss settings, over the config's ``base_loss``; a cell
    whose settings differ from ``base_loss`` names them in its id.
    """

    name: str
    row_layers: tuple[str, ...]
    row_values: tuple
    col_layers: tuple[str, ...]
    col_values: tuple
    fixed: Mapping[str, float]
    title: str | None = None
    row_setting: str | None = None
    col_setting: str | None = None
    loss: Mapping = field(default_factory=dict)
    base_loss: Mapping = field(default_factory=dict)

    @property
    def deep_block(self) -> int:
        """The VGG block of the column layers (the paper's "deep" group), for line styles; with a
        setting in the columns, the deepest block of the sweep's layers."""
        layers = self.col_layers or (*self.row_layers, *self.fixed)
        return max(block_of(layer) for layer in layers)

    @classmethod
    def from_config(
        cls, name: str, spec: Mapping, base_loss: Mapping | None = None, loss_schema: Mapping | None = None
    ) -> Sweep:
        """The sweep ``name`` of the config's ``sweeps``. ``base_loss`` is the config's ``loss``
        section; ``loss_schema`` (the config schema's ``loss``), when given, checks the sweep's loss
        settings and every cell's loss as the schema checks the section itself."""
        check_name(name, "sweep")
        if name in RESERVED_SWEEP_NAMES:
            raise SteelError(
                f"sweep name {name!r} is taken by the workflow's own outputs "
                f"({', '.join(RESERVED_SWEEP_NAMES)}); rename the sweep"
            )
        base_loss = dict(base_loss or {})
        # without the schema (a job re-reading a config checked when the workflow planned) names
        # are not checked
        known = tuple(loss_schema["properties"]) if loss_schema is not None else None
        rows = spec.get("rows") or {"layers": [], "values": [0]}
        row_layers, row_values, row_setting = _group(name, "rows", rows, known)
        col_layers, col_values, col_setting = _group(name, "cols", spec["cols"], known)
        loss = dict(spec.get("loss") or {})
        for key in loss:
            _check_setting(name, "loss", key, known)
        varied = [s for s in (row_setting, col_setting) if s is not None]
        twice = sorted({s for s in varied if varied.count(s) > 1} | (set(loss) & set(varied)))
        if twice:
            raise SteelError(
                f"sweep {name}: loss setting {twice[0]} is set in more than one of rows, cols and "
                "loss; give each setting one place"
            )
        sweep = cls(
            name,
            row_layers,
            row_values,
            col_layers,
            col_values,
            check_coefficients(spec.get("fixed") or {}),
            spec.get("title"),
            row_setting,
            col_setting,
            loss,
            base_loss,
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
        for r in sweep.row_values:
            for c in sweep.col_values:
                _check_loss(name, {**base_loss, **sweep.settings(r, c)}, loss_schema)
        return sweep

    def coefficients(self, row_value, col_value) -> dict[str, float]:
        raw = dict(self.fixed)
        raw |= {layer: row_value for layer in self.row_layers}
        raw |= {layer: col_value for layer in self.col_layers}
        return check_coefficients(raw)

    def settings(self, row_value, col_value) -> dict:
        """The loss settings the sweep sets at a cell: its ``loss`` and a varied setting's value."""
        settings = dict(self.loss)
        if self.row_setting is not None:
            settings[self.row_setting] = row_value
        if self.col_setting is not None:
            settings[self.col_setting] = col_value
        return settings

    def loss_override(self, row_value, col_value) -> dict:
        """The loss settings in which a cell differs from the config's loss (named in its id)."""
        return loss_difference(self.settings(row_value, col_value), self.base_loss)

    @property
    def grid(self) -> list[list[dict[str, float]]]:
        return [[self.coefficients(r, c) for c in self.col_values] for r in self.row_values]

    @property
    def id_grid(self) -> list[list[str]]:
        """The cell id at every position, in table order."""
        return [[self._id(r, c) for c in self.col_values] for r in self.row_values]

    @property
    def cell_ids(self) -> list[str]:
        """Distinct cell ids in table order (rows, then columns)."""
        return list(dict.fromkeys(cell for row in self.id_grid for cell in row))

    @property
    def cell_losses(self) -> dict[str, dict]:
        """Cell id -> the loss settings in which it differs from the config's loss ({} for most)."""
        return {self._id(r, c): self.loss_override(r, c) for r in self.row_values for c in self.col_values}

    @property
    def row_names(self) -> tuple[str, ...]:
        """What the rows vary, for labels: their layers, or ``loss.SETTING``."""
        return (f"loss.{self.row_setting}",) if self.row_setting else self.row_layers

    @property
    def col_names(self) -> tuple[str, ...]:
        return (f"loss.{self.col_setting}",) if self.col_setting else self.col_layers

    def _id(self, row_value, col_value) -> str:
        return cell_id(self.coefficients(row_value, col_value), self.loss_override(row_value, col_value))

    def position(self, row_value, col_value) -> tuple:
        """The row and column values matching ``row_value`` and ``col_value`` (numbers, or their
        text as in a figure reference)."""
        row, col = _find(row_value, self.row_values), _find(col_value, self.col_values)
        if row is _UNSET or col is _UNSET:
            raise SteelError(
                f"sweep {self.name} has no cell at row {format_value(_typed(row_value))}, column "
                f"{format_value(_typed(col_value))}; its rows are "
                f"{', '.join(map(format_value, self.row_values))} and its columns "
                f"{', '.join(map(format_value, self.col_values))}"
            )
        return row, col

    def cell_at(self, row_value, col_value) -> str:
        """The id of the cell at (row value, column value), as written in figure references."""
        return self._id(*self.position(row_value, col_value))


def _typed(value):
    """A figure reference's text as a number where it is one."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _find(value, values: Sequence):
    value = _typed(value)
    return next((v for v in values if same_value(v, value)), _UNSET)


def _check_setting(sweep: str, where: str, key, known: Sequence[str] | None) -> None:
    if known is not None and key not in known:
        raise SteelError(
            f"sweep {sweep}: {where} names {key!r}, which is no loss setting; the loss settings are "
            f"{', '.join(known)}"
        )


def _group(
    sweep: str, which: str, group: Mapping, known: Sequence[str] | None
) -> tuple[tuple, tuple, str | None]:
    """(layers, values, setting) of a sweep's rows or cols: ``{layers, values}`` or ``{setting, values}``."""
    if ("layers" in group) == ("setting" in group):
        raise SteelError(
            f"sweep {sweep}: {which} needs either layers (coefficients) or a setting (a loss "
            "setting), not " + ("both" if "layers" in group else "neither")
        )
    if "layers" in group:
        return tuple(check_layer(n) for n in group["layers"]), tuple(float(v) for v in group["values"]), None
    setting = group["setting"]
    _check_setting(sweep, which, setting, known)
    return (), tuple(group["values"]), setting


def _check_loss(sweep: str, loss: Mapping, schema: Mapping | None) -> None:
    """A cell's loss settings against the schema's ``loss``: the first problem in one line."""
    if loss.get("content_layer") is not None:
        try:
            check_layer(loss["content_layer"])
        except SteelError as error:
            raise SteelError(f"sweep {sweep}: content_layer: {error}") from None
    if schema is None:
        return
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(dict(loss)))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "loss"
        raise SteelError(f"sweep {sweep}: loss setting {where}: {error.message}")


def cell_count(config: Mapping) -> int:
    """How many runs the config's sweeps ask for (every pair times every cell of every sweep, the
    cells that two sweeps share counted twice), from the sizes of its lists alone."""
    styles, contents, pairs = config.get("styles") or {}, config.get("contents") or {}, config.get("pairs")
    pair_count = len(styles) * len(contents) if pairs in (None, "all") else len(pairs)
    per_pair = 0
    for spec in (config.get("sweeps") or {}).values():
        rows = (spec.get("rows") or {}).get("values") or [0]
        per_pair += len(rows) * len((spec.get("cols") or {}).get("values") or [])
    return pair_count * per_pair


def sweeps_from_config(config: Mapping, loss_schema: Mapping | None = None) -> dict[str, Sweep]:
    """The config's sweeps, over its ``loss`` section (see :meth:`Sweep.from_config`), after checking
    that they ask for at most :data:`MAX_CELLS` runs (before any is planned)."""
    count = cell_count(config)
    if count > MAX_CELLS:
        raise SteelError(
            f"the sweeps ask for {count:,} runs (pairs x cells), over the limit of {MAX_CELLS:,}; "
            "use fewer values, sweeps or pairs"
        )
    base = config.get("loss") or {}
    return {
        name: Sweep.from_config(name, spec, base, loss_schema)
        for name, spec in (config.get("sweeps") or {}).items()
    }


def cell_losses(sweeps: Mapping[str, Sweep]) -> dict[str, dict]:
    """Every distinct cell of the sweeps -> the loss settings in which it differs from the config's."""
    cells: dict[str, dict] = {}
    for sweep in sweeps.values():
        for cell, loss in sweep.cell_losses.items():
            cells.setdefault(cell, loss)
    return cells


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
            row_value, col_value = sweep.position(row, col)
        except SteelError as error:
            raise SteelError(f"figure {name}: {error}") from None
        cell = sweep.cell_at(row_value, col_value)
        lines.append(FigureLine(sweep, cell, sweep.coefficients(row_value, col_value)))
    return lines
