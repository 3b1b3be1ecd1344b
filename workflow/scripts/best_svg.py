from steel.jobs.log import job_log
from steel.jobs.vector import best_svg_job

with job_log(snakemake.log[0]):
    best_svg_job(
        snakemake.input.choice,
        [*snakemake.input.svgs, *snakemake.input.searched, *snakemake.input.outlines],
        snakemake.output[0],
        rasters=[*snakemake.input.rasters, *snakemake.input.searched_rasters],
        section=snakemake.params.trace,
    )
