# Settings, paths and input functions of workflow/rules/msgnet.smk (MSG-Net, the paper's
# feed-forward baseline), apart from its rules as the linter asks.
from steel.plan.params import canonical

MSGNET = config["msgnet"]
MSGNET_DIR = "results/msgnet"
MSGNET_CELL = "msgnet"
# MSG-Net's result of a pair sits where a cell's would, under the cell id msgnet
MSGNET_RUN_DIR = RUN_DIR.replace("{cell}", MSGNET_CELL)
# what shapes the model (typed, sorted): only a real change of value retrains it
MSGNET_PARAMS = canonical(
    {
        key: value
        for key, value in part_settings("msgnet").items()
        if key != "checkpoint_every"
    },
    SCHEMA_DOC["properties"]["msgnet"],
)


# MSG-Net learns each style from one whole image: the pairs of a blend or a masked style get no
# MSG-Net cell (said once here)
MSGNET_PAIRS = [
    (style, content) for style, content in PAIRS if style not in STYLE_PARAMS
]
if is_enabled("msgnet") and len(MSGNET_PAIRS) < len(PAIRS):
    print(
        "msgnet: the blends and masked styles "
        + ", ".join(sorted({s for s, _ in PAIRS if s in STYLE_PARAMS}))
        + " get no MSG-Net cell (it learns each style from one whole image); their other methods run",
        file=sys.stderr,
    )


def has_msgnet(style):
    """Whether the pairs of ``style`` get an MSG-Net cell (msgnet.enabled, a plain style)."""
    return is_enabled("msgnet") and style not in STYLE_PARAMS


def gatys_cell():
    """Table 1's middle cell (the Gatys baseline) when the config has a sweep table1, else None."""
    sweep = SWEEPS.get("table1")
    if sweep is None:
        return None
    return sweep.cell_at(
        sweep.row_values[0], sweep.col_values[len(sweep.col_values) // 2]
    )


def methods_inputs(name):
    """Input function: ``name`` of the Gatys cell (if any) and of MSG-Net's cell (msgnet.enabled),
    for one pair."""

    def files(wildcards):
        msgnet = MSGNET_CELL if has_msgnet(wildcards.style) else None
        cells = [cell for cell in (gatys_cell(), msgnet) if cell is not None]
        return [
            os.path.join(
                RUN_DIR.format(
                    style=wildcards.style, content=wildcards.content, cell=cell
                ),
                name,
            )
            for cell in cells
        ]

    return files


def comparison_files(wildcards, name):
    """``name`` of MSG-Net's cell for the pair when it has one (the metrics tables' extra row)."""
    if not has_msgnet(wildcards.style):
        return []
    return [
        os.path.join(
            RUN_DIR.format(
                style=wildcards.style, content=wildcards.content, cell=MSGNET_CELL
            ),
            name,
        )
    ]


def msgnet_targets():
    if not is_enabled("msgnet"):
        return []
    return [
        rules.train_msgnet.output.plot,
        *(
            path.format(style=style, content=content)
            for style, content in MSGNET_PAIRS
            for path in (
                f"{MSGNET_RUN_DIR}/{run_folder.METRICS}",
                rules.methods_sheet.output.sheet,
            )
        ),
    ]
