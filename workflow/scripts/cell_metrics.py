from pathlib import Path

from steel.jobs import cell_metrics_job, job_log

with job_log(snakemake.log[0]):
    cell_metrics_job(
        Path(snakemake.input.record).parent,
        snakemake.params.text,
        snakemake.params.weights,
        snakemake.output[0],
    )
