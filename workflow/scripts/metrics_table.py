from steel.jobs.log import job_log
from steel.jobs.metrics import metrics_table_job

with job_log(snakemake.log[0]):
    metrics_table_job(
        list(snakemake.input.metrics),
        snakemake.input.reference,
        snakemake.params.title,
        snakemake.params.max_cer,
        snakemake.output.table,
        snakemake.output.plot,
        max_artefacts=snakemake.params.max_artefacts,
        comparisons=list(snakemake.input.comparisons),
        vectors=list(snakemake.input.vectors),
        outlines=list(snakemake.input.outlines),
    )
