# The optimiser: one GPU job per cell, or per batch of cells of one pair under one loss
# (execution.cells_per_job). Params are the canonical result settings (STYLIZE_PARAMS, with the
# loss settings a cell's id names over the config's: cell_stylize_params) and the layers come from
# the cell ids in the output paths, so only a real change of value reruns a cell and a batch's
# membership is never a trigger. Device, threads and checkpoints are `execution`.
# image.alpha adds stylized_alpha.png (the result with its ground transparent) to the outputs.

STYLIZE_ALPHA = config["image"]["alpha"]


# One cell per job: every cell when cells_per_job is 1; else the cells no batch holds (those a
# search's checkpoint proposes after the batch rules were written), kept apart by the constraint.
# A blend's or a masked style's cells have rules of their own (STYLE_KINDS), stylize_own, with
# what the style reads as the `style` param and its mask files as inputs.
for own in STYLE_KINDS:

    rule:
        name:
            "stylize_own" if own else "stylize"
        input:
            # a blend's: every member's file, in its order
            style=style_image,
            masks=style_mask_files,
            content=content_image,
            weights=weights_file,
            # a damaged run.json reruns its cell (workflow/rules/damage.smk)
            damaged=damage_notes_of(run_folder.RECORD),
        output:
            **({"alpha": f"{RUN_DIR}/{run_folder.ALPHA}"} if STYLIZE_ALPHA else {}),
            image=f"{RUN_DIR}/{run_folder.STYLIZED}",
            losses=f"{RUN_DIR}/{run_folder.LOSSES}",
            record=f"{RUN_DIR}/{run_folder.RECORD}",
        log:
            f"{RUN_DIR}/{run_folder.JOB_LOG}",
        benchmark:
            f"{RUN_DIR}/{run_folder.BENCHMARK}"
        wildcard_constraints:
            cell=UNBATCHED_CELL,
            style=style_names(own),
        conda:
            "../../envs/steel.yaml"
        threads: STYLIZE_THREADS
        resources:
            **STYLIZE_RESOURCES,
        params:
            # only the loss can differ between cells (a sweep's own loss settings)
            **STYLIZE_PARAMS
            | {"loss": lambda wildcards: cell_stylize_params(wildcards.cell)["loss"]}
            | ({"style": style_param} if own else {}),
        script:
            "../scripts/stylize.py"


if config["execution"]["cells_per_job"] > 1:

    for batch, batch_cells in BATCHES.items():
        for own in STYLE_KINDS:

            rule:
                name:
                    stylize_rule(batch, own)
                input:
                    style=style_image,
                    masks=style_mask_files,
                    content=content_image,
                    weights=weights_file,
                    damaged=damage_notes_of(run_folder.RECORD, batch_cells),
                output:
                    **(
                        {"alpha": cell_files(batch_cells, run_folder.ALPHA)}
                        if STYLIZE_ALPHA
                        else {}
                    ),
                    image=cell_files(batch_cells, run_folder.STYLIZED),
                    losses=cell_files(batch_cells, run_folder.LOSSES),
                    record=cell_files(batch_cells, run_folder.RECORD),
                log:
                    cell_files(batch_cells, run_folder.JOB_LOG),
                benchmark:
                    batch_file(batch, run_folder.BENCHMARK)
                wildcard_constraints:
                    style=style_names(own),
                conda:
                    "../../envs/steel.yaml"
                threads: STYLIZE_THREADS
                resources:
                    **STYLIZE_RESOURCES,
                params:
                    **cell_stylize_params(batch_cells[0])
                    | ({"style": style_param} if own else {}),
                script:
                    "../scripts/stylize.py"
