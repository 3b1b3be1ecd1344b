# Every cell as a vector logo (vector.enabled): stylized.svg traced from stylized.png, ground
# transparent, and vector.json (the mode and settings, and how the trace compares with the raster).
# Outside the result sections, so turning it on traces the finished cells and reruns none.
include: "vector_common.smk"


rule trace_vector:
    input:
        image=f"{RUN_DIR}/{run_folder.STYLIZED}",
        record=f"{RUN_DIR}/{run_folder.RECORD}",
        damaged=damage_notes_of(run_folder.VECTOR_RECORD),
    output:
        svg=f"{RUN_DIR}/{run_folder.SVG}",
        record=f"{RUN_DIR}/{run_folder.VECTOR_RECORD}",
        preview=f"{RUN_DIR}/{run_folder.VECTOR_PREVIEW}",
    log:
        f"{RUN_DIR}/{run_folder.VECTOR_LOG}",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        trace=TRACE_PARAMS,
        text=content_text,
    script:
        "../scripts/trace_vector.py"


rule best_svg:
    input:
        choice=rules.best.output.choice,
        # the pair's every cell, a searched cell too: any of them can be the recommendation
        svgs=branch(is_enabled("vector"), then=pair_cell_files(run_folder.SVG)),
        searched=branch(
            is_enabled("vector"), then=pair_cell_files(run_folder.SVG, searched=True)
        ),
        # an outline cell's own SVG, when one is recommended (outline.enabled)
        outlines=lambda wildcards: pair_outline_files(run_folder.SVG)(wildcards),
        # with outlines on and vector off, a recommended pixel cell is traced here
        rasters=branch(
            not is_enabled("vector"), then=pair_cell_files(run_folder.STYLIZED)
        ),
        searched_rasters=branch(
            not is_enabled("vector"),
            then=pair_cell_files(run_folder.STYLIZED, searched=True),
        ),
    output:
        report(
            f"results/best/{PAIR}.svg",
            caption="../report/best.rst",
            category="Best trade-off",
            labels={"pair": PAIR, "file": "vector"},
        ),
    log:
        f"results/best/{PAIR}.svg.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        trace=TRACE_PARAMS,
    script:
        "../scripts/best_svg.py"


rule vector_sheet:
    input:
        images=sweep_files(run_folder.VECTOR_PREVIEW),
        traces=sweep_files(run_folder.VECTOR_RECORD),
        style=style_image,
        content=content_image,
    output:
        report(
            f"results/sheets/{{sweep}}/{PAIR}.vector.png",
            caption="../report/vector_sheet.rst",
            category="Contact sheets",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR, "file": "vector"},
        ),
    log:
        f"results/sheets/{{sweep}}/{PAIR}.vector.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_dirs=sweep_run_dirs,
        title=sweep_title,
        vector=True,  # the traces instead of the rasters, each with its trace's numbers
    script:
        "../scripts/sheet.py"
