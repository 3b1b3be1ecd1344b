# Settings, paths and input functions of workflow/rules/outline.smk (the outline method), apart
# from its rules as the linter asks.
from steel.plan.params import outline_params
from steel.plan.sweeps import OUTLINE_BATCH_DIR, OUTLINE_RUN_DIR

# the sweeps whose cells get outline results (none listed: every sweep), checked now
OUTLINE_SWEEPS = config["outline"]["sweeps"] or list(SWEEPS)
for _sweep in OUTLINE_SWEEPS:
    if _sweep not in SWEEPS:
        raise SteelError(
            f"outline.sweeps names {_sweep!r}, which is no sweep of the config; use one of "
            f"{', '.join(SWEEPS)}"
        )
OUTLINE_CELLS = list(
    dict.fromkeys(cell for name in OUTLINE_SWEEPS for cell in SWEEPS[name].cell_ids)
)
# batch id -> outline cells moved together by one job (execution.cells_per_job > 1), as the
# pixel cells are batched: only cells under one loss share a job
OUTLINE_BATCHES = plan_batches(
    OUTLINE_CELLS, config["execution"]["cells_per_job"], config["loss"]["content_layer"]
)
# the cells that the single-cell outline rule may make (all; with batches, those no batch holds)
OUTLINE_UNBATCHED_CELL = (
    "[^/]+"
    if config["execution"]["cells_per_job"] == 1
    else "(?!(?:"
    + "|".join(re.escape(cell) for cell in OUTLINE_CELLS)
    + ")(?:/|$))[^/]+"
)


def outline_rule(batch):
    """Name of the outline rule of a batch; a profile's settings for `stylize_outline` apply to it
    (as stylize_rule does for `stylize`)."""
    name = f"stylize_outline_{batch}"
    extend_overrides(workflow.resource_settings, "stylize_outline", name)
    return name


def outline_cell_files(cells, name):
    """One file of each of the given outline cells' folders, for the job's pair."""
    return [
        os.path.join(OUTLINE_RUN_DIR.replace("{cell}", cell), name) for cell in cells
    ]


# an outline cell's folder holds what the stylize rule's holds, drawn from its outlines
OUTLINE_FILES = (
    run_folder.SVG,
    run_folder.STYLIZED,
    run_folder.DRAWN_CONTENT,
    run_folder.LOSSES,
    run_folder.RECORD,
)


def cell_outline_params(cell):
    """The outline params of a cell: the loss settings its id names over the config's, as for
    its pixel twin (cell_stylize_params)."""
    own = split_cell_id(cell)[1]
    return outline_params(config | {"loss": config["loss"] | own}, SCHEMA_DOC)


def outline_settings(cell=None):
    """Param function: the outline params of ``cell`` (none: the job's cell), with a blend's
    `style` param (style_setting) for a blend's or a masked style's jobs."""
    return lambda wildcards: cell_outline_params(
        cell or wildcards.cell
    ) | style_setting(wildcards)


def content_source(wildcards):
    """The content as the config gives it (image, text, font): its outlines are made from it."""
    return content_entry(config, wildcards.content)


def content_source_files(wildcards):
    """The content's image or font file, whose mtimes rerun its outline cells."""
    entry = content_entry(config, wildcards.content)
    return [path for path in (entry["image"], entry["font"]) if path is not None]


def pair_outline_files(name):
    """Input function: one file of every outline cell of the job's pair (none when outlines are
    off): the best rule's candidates of the outline method."""
    return lambda wildcards: [
        os.path.join(
            OUTLINE_RUN_DIR.format(
                style=wildcards.style, content=wildcards.content, cell=cell
            ),
            name,
        )
        for cell in (OUTLINE_CELLS if is_enabled("outline") else [])
    ]


def outline_sweep_metrics(wildcards):
    """The metrics of a sweep's outline cells for one pair: rows of their own method in the sweep's
    metrics table (none when outlines are off or the sweep is not among outline.sweeps).
    """
    if not is_enabled("outline") or wildcards.sweep not in OUTLINE_SWEEPS:
        return []
    return outline_sweep_files(run_folder.METRICS)(wildcards)


def outline_run_dirs(wildcards):
    """cell id -> outline folder of every cell of a sweep, for one pair."""
    return {
        cell: OUTLINE_RUN_DIR.format(
            style=wildcards.style, content=wildcards.content, cell=cell
        )
        for cell in SWEEPS[wildcards.sweep].cell_ids
    }


def outline_sweep_files(name):
    """Input function: one file of every outline cell of the sweep, for one pair."""
    return lambda wildcards: [
        os.path.join(run_dir, name) for run_dir in outline_run_dirs(wildcards).values()
    ]


def outline_targets():
    """Every outline cell's files, metrics and contact sheets when outlines are on."""
    if not is_enabled("outline"):
        return []
    return [
        *(
            os.path.join(OUTLINE_RUN_DIR, name).format(
                style=style, content=content, cell=cell
            )
            for style, content in PAIRS
            for cell in OUTLINE_CELLS
            for name in (*OUTLINE_FILES, run_folder.METRICS)
        ),
        *(
            rules.outline_sheet.output[0].format(
                sweep=sweep, style=style, content=content
            )
            for style, content in PAIRS
            for sweep in OUTLINE_SWEEPS
        ),
        # the recommendation as a vector logo, whichever method wins, vector on or off
        *pair_targets(rules.best_svg.output[0], sweeps=False),
        # the methods side by side (with MSG-Net when it is on)
        *pair_targets(rules.methods_sheet.output.sheet, sweeps=False),
    ]
