rule sheet:
    input:
        images=sweep_files(run_folder.STYLIZED),
        metrics=branch(
            config["sheets"]["metrics"], then=sweep_files(run_folder.METRICS)
        ),
        # image.alpha: each cell's transparent result, drawn under it on a mid-grey band
        alpha=branch(STYLIZE_ALPHA, then=sweep_files(run_folder.ALPHA)),
        style=style_image,
        content=content_image,
    output:
        report(
            f"results/sheets/{{sweep}}/{PAIR}.png",
            caption="../report/sheet.rst",
            category="Contact sheets",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR},
        ),
    log:
        f"results/sheets/{{sweep}}/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_dirs=sweep_run_dirs,
        metrics=config["sheets"]["metrics"],
        alpha=STYLIZE_ALPHA,
        # a param, so that a new title alone redraws the sheet
        title=sweep_title,
    script:
        "../scripts/sheet.py"


rule overview:
    input:
        lambda wildcards: [
            rules.sheet.output[0].format(sweep=wildcards.sweep, style=s, content=c)
            for s, c in PAIRS
        ],
    output:
        report(
            "results/sheets/{sweep}/overview.png",
            caption="../report/overview.rst",
            category="Contact sheets",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": "all pairs"},
        ),
    log:
        "results/sheets/{sweep}/overview.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        labels=[pair_name(s, c) for s, c in PAIRS],
    script:
        "../scripts/overview.py"
