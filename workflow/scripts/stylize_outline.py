from steel.jobs.log import job_log
from steel.jobs.outline import outline_job

with job_log(*snakemake.log):
    outline_job(
        snakemake.input.style,
        dict(snakemake.params.source),
        snakemake.input.drawn,
        snakemake.output.image,
        dict(snakemake.params.settings),
        snakemake.config["execution"],
        threads=snakemake.threads,
    )
