import json
import os
import re

import yaml
from snakemake.utils import validate

from steel.plan import run_folder
from steel.plan.run_folder import damage_notes
from steel.plan.batches import plan_batches
from steel.plan.styles import blends_from_config, mask_files, style_params
from steel.errors import SteelError
from steel.io.svg import is_svg
from steel.layers import split_cell_id
from steel.plan.logos import check_input_file, check_logo
from steel.plan.overrides import extend_overrides
from steel.plan.params import canonical, check_config_size, check_finite, stylize_params
from steel.config import expand_preset, working_style_width
from steel.plan.search import searches_from_config
from steel.plan.sweeps import (
    NAME_REGEX,
    BATCH_DIR,
    RUN_DIR,
    content_entry,
    figure_lines,
    pair_name,
    pairs_from_config,
    style_entry,
    sweeps_from_config,
)
from steel.transfer.hed import cached_path as hed_cached_path
from steel.transfer.weights import resolve_spec as resolve_weights
from steel.transfer.weights import weights_file as weights_path

# before anything walks it: a config of nested YAML aliases would take minutes and gigabytes
check_config_size(config)

# The optional parts of the experiment, each a config section with `enabled` (schema default off).
OPTIONAL_PARTS = ("vector", "msgnet", "convergence", "outline")
# A --configfile of the user's replaces the demo's experiment lists instead of merging into them
# (Snakemake merges nested keys); overwrite_config holds what --configfile and --config gave.
# So does an optimizer section: the demo's schedule (a hot cosine for 300 steps) is the demo's, and
# what a user's section leaves out is the schema's default, the paper's Adam, never the demo's.
for key in ("styles", "contents", "pairs", "sweeps", "figures", "optimizer"):
    if key in workflow.config_settings.overwrite_config:
        config[key] = workflow.config_settings.overwrite_config[key]
# The demo's pairs name the demo's logos: a --configfile that names none gets the schema's default
# (every style with every content of its own)
if (
    workflow.config_settings.configfiles
    and "pairs" not in workflow.config_settings.overwrite_config
):
    config.pop("pairs", None)
# The optional parts and the searches go with the experiment lists: the demo's choice of them is
# the demo's, so a --configfile (a preset, a config of yours) gets exactly the parts it names, each
# section whole (the schema's defaults fill what it leaves out, never the demo's values)
for key in (*OPTIONAL_PARTS, "search"):
    if workflow.config_settings.configfiles:
        config[key] = workflow.config_settings.overwrite_config.get(key) or {}

# a preset (quick, paper) becomes explicit values before anything reads them: never a param by name
expand_preset(config, workflow.config_settings.overwrite_config)
SCHEMA = os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
validate(config, SCHEMA)
# NaN passes the schema's minimum: refuse it (and infinities) before it becomes a param
check_finite(config)
# one canonical weights setting for planning, params and loading: ~ expanded, file checked now
config["weights"] = resolve_weights(config["weights"])
with open(SCHEMA) as schema:
    SCHEMA_DOC = yaml.safe_load(schema)
# typed, defaults filled, sorted: only a real change of value reruns a cell
STYLIZE_PARAMS = stylize_params(config, SCHEMA_DOC)


def is_enabled(part):
    """Whether an optional part (OPTIONAL_PARTS) is on: planned in `all` and the report."""
    return config[part]["enabled"]


def part_settings(part):
    """The settings of an optional part (OPTIONAL_PARTS) but its switch: what its jobs' params are
    made of, so that switching a part off and on again reruns none of its jobs."""
    return {key: value for key, value in config[part].items() if key != "enabled"}


# coefficient searches: checked now (a search outside the paper's loss with Adam is refused)
SEARCHES = searches_from_config(config)
# a sweep's own loss settings are checked against the loss section's schema
SWEEPS = sweeps_from_config(config, SCHEMA_DOC["properties"]["loss"])
PAIRS = pairs_from_config(config)
# blended styles: name -> {member style: weight}, checked now (steel.plan.styles)
BLENDS = blends_from_config(config)
# the `style` param of the styles that have one (blends, masked styles): name -> what they read
STYLE_PARAMS = style_params(config)
for (
    _name,
    _param,
) in STYLE_PARAMS.items():  # a mask file that is not there: one line now
    for _mask in mask_files(_param):
        check_input_file(
            _mask,
            f"the mask of style {_name}",
            "give an image of the style's size (white = logo)",
        )
CELLS = list(
    dict.fromkeys(cell for sweep in SWEEPS.values() for cell in sweep.cell_ids)
)
# the files every cell's run folder ends with
CELL_FILES = run_folder.cell_files(config["image"]["alpha"], is_enabled("vector"))
# batch id -> cells optimised together by one stylize job (cells_per_job > 1): only cells under
# one loss share a job
BATCHES = plan_batches(
    CELLS, config["execution"]["cells_per_job"], config["loss"]["content_layer"]
)


# the cells that the single-cell stylize rule may make (all; with batches, those no batch holds)
UNBATCHED_CELL = (
    "[^/]+"
    if config["execution"]["cells_per_job"] == 1
    # the id must not be followed by its folder's end: the pattern sits inside a path's regex
    else "(?!(?:" + "|".join(re.escape(cell) for cell in CELLS) + ")(?:/|$))[^/]+"
)


def cell_stylize_params(cell):
    """The stylize params of a cell: STYLIZE_PARAMS, with the loss settings its id names (a sweep's
    own loss, steel.layers.cell_id) over the config's; a cell naming none has STYLIZE_PARAMS.
    """
    try:
        own = split_cell_id(cell)[1]
    except SteelError:  # not a cell id (e.g. msgnet, which has its own rule)
        own = {}
    if not own:
        return STYLIZE_PARAMS
    return stylize_params(config | {"loss": config["loss"] | own}, SCHEMA_DOC)


wildcard_constraints:
    # results/sheets/methods/ holds the methods sheets (MSG-Net), not a sweep's
    sweep="(?!methods/)[^/]+",
    figure="[^/]+",
    # names as steel.plan.sweeps.check_name allows them: no dots, so that a sheet's .vector.png
    # is never read as a content named "x.vector"
    style=NAME_REGEX,
    content=NAME_REGEX,
    cell="[^/]+",


def run_targets(*names, searched=False):
    """The given files of every sweep cell's run folder, for every pair; with ``searched``, an
    input function over the cells only a search evaluated instead (only_searched_cells).
    """
    if searched:
        return lambda wildcards: [
            f"{RUN_DIR}/{name}".format(style=style, content=content, cell=cell)
            for style, content in PAIRS
            for cell in only_searched_cells(style, content)
            for name in names
        ]
    return [
        f"{RUN_DIR}/{name}".format(style=style, content=content, cell=cell)
        for style, content in PAIRS
        for cell in CELLS
        for name in names
    ]


# A stylize job holds the GPU, or without one all the cores: locally it asks for every core
# (Snakemake scales that down to --cores), so one runs at a time; on a cluster, where Snakemake
# has no core count, 2 unless the profile's set-threads sizes it.
STYLIZE_THREADS = (os.cpu_count() or 1) if workflow.local_exec else 2
STYLIZE_RESOURCES = {"gpu": 1, "mem_mb": 4000, "runtime": 60}


def stylize_rule(batch, own=False):
    """Name of the stylize rule of a batch of cells (of a style with a `style` param when ``own``).
    A profile's set-resources and set-threads for `stylize` apply to it too (Snakemake matches
    them by rule name, and these names are made here)."""
    name = "_".join(["stylize", batch, *(["own"] if own else [])])
    extend_overrides(workflow.resource_settings, "stylize", name)
    return name


def cell_files(cells, name):
    """One file of each of the given cells' run folders, for the job's pair."""
    return [os.path.join(RUN_DIR.replace("{cell}", cell), name) for cell in cells]


def only_searched_cells(style, content):
    """The cells of a pair that only a search evaluated (resolved through the search rounds'
    checkpoints, workflow/rules/search_common.smk). Searched cells are cells like any other:
    traced, recorded on the runs page and chosen from. Rules list them in an input of their own,
    beside the sweeps' cells, so that a dry run plans the sweeps' jobs before any search has run.
    """
    return [cell for cell in searched_cells(style, content) if cell not in CELLS]


def pair_cell_files(*names, searched=False):
    """Input function: the given files of every sweep cell of the job's pair, or with
    ``searched`` of its only_searched_cells."""

    def files(wildcards):
        cells = (
            only_searched_cells(wildcards.style, wildcards.content)
            if searched
            else CELLS
        )
        return [
            os.path.join(
                RUN_DIR.format(
                    style=wildcards.style, content=wildcards.content, cell=cell
                ),
                name,
            )
            for cell in cells
            for name in names
        ]

    return files


def damage_notes_of(record, cells=None):
    """Input function: the damage notes of ``record`` (a name of run_folder.RECORDS) in the job's
    cell folder, or in those of ``cells`` of its pair (workflow/rules/damage.smk)."""

    def notes(wildcards):
        return [
            note
            for cell in ([wildcards.cell] if cells is None else cells)
            for note in damage_notes(
                RUN_DIR.format(
                    style=wildcards.style, content=wildcards.content, cell=cell
                ),
                record,
            )
        ]

    return notes


def batch_file(batch, suffix, folder=BATCH_DIR):
    """A batch job's own file (its benchmark): beside the folders of its cells."""
    return f"{folder}.{suffix}".replace("{batch}", batch)


# Logos drawn from a word in a font, or rasterised from an SVG, at the working width
# (workflow/rules/contents.smk): the stylize, metrics and sheet rules read these PNGs.
DRAWN_LOGO = {
    "content": "results/contents/{name}.png",
    "style": "results/styles/{name}.png",
}
LOGO_WIDTH = {
    "content": config["image"]["width"],
    "style": working_style_width(
        config["image"]["width"], config["image"].get("style_width")
    ),
}


def logo_entry_of(kind, name):
    return (content_entry if kind == "content" else style_entry)(config, name)


# a content or style without image or text, an empty text or an unreadable font: one line now
for _kind, _key in (("content", "contents"), ("style", "styles")):
    for _name in config[_key]:
        if _kind == "content" or _name not in BLENDS:
            check_logo(logo_entry_of(_kind, _name), f"{_kind} {_name}")


#: the styles (a blend's: its members) and the contents the pairs read
LOGO_NAMES = {
    "style": list(
        dict.fromkeys(
            member for style, _ in PAIRS for member in BLENDS.get(style) or [style]
        )
    ),
    "content": list(dict.fromkeys(content for _, content in PAIRS)),
}


def is_drawn(entry):
    """Drawn by the workflow: a word in a font, or an SVG file."""
    return entry["image"] is None or is_svg(entry["image"])


def logo_image(kind, name):
    """The image file read for a style or content (the user's, or the drawn PNG)."""
    entry = logo_entry_of(kind, name)
    return DRAWN_LOGO[kind].format(name=name) if is_drawn(entry) else entry["image"]


def style_image(wildcards):
    """The style's image file; a blend's members' files, in the blend's order."""
    members = BLENDS.get(wildcards.style)
    if members is None:
        return logo_image("style", wildcards.style)
    return [logo_image("style", member) for member in members]


def style_param(wildcards):
    """The `style` param of the jobs of a blend or a masked style (steel.plan.styles.style_params)."""
    return STYLE_PARAMS[wildcards.style]


def style_setting(wildcards):
    """The `style` entry such a style adds to a job's settings param (none for a plain style, whose
    params stay as they were)."""
    param = STYLE_PARAMS.get(wildcards.style)
    return {} if param is None else {"style": param}


def style_mask_files(wildcards):
    """Input function: the mask files the style reads (its own, or its members'): a replaced mask
    reruns its cells."""
    return mask_files(STYLE_PARAMS.get(wildcards.style))


def style_names(own):
    """Wildcard constraint of the style in the stylize rules of plain styles (own False) or of the
    styles with a `style` param of their own (blends, masked styles)."""
    if not STYLE_PARAMS:
        return NAME_REGEX
    names = "|".join(re.escape(name) for name in STYLE_PARAMS)
    # the name must not be followed by more of a name: the pattern sits inside a path's regex
    return f"(?:{names})" if own else f"(?!(?:{names})(?:/|$)){NAME_REGEX}"


# the stylize rules of plain styles, and (when the config has blends or masked styles) of those:
# their own rules, whose params add the `style` param, so that a plain style's params stay as
# they were
STYLE_KINDS = (False, True) if STYLE_PARAMS else (False,)
if (
    STYLE_PARAMS
):  # a profile's settings for stylize reach their own single-cell rule too
    extend_overrides(workflow.resource_settings, "stylize", "stylize_own")


def content_image(wildcards):
    return logo_image("content", wildcards.content)


def logo_sources(kind):
    """Input function of a drawing rule: the SVG or the font file (their mtimes redraw)."""

    def sources(wildcards):
        entry = logo_entry_of(kind, wildcards.name)
        return [path for path in (entry["image"], entry["font"]) if path is not None]

    return sources


def logo_param(kind, key):
    """Params of a drawing rule: image path, or text and font (their values redraw)."""

    def param(wildcards):
        entry = logo_entry_of(kind, wildcards.name)
        if key in ("text", "font") and entry["image"] is not None:
            return None  # an image's text is its OCR word: no reason to redraw
        return entry[key]

    return param


def weights_file(wildcards):
    """A weights file given by path is an input, so replacing it reruns the cells."""
    path = weights_path(config["weights"])
    return [] if path is None else [str(path)]


FIGURES = {
    name: figure_lines(name, spec, SWEEPS)
    for name, spec in (config.get("figures") or {}).items()
}
PAIR = "{style}__{content}"


def sweep_title(wildcards):
    return config["sweeps"][wildcards.sweep].get("title") or wildcards.sweep


def pair_label(wildcards):
    return pair_name(wildcards.style, wildcards.content)


def sweep_run_dirs(wildcards):
    """cell id -> run folder of every cell of a sweep, for one pair."""
    return {
        cell: RUN_DIR.format(
            style=wildcards.style, content=wildcards.content, cell=cell
        )
        for cell in SWEEPS[wildcards.sweep].cell_ids
    }


def sweep_files(name):
    """Input function: one file of every cell of the sweep, for one pair."""
    return lambda wildcards: [
        os.path.join(run_dir, name) for run_dir in sweep_run_dirs(wildcards).values()
    ]


def content_text(wildcards):
    return content_entry(config, wildcards.content)["text"]


def pair_targets(pattern, sweeps=True):
    """``pattern`` for every pair (and every sweep when it has a {sweep} part)."""
    return [
        pattern.format(sweep=sweep, style=style, content=content)
        for style, content in PAIRS
        for sweep in (SWEEPS if sweeps else [None])
    ]


def figure_targets(pattern):
    return [
        pattern.format(figure=figure, style=style, content=content)
        for style, content in PAIRS
        for figure in FIGURES
    ]


def figure_files(name):
    """Input function: one file of every cell a figure references, for one pair."""
    return lambda wildcards: [
        os.path.join(
            RUN_DIR.format(
                style=wildcards.style, content=wildcards.content, cell=line.cell
            ),
            name,
        )
        for line in FIGURES[wildcards.figure]
    ]
