from steel.config import working_style_width
from steel.jobs.log import job_log
from steel.jobs.sheets import methods_sheet_job
from steel.plan.styles import style_param_of

with job_log(snakemake.log[0]):
    methods_sheet_job(
        snakemake.params.run_root,
        snakemake.input.best,
        snakemake.input.content,
        snakemake.input.style,
        snakemake.input.reference,
        gatys=snakemake.params.gatys,
        msgnet=snakemake.params.msgnet,
        title=snakemake.params.title,
        sheet_out=snakemake.output.sheet,
        table_out=snakemake.output.table,
        outlines=list(snakemake.input.outline_metrics),
        pixels=list(snakemake.input.pixel_metrics),
        style_param=style_param_of(snakemake.config, snakemake.wildcards.style),
        style_width=working_style_width(
            snakemake.config["image"]["width"], snakemake.config["image"].get("style_width")
        ),
    )
