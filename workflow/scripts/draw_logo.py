from steel.jobs import job_log
from steel.logo_text import write_logo

with job_log(snakemake.log[0]):
    write_logo(
        snakemake.output[0],
        snakemake.params.image,
        snakemake.params.text,
        snakemake.params.font,
        snakemake.params.width,
    )
