from steel.jobs.log import job_log
from steel.jobs.metrics import best_job

with job_log(snakemake.log[0]):
    best_job(
        list(snakemake.input.tables),
        snakemake.params.run_root,
        snakemake.params.max_cer,
        snakemake.output.choice,
        snakemake.output.image,
        reference=snakemake.input.reference,
        max_artefacts=snakemake.params.max_artefacts,
        searches=list(snakemake.input.searches),
        outlines=list(snakemake.input.outlines),
    )
