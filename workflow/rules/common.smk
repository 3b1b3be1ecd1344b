import os

from snakemake.utils import validate

from steel.layers import parse_cell_id
from steel.sweeps import (
    RUN_DIR,
    content_entry,
    figure_lines,
    pair_name,
    pairs_from_config,
    sweeps_from_config,
)

# A --configfile of the user's replaces the demo's experiment lists instead of merging into them
# (Snakemake merges nested keys); overwrite_config holds what --configfile and --config gave.
for key in ("styles", "contents", "pairs", "sweeps", "figures"):
    if key in workflow.config_settings.overwrite_config:
        config[key] = workflow.config_settings.overwrite_config[key]

validate(config, "../schemas/config.schema.yaml")

SWEEPS = sweeps_from_config(config)
PAIRS = pairs_from_config(config)
CELLS = list(
    dict.fromkeys(cell for sweep in SWEEPS.values() for cell in sweep.cell_ids)
)


wildcard_constraints:
    sweep="[^/]+",
    figure="[^/]+",
    style="[^/]+",
    content="[^/]+",
    cell="[^/]+",


def run_targets(name="stylized.png"):
    """One file of every cell's run folder, for every pair."""
    return [
        f"{RUN_DIR}/{name}".format(style=style, content=content, cell=cell)
        for style, content in PAIRS
        for cell in CELLS
    ]


def style_image(wildcards):
    return config["styles"][wildcards.style]


def content_image(wildcards):
    return content_entry(config, wildcards.content)["image"]


def weights_file(wildcards):
    """A weights file given by path is an input, so replacing it reruns the cells."""
    spec = config["weights"]
    if spec == "imagenet" or spec.startswith("random"):
        return []
    return [spec.removeprefix("caffe:")]


FIGURES = {
    name: figure_lines(name, spec, SWEEPS)
    for name, spec in (config.get("figures") or {}).items()
}
PAIR = "{style}__{content}"


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
