from pathlib import Path

from steel.jobs.log import job_log
from steel.jobs.search import round_job

with job_log(snakemake.log[0]):
    round_job(
        snakemake.wildcards.search,
        snakemake.params.spec,
        int(snakemake.wildcards.round),
        list(snakemake.input.previous),
        {Path(path).parent.name: path for path in snakemake.input.metrics},
        snakemake.input.reference,
        snakemake.params.max_cer,
        snakemake.params.max_artefacts,
        snakemake.output[0],
    )
