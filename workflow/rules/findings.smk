# Does the paper hold? Its four findings checked against this run's numbers (steel.evaluate.findings): per
# pair from the metrics tables of every sweep, the reference metrics, and every cell's logged losses
# and run record (steps, width); then one summary over all pairs. Cheap: no torch, seconds each.


rule findings:
    input:
        tables=lambda wildcards: [
            rules.metrics_table.output.table.format(
                sweep=sweep, style=wildcards.style, content=wildcards.content
            )
            for sweep in SWEEPS
        ],
        reference=rules.reference_metrics.output[0],
        losses=cell_files(CELLS, run_folder.LOSSES),
        records=cell_files(CELLS, run_folder.RECORD),
        # the loss's scale: cells that differ by one common factor, compared pixel by pixel
        images=cell_files(CELLS, run_folder.STYLIZED),
    output:
        report=report(
            f"results/findings/{PAIR}.md",
            caption="../report/findings.rst",
            category="Findings",
            labels={"pair": PAIR, "file": "findings"},
        ),
        data=f"results/findings/{PAIR}.json",
    log:
        f"results/findings/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        sweeps=config["sweeps"],
        # the sweeps' cells are named over the config's loss (a sweep's own loss settings)
        loss=config["loss"],
        pair=pair_label,
        max_cer=config["selection"]["max_cer"],
        max_artefacts=config["selection"]["max_artefacts"],
    script:
        "../scripts/findings.py"


rule findings_summary:
    input:
        data=pair_targets(rules.findings.output.data, sweeps=False),
    output:
        report=report(
            "results/findings/summary.md",
            caption="../report/findings.rst",
            category="Findings",
            labels={"pair": "all pairs", "file": "summary"},
        ),
    log:
        "results/findings/summary.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    script:
        "../scripts/findings.py"


# What the runs recorded, for the report: the config at report time may not be what made them.
rule runs_summary:
    input:
        # every cell of every pair, searched cells too
        records=run_targets(run_folder.RECORD),
        searched=run_targets(run_folder.RECORD, searched=True),
        # the logos the runs read, checked against what each run recorded
        logos=[
            logo_image(kind, name)
            for kind in ("style", "content")
            for name in LOGO_NAMES[kind]
        ],
    output:
        report(
            "results/runs.html",
            caption="../report/runs.rst",
            category="Runs",
            labels={"file": "what the runs used"},
        ),
    log:
        "results/runs.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        config={
            key: config[key]
            for key in ("weights", "optimizer", "image", "loss", "seed")
        },
    script:
        "../scripts/runs_summary.py"
