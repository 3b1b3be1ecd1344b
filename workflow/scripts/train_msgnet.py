from steel.jobs.log import job_log
from steel.jobs.msgnet import train_job

with job_log(snakemake.log[0]):
    train_job(
        list(snakemake.input.styles),
        list(snakemake.input.contents),
        dict(snakemake.params.msgnet) | {"checkpoint_every": snakemake.config["msgnet"]["checkpoint_every"]},
        snakemake.params.weights,
        seed=int(snakemake.params.seed),
        device=snakemake.config["execution"]["device"],
        model_out=snakemake.output.model,
        losses_out=snakemake.output.losses,
        plot_out=snakemake.output.plot,
        threads=snakemake.threads,
    )
