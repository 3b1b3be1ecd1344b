from steel.jobs.log import job_log
from steel.jobs.sheets import sheet_job
from steel.plan.blends import members_of
from steel.plan.sweeps import Sweep

with job_log(snakemake.log[0]):
    sheet_job(
        Sweep.from_config(
            snakemake.wildcards.sweep,
            snakemake.config["sweeps"][snakemake.wildcards.sweep],
            snakemake.config["loss"],
        ),
        snakemake.params.run_dirs,
        snakemake.input.style,
        snakemake.input.content,
        snakemake.output[0],
        labels=(snakemake.wildcards.style, snakemake.wildcards.content),
        with_notes=snakemake.params.get("metrics", False),
        title=snakemake.params.title,
        alpha=snakemake.params.get("alpha", False),
        vector=snakemake.params.get("vector", False),
        blend=members_of(snakemake.config, snakemake.wildcards.style),
    )
