from pathlib import Path

from steel.jobs.log import job_log
from steel.jobs.metrics import cell_metrics_job

with job_log(snakemake.log[0]):
    cell_metrics_job(
        Path(snakemake.input.record).parent,
        snakemake.params.text,
        snakemake.params.weights,
        snakemake.output[0],
    )
