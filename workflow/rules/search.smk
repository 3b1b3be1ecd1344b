# Coefficients found, not guessed: per search and pair, rounds of cells on a log grid of
# deep/coarse ratios (steel.evaluate.search), each round a checkpoint that reads the metrics of the
# rounds before it, then the search's result. Evaluated cells are ordinary cells (the stylize and
# cell_metrics rules make them); a round depends on the rounds before it, never on `rounds`.


include: "search_common.smk"


checkpoint search_round:
    input:
        unpack(search_round_inputs),
    output:
        f"results/search/{{search}}/{PAIR}/round{{round}}.json",
    log:
        f"results/search/{{search}}/{PAIR}/round{{round}}.log",
    wildcard_constraints:
        round=r"[1-9][0-9]*",
    localrule: True
    conda:
        "../../envs/steel.yaml"
    params:
        spec=lambda wildcards: SEARCHES[wildcards.search].params(),
        max_cer=config["selection"]["max_cer"],
        max_artefacts=config["selection"]["max_artefacts"],
    script:
        "../scripts/search_round.py"


rule search_result:
    input:
        unpack(search_result_inputs),
    output:
        choice=report(
            f"results/search/{{search}}/{PAIR}.json",
            caption="../report/search.rst",
            category="Search",
            labels={"search": "{search}", "pair": PAIR, "file": "result"},
        ),
        plot=report(
            f"results/search/{{search}}/{PAIR}.png",
            caption="../report/search.rst",
            category="Search",
            labels={"search": "{search}", "pair": PAIR, "file": "plot"},
        ),
        image=f"results/search/{{search}}/{PAIR}.best.png",
    log:
        f"results/search/{{search}}/{PAIR}.log",
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
        "../scripts/search_result.py"
