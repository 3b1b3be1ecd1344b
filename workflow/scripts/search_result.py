from pathlib import Path

from steel.jobs.log import job_log
from steel.jobs.search import result_job

with job_log(snakemake.log[0]):
    result_job(
        snakemake.wildcards.search,
        list(snakemake.input.rounds),
        {Path(path).parent.name: path for path in snakemake.input.metrics},
        snakemake.input.reference,
        snakemake.params.max_cer,
        snakemake.params.max_artefacts,
        snakemake.params.run_root,
        snakemake.output.choice,
        snakemake.output.plot,
        snakemake.output.image,
    )
