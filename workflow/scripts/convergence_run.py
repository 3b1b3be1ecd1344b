from steel.jobs.convergence import trace_job
from steel.jobs.log import job_log

with job_log(snakemake.log[0]):
    trace_job(
        snakemake.input.style,
        snakemake.input.content,
        snakemake.params.text,
        dict(snakemake.params.settings),
        snakemake.config["execution"],
        snakemake.output[0],
        schedule=snakemake.wildcards.schedule,
        threads=snakemake.threads,
    )
