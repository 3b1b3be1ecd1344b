from pathlib import Path

from steel.jobs.log import job_log
from steel.jobs.vector import trace_job

with job_log(snakemake.log[0]):
    trace_job(Path(snakemake.input.record).parent, snakemake.params.trace, snakemake.params.text)
