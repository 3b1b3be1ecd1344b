rule cell_metrics:
    input:
        image=f"{RUN_DIR}/{run_folder.STYLIZED}",
        record=f"{RUN_DIR}/{run_folder.RECORD}",
        # read through run.json's paths: inputs too, so that a replaced logo remeasures
        style=style_image,
        content=content_image,
        weights=weights_file,
        damaged=damage_notes_of(run_folder.METRICS),
    output:
        f"{RUN_DIR}/{run_folder.METRICS}",
    log:
        f"{RUN_DIR}/{run_folder.METRICS_LOG}",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        text=content_text,
        weights=config["weights"],
    script:
        "../scripts/cell_metrics.py"


rule reference_metrics:
    input:
        style=style_image,
        content=content_image,
        weights=weights_file,
    output:
        # its own folder, so that no sweep name (a sweep called "reference") can collide with it
        f"results/reference/{PAIR}.json",
    log:
        f"results/reference/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        text=content_text,
        weights=config["weights"],
        image=config["image"],
    script:
        "../scripts/reference_metrics.py"


rule metrics_table:
    input:
        metrics=sweep_files(run_folder.METRICS),
        reference=rules.reference_metrics.output[0],
        # MSG-Net's cell of the pair (when msgnet.enabled): a row and a point, never chosen
        comparisons=lambda wildcards: comparison_files(wildcards, run_folder.METRICS),
        # each cell's trace measures as vector_* columns (vector.enabled)
        vectors=branch(is_enabled("vector"), then=sweep_files(run_folder.VECTOR_RECORD)),
        # the sweep's cells by the outline method, when outline.enabled names the sweep
        outlines=lambda wildcards: outline_sweep_metrics(wildcards),
    output:
        table=report(
            f"results/metrics/{{sweep}}/{PAIR}.tsv",
            caption="../report/metrics_table.rst",
            category="Metrics",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR, "file": "table"},
        ),
        plot=report(
            f"results/metrics/{{sweep}}/{PAIR}.tradeoff.png",
            caption="../report/tradeoff.rst",
            category="Metrics",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR, "file": "trade-off plot"},
        ),
    log:
        f"results/metrics/{{sweep}}/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        title=lambda wildcards: f"{wildcards.sweep}: {pair_label(wildcards)}",
        max_cer=config["selection"]["max_cer"],
        max_artefacts=config["selection"]["max_artefacts"],
    script:
        "../scripts/metrics_table.py"


rule best:
    input:
        tables=lambda wildcards: [
            rules.metrics_table.output.table.format(
                sweep=sweep, style=wildcards.style, content=wildcards.content
            )
            for sweep in SWEEPS
        ],
        reference=rules.reference_metrics.output[0],
        # a search's cells compete under the same rule (its result says which it evaluated)
        searches=lambda wildcards: [
            f"results/search/{name}/{PAIR}.json".format(**wildcards)
            for name in SEARCHES
        ],
        # outline cells (outline.enabled) compete under the same rule, as a method of their own
        outlines=lambda wildcards: pair_outline_files(run_folder.METRICS)(wildcards),
    output:
        choice=report(
            f"results/best/{PAIR}.json",
            caption="../report/best.rst",
            category="Best trade-off",
            labels={"pair": PAIR, "file": "choice"},
        ),
        image=report(
            f"results/best/{PAIR}.png",
            caption="../report/best.rst",
            category="Best trade-off",
            labels={"pair": PAIR, "file": "image"},
        ),
    log:
        f"results/best/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_root=lambda wildcards: RUN_DIR.format(
            style=wildcards.style, content=wildcards.content, cell=""
        ),
        max_cer=config["selection"]["max_cer"],
        max_artefacts=config["selection"]["max_artefacts"],
    script:
        "../scripts/best.py"
