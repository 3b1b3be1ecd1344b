rule stylize:
    input:
        style=style_image,
        content=content_image,
        weights=weights_file,
    output:
        image=f"{RUN_DIR}/stylized.png",
        losses=f"{RUN_DIR}/losses.tsv",
        record=f"{RUN_DIR}/run.json",
    log:
        f"{RUN_DIR}/log",
    benchmark:
        f"{RUN_DIR}/benchmark.tsv"
    conda:
        "../../envs/steel.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        # every value that changes a result is a param, so that Snakemake's rerun triggers see it
        layers=lambda wildcards: parse_cell_id(wildcards.cell),
        weights=config["weights"],
        device=config["device"],
        seed=config["seed"],
        image=config["image"],
        optimizer=config["optimizer"],
        loss=config["loss"],
    script:
        "../scripts/stylize.py"
