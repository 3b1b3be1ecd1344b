from steel.jobs.findings import findings_job, summary_job
from steel.jobs.log import job_log

with job_log(snakemake.log[0]):
    if snakemake.rule == "findings_summary":
        summary_job(list(snakemake.input.data), snakemake.output.report)
    else:
        findings_job(
            snakemake.params.sweeps,
            list(snakemake.input.tables),
            snakemake.input.reference,
            list(snakemake.input.losses),
            list(snakemake.input.records),
            snakemake.params.max_cer,
            snakemake.params.pair,
            snakemake.output.report,
            snakemake.output.data,
            max_artefacts=snakemake.params.max_artefacts,
            images=list(snakemake.input.images),
            loss=snakemake.params.loss,
        )
