from steel.jobs import figure_job, job_log

with job_log(snakemake.log[0]):
    figure_job(
        snakemake.params.sweeps,
        snakemake.params.coefficients,
        snakemake.params.blocks,
        list(snakemake.input),
        f"{snakemake.params.title}: {snakemake.wildcards.style} on {snakemake.wildcards.content}",
        snakemake.output[0],
    )
