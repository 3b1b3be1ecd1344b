from steel.io.logo_text import write_logo
from steel.jobs.log import job_log

with job_log(snakemake.log[0]):
    write_logo(
        snakemake.output[0],
        snakemake.params.image,
        snakemake.params.text,
        snakemake.params.font,
        snakemake.params.width,
    )
