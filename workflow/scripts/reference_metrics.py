from steel.jobs.log import job_log
from steel.jobs.metrics import reference_metrics_job

with job_log(snakemake.log[0]):
    reference_metrics_job(
        snakemake.input.content,
        snakemake.input.style,
        snakemake.params.text,
        snakemake.params.weights,
        snakemake.params.image,
        snakemake.output[0],
    )
