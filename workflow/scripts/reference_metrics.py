from steel.jobs.log import job_log
from steel.jobs.metrics import reference_metrics_job
from steel.plan.styles import style_param_of

with job_log(snakemake.log[0]):
    reference_metrics_job(
        snakemake.input.content,
        snakemake.input.style,
        snakemake.params.text,
        snakemake.params.weights,
        snakemake.params.image,
        snakemake.output[0],
        style_param=style_param_of(snakemake.config, snakemake.wildcards.style),
    )
