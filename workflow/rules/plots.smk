rule loss_plot:
    input:
        sweep_files(run_folder.LOSSES),
    output:
        report(
            f"results/plots/{{sweep}}/{PAIR}.png",
            caption="../report/loss_plot.rst",
            category="Loss plots",
            subcategory="{sweep}",
            labels={"sweep": "{sweep}", "pair": PAIR},
        ),
    log:
        f"results/plots/{{sweep}}/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        run_dirs=sweep_run_dirs,
    script:
        "../scripts/loss_plot.py"


rule figure:
    input:
        figure_files(run_folder.LOSSES),
    output:
        report(
            f"results/plots/figures/{{figure}}/{PAIR}.png",
            caption="../report/figure.rst",
            category="Figures",
            subcategory="{figure}",
            labels={"figure": "{figure}", "pair": PAIR},
        ),
    log:
        f"results/plots/figures/{{figure}}/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        title=lambda wildcards: config["figures"][wildcards.figure].get(
            "title", wildcards.figure
        ),
        sweeps=lambda wildcards: [line.sweep.name for line in FIGURES[wildcards.figure]],
        coefficients=lambda wildcards: [
            line.coefficients for line in FIGURES[wildcards.figure]
        ],
        blocks=lambda wildcards: [
            line.sweep.deep_block for line in FIGURES[wildcards.figure]
        ],
    script:
        "../scripts/figure.py"
