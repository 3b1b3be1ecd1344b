from steel.jobs.log import job_log
from steel.jobs.runs import runs_summary_job

with job_log(snakemake.log[0]):
    runs_summary_job(
        [*snakemake.input.records, *snakemake.input.searched], snakemake.params.config, snakemake.output[0]
    )
