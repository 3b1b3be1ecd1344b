# The outline method: for every pair and every cell of the sweeps `outline.sweeps` names, the
# content's glyph outlines (a word in its font, an SVG's shapes, or a raster traced once) moved
# under the cell's loss instead of its pixels: a GPU job like stylize, into its own folder
# results/outline/{style}/{content}/{cell}/, measured like a cell and laid out as a contact sheet
# per sweep and pair. Params: the outline section, the loss, the image settings it reads, seed,
# weights (steel.plan.params.outline_params), never a pixel cell's: turning outlines on reruns no
# stylize job. Settings: the `outline:` config section (schema); enabled: false plans none of it.
include: "outline_common.smk"


rule stylize_outline:
    input:
        style=style_image,
        masks=style_mask_files,
        content=content_source_files,
        # the content as drawn: traced where outlines cannot say an SVG (text, strokes, ...)
        drawn=content_image,
        weights=weights_file,
    output:
        **({"alpha": f"{OUTLINE_RUN_DIR}/{run_folder.ALPHA}"} if STYLIZE_ALPHA else {}),
        svg=f"{OUTLINE_RUN_DIR}/{run_folder.SVG}",
        image=f"{OUTLINE_RUN_DIR}/{run_folder.STYLIZED}",
        content=f"{OUTLINE_RUN_DIR}/{run_folder.DRAWN_CONTENT}",
        losses=f"{OUTLINE_RUN_DIR}/{run_folder.LOSSES}",
        record=f"{OUTLINE_RUN_DIR}/{run_folder.RECORD}",
    log:
        f"{OUTLINE_RUN_DIR}/{run_folder.JOB_LOG}",
    benchmark:
        f"{OUTLINE_RUN_DIR}/{run_folder.BENCHMARK}"
    wildcard_constraints:
        cell=OUTLINE_UNBATCHED_CELL,
    conda:
        "../../envs/steel.yaml"
    threads: STYLIZE_THREADS
    resources:
        **STYLIZE_RESOURCES,
    params:
        # the cell's loss (a sweep's own loss settings) over the config's, as for its pixel twin
        # a blend's or a masked style's with its `style` param
        settings=outline_settings(),
        source=content_source,
    script:
        "../scripts/stylize_outline.py"


if config["execution"]["cells_per_job"] > 1:

    for batch, batch_cells in OUTLINE_BATCHES.items():

        rule:
            name:
                outline_rule(batch)
            input:
                style=style_image,
                masks=style_mask_files,
                content=content_source_files,
                drawn=content_image,
                weights=weights_file,
            output:
                **(
                    {"alpha": outline_cell_files(batch_cells, run_folder.ALPHA)}
                    if STYLIZE_ALPHA
                    else {}
                ),
                svg=outline_cell_files(batch_cells, run_folder.SVG),
                image=outline_cell_files(batch_cells, run_folder.STYLIZED),
                content=outline_cell_files(batch_cells, run_folder.DRAWN_CONTENT),
                losses=outline_cell_files(batch_cells, run_folder.LOSSES),
                record=outline_cell_files(batch_cells, run_folder.RECORD),
            log:
                outline_cell_files(batch_cells, run_folder.JOB_LOG),
            benchmark:
                batch_file(batch, run_folder.BENCHMARK, OUTLINE_BATCH_DIR)
            conda:
                "../../envs/steel.yaml"
            threads: STYLIZE_THREADS
            resources:
                **STYLIZE_RESOURCES,
            params:
                settings=outline_settings(batch_cells[0]),
                source=content_source,
            script:
                "../scripts/stylize_outline.py"


rule outline_metrics:
    input:
        image=f"{OUTLINE_RUN_DIR}/{run_folder.STYLIZED}",
        record=f"{OUTLINE_RUN_DIR}/{run_folder.RECORD}",
        # read through run.json's paths: inputs too, so that a replaced logo remeasures
        style=style_image,
        weights=weights_file,
    output:
        f"{OUTLINE_RUN_DIR}/{run_folder.METRICS}",
    log:
        f"{OUTLINE_RUN_DIR}/{run_folder.METRICS_LOG}",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        text=content_text,
        weights=config["weights"],
    script:
        "../scripts/cell_metrics.py"


rule outline_sheet:
    input:
        images=outline_sweep_files(run_folder.STYLIZED),
        metrics=branch(
            config["sheets"]["metrics"],
            then=outline_sweep_files(run_folder.METRICS),
        ),
        style=style_image,
        content=content_image,
    output:
        report(
            f"results/sheets/{{sweep}}/{PAIR}.outline.png",
            caption="../report/outline_sheet.rst",
            category="Contact sheets",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR, "method": "outline"},
        ),
    log:
        f"results/sheets/{{sweep}}/{PAIR}.outline.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_dirs=outline_run_dirs,
        metrics=config["sheets"]["metrics"],
        title=lambda wildcards: f"{sweep_title(wildcards)} (outlines)",
    script:
        "../scripts/sheet.py"
