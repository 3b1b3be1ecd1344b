from steel.jobs.log import job_log
from steel.jobs.sheets import overview_job

with job_log(snakemake.log[0]):
    overview_job(
        list(zip(snakemake.params.labels, snakemake.input, strict=True)),
        f"{snakemake.wildcards.sweep}: all pairs",
        snakemake.output[0],
    )
