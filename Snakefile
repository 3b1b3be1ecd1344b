# Network of Steel (Ter-Sarkisov, 2020): neural font style transfer from heavy-metal logos to
# corporate logos. The experiment: for every style x content pair, optimise the content image
# against Gram-matrix style losses on chosen VGG16 layers, one run ("cell") per combination of
# layer coefficients in each sweep (a table of the paper: coarse-layer coefficient by row,
# deep-layer coefficient by column). Then lay the cells out as the paper's tables, plot their
# losses like its Figure 3, measure readability, artefacts and style strength of every cell, and
# recommend the best trade-off per pair.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# Planning imports steel.plan and friends from this source tree, so a stock Snakemake (one without
# the package installed, e.g. from conda with --sdm conda) plans the workflow; jobs run in
# envs/steel.yaml, which installs the package.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# Rules of seconds (CPU only, one thread) say `localrule: True`: they run where Snakemake runs,
# never as cluster jobs of their own, so on Slurm only the stylize jobs (and MSG-Net's training and
# the convergence runs) are submitted. (Grouping cell_metrics with its stylize job would spare the
# submitting host, but Snakemake 9 then hides sbatch's error message.)
include: "workflow/rules/common.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/contents.smk"
include: "workflow/rules/damage.smk"
include: "workflow/rules/stylize.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/vector.smk"
include: "workflow/rules/search.smk"
include: "workflow/rules/sheets.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/msgnet.smk"
include: "workflow/rules/convergence.smk"
include: "workflow/rules/outline.smk"


rule all:
    default_target: True
    input:
        # every file of every cell, searched cells too (a deleted metrics.json is made again)
        run_targets(*CELL_FILES),
        run_targets(*CELL_FILES, searched=True),
        pair_targets(rules.sheet.output[0]),
        [rules.overview.output[0].format(sweep=sweep) for sweep in SWEEPS],
        pair_targets(rules.loss_plot.output[0]),
        figure_targets(rules.figure.output[0]),
        pair_targets(rules.metrics_table.output.table),
        pair_targets(rules.best.output.choice, sweeps=False),
        pair_targets(rules.best.output.image, sweeps=False),
        vector_targets(),  # none unless vector.enabled
        pair_targets(rules.findings.output.report, sweeps=False),
        rules.findings_summary.output.report,
        rules.runs_summary.output[0],
        msgnet_targets(),  # none unless msgnet.enabled
        convergence_targets(),  # none unless convergence.enabled
        outline_targets(),  # none unless outline.enabled
        [
            rules.search_result.output.choice.format(search=name, style=s, content=c)
            for name in SEARCHES
            for s, c in PAIRS
        ],
    localrule: True
