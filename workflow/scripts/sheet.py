from steel.config import working_style_width
from steel.jobs.log import job_log
from steel.jobs.sheets import sheet_job
from steel.plan.styles import style_param_of
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
        style_param=style_param_of(snakemake.config, snakemake.wildcards.style),
        style_width=working_style_width(
            snakemake.config["image"]["width"], snakemake.config["image"].get("style_width")
        ),
    )
