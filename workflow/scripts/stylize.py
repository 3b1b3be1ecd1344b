from pathlib import Path

from steel.jobs import job_log, stylize_cell

with job_log(snakemake.log[0]):
    stylize_cell(
        snakemake.input.style,
        snakemake.input.content,
        Path(snakemake.output.image).parent,
        snakemake.params.layers,
        optimizer=snakemake.params.optimizer,
        loss=snakemake.params.loss,
        image=snakemake.params.image,
        seed=snakemake.params.seed,
        weights=snakemake.params.weights,
        device=snakemake.params.device,
        threads=snakemake.threads,
        checkpoint_every=snakemake.config["execution"]["checkpoint_every"],
    )
