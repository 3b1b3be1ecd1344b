from steel.jobs.log import job_log
from steel.jobs.stylize import stylize_job

with job_log(*snakemake.log):
    stylize_job(
        snakemake.input.style,
        snakemake.input.content,
        snakemake.output.image,
        dict(snakemake.params.items()),
        snakemake.config["execution"],
        threads=snakemake.threads,
    )
