from steel.jobs.convergence import pair_job
from steel.jobs.log import job_log

with job_log(snakemake.log[0]):
    pair_job(
        dict(zip(snakemake.params.schedules, snakemake.input.traces, strict=True)),
        snakemake.params.title,
        snakemake.output.plot,
        snakemake.output.table,
        snakemake.output.summary,
    )
