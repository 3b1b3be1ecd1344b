from steel.jobs.log import job_log
from steel.jobs.metrics import reference_metrics_job
from steel.plan.blends import members_of

with job_log(snakemake.log[0]):
    reference_metrics_job(
        snakemake.input.content,
        snakemake.input.style,
        snakemake.params.text,
        snakemake.params.weights,
        snakemake.params.image,
        snakemake.output[0],
        blend=members_of(snakemake.config, snakemake.wildcards.style),
    )
