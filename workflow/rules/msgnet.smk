# MSG-Net (Zhang & Dana 2017), the paper's feed-forward baseline (its section 3.5, table 11): one
# model trained on every style x content of the config (a GPU job like stylize), then one forward
# pass per pair into the pair's run folder as the cell "msgnet", so that cell_metrics measures it
# like any cell; the methods sheet puts content, style, the Gatys baseline (table 1's middle cell
# when the config has a sweep table1), Network of Steel's recommended cell and MSG-Net side by side.
# Settings: the `msgnet:` config section (schema); enabled: false plans none of it.
include: "msgnet_common.smk"


# the msgnet run folder is MSG-Net's, never a cell of the single-cell stylize rule's
ruleorder: stylize_msgnet > stylize


rule train_msgnet:
    input:
        styles=[
            logo_image("style", name)
            for name in dict.fromkeys(style for style, _ in MSGNET_PAIRS)
        ],
        contents=[
            logo_image("content", name)
            for name in dict.fromkeys(content for _, content in MSGNET_PAIRS)
        ],
        weights=weights_file,
        init=[MSGNET["init"]] if MSGNET["init"] else [],
    output:
        model=f"{MSGNET_DIR}/model.pt",
        losses=f"{MSGNET_DIR}/{run_folder.LOSSES}",
        plot=report(
            f"{MSGNET_DIR}/losses.png",
            caption="../report/msgnet_losses.rst",
            category="Methods",
            labels={"file": "MSG-Net training loss"},
        ),
    log:
        f"{MSGNET_DIR}/train.log",
    benchmark:
        f"{MSGNET_DIR}/{run_folder.BENCHMARK}"
    conda:
        "../../envs/steel.yaml"
    threads: STYLIZE_THREADS
    resources:
        **STYLIZE_RESOURCES,
    params:
        msgnet=MSGNET_PARAMS,
        weights=config["weights"],
        seed=config["seed"],
    script:
        "../scripts/train_msgnet.py"


rule stylize_msgnet:
    input:
        model=rules.train_msgnet.output.model,
        style=style_image,
        content=content_image,
        damaged=damage_notes_of(run_folder.RECORD, [MSGNET_CELL]),
    output:
        image=f"{MSGNET_RUN_DIR}/{run_folder.STYLIZED}",
        record=f"{MSGNET_RUN_DIR}/{run_folder.RECORD}",
    log:
        f"{MSGNET_RUN_DIR}/{run_folder.JOB_LOG}",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        image=config["image"],
    script:
        "../scripts/stylize_msgnet.py"


rule methods_sheet:
    input:
        images=methods_inputs(run_folder.STYLIZED),
        metrics=methods_inputs(run_folder.METRICS),
        # the outline method's cells (outline.enabled), and the pixel cells it is set against
        outline_images=lambda wildcards: pair_outline_files(run_folder.STYLIZED)(
            wildcards
        ),
        outline_metrics=lambda wildcards: pair_outline_files(run_folder.METRICS)(
            wildcards
        ),
        pixel_metrics=branch(
            is_enabled("outline"), then=pair_cell_files(run_folder.METRICS)
        ),
        best=rules.best.output.choice,
        reference=rules.reference_metrics.output[0],
        style=style_image,
        content=content_image,
    output:
        sheet=report(
            f"results/sheets/methods/{PAIR}.png",
            caption="../report/msgnet_methods.rst",
            category="Methods",
            labels={"pair": PAIR, "file": "sheet"},
        ),
        table=f"results/sheets/methods/{PAIR}.tsv",
    log:
        f"results/sheets/methods/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_root=lambda wildcards: RUN_DIR.format(
            style=wildcards.style, content=wildcards.content, cell=""
        ),
        gatys=gatys_cell(),
        msgnet=lambda wildcards: MSGNET_CELL if has_msgnet(wildcards.style) else None,
        title=pair_label,
    script:
        "../scripts/methods_sheet.py"
