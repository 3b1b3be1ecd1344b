from steel.jobs.log import job_log
from steel.jobs.msgnet import stylize_job

# one forward pass: on the CPU wherever the workflow runs (a local rule; never changes a result)
with job_log(snakemake.log[0]):
    stylize_job(
        snakemake.input.model,
        snakemake.input.style,
        snakemake.input.content,
        dict(snakemake.params.image),
        device="cpu",
        image_out=snakemake.output.image,
        record_out=snakemake.output.record,
        threads=snakemake.threads,
    )
