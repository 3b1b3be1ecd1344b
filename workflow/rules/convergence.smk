# The convergence study (`convergence:` config section, steel.evaluate.convergence): for every
# pair, each schedule (the config's own optimizer/image settings as "reference", plus the named
# overrides of convergence.schedules) runs the study's cells once as a GPU job like stylize and
# scores its snapshots at full size; a local rule per pair draws the plot and writes all traces and
# the summary. Params are canonical (typed, defaults filled, sorted): only a real change reruns.
include: "convergence_common.smk"


rule convergence_run:
    input:
        style=style_image,
        masks=style_mask_files,
        content=content_image,
        weights=weights_file,
    output:
        f"{CONVERGENCE_DIR}/runs/{PAIR}/{{schedule}}.tsv",
    log:
        f"{CONVERGENCE_DIR}/runs/{PAIR}/{{schedule}}.log",
    benchmark:
        f"{CONVERGENCE_DIR}/runs/{PAIR}/{{schedule}}.benchmark.tsv"
    wildcard_constraints:
        schedule="|".join(CONVERGENCE_PARAMS),
    conda:
        "../../envs/steel.yaml"
    threads: STYLIZE_THREADS
    resources:
        **STYLIZE_RESOURCES,
    params:
        text=content_text,
        # a blend's or a masked style's: with its `style` param, as its cells' params have it
        settings=lambda wildcards: CONVERGENCE_PARAMS[wildcards.schedule]
        | style_setting(wildcards),
    script:
        "../scripts/convergence_run.py"


rule convergence_pair:
    input:
        traces=lambda wildcards: [
            rules.convergence_run.output[0].format(
                style=wildcards.style, content=wildcards.content, schedule=schedule
            )
            for schedule in CONVERGENCE_PARAMS
        ],
    output:
        plot=report(
            f"{CONVERGENCE_DIR}/{PAIR}.png",
            caption="../report/convergence.rst",
            category="Convergence",
            labels={"pair": PAIR, "file": "plot"},
        ),
        table=f"{CONVERGENCE_DIR}/{PAIR}.tsv",
        summary=report(
            f"{CONVERGENCE_DIR}/{PAIR}.md",
            caption="../report/convergence.rst",
            category="Convergence",
            labels={"pair": PAIR, "file": "summary"},
        ),
    log:
        f"{CONVERGENCE_DIR}/{PAIR}.log",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        schedules=list(CONVERGENCE_PARAMS),
        title=pair_label,
    script:
        "../scripts/convergence_pair.py"


rule convergence:
    input:
        pair_targets(rules.convergence_pair.output.plot, sweeps=False),
    localrule: True
