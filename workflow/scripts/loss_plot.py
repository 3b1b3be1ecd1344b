from steel.jobs.log import job_log
from steel.jobs.plots import loss_plot_job
from steel.plan.run_folder import LOSSES
from steel.plan.sweeps import Sweep

sweep_name = snakemake.wildcards.sweep
with job_log(snakemake.log[0]):
    loss_plot_job(
        Sweep.from_config(sweep_name, snakemake.config["sweeps"][sweep_name], snakemake.config["loss"]),
        {cell: f"{run_dir}/{LOSSES}" for cell, run_dir in snakemake.params.run_dirs.items()},
        f"{sweep_name}: {snakemake.wildcards.style} on {snakemake.wildcards.content}",
        snakemake.output[0],
    )
