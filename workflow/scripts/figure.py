from steel.jobs.log import job_log
from steel.jobs.plots import figure_job

with job_log(snakemake.log[0]):
    figure_job(
        snakemake.params.sweeps,
        snakemake.params.coefficients,
        snakemake.params.blocks,
        list(snakemake.input),
        f"{snakemake.params.title}: {snakemake.wildcards.style} on {snakemake.wildcards.content}",
        snakemake.output[0],
    )
