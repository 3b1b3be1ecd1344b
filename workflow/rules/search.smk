# Coefficients found, not guessed: per search and pair, rounds of cells on a log grid of
# deep/coarse ratios (steel.evaluate.search), each round a checkpoint that reads the metrics of the
# rounds before it, then the search's result. Evaluated cells are ordinary cells (the stylize and
# cell_metrics rules make them); a round depends on the rounds before it, never on `rounds`.


def search_round_file(wildcards, number):
    return checkpoints.search_round.get(
        search=wildcards.search,
        style=wildcards.style,
        content=wildcards.content,
        round=number,
    ).output[0]


def search_cells(wildcards, rounds):
    """cell id -> metrics.json of every cell proposed in the given rounds (checkpoints)."""
    cells = {}
    for number in rounds:
        with open(search_round_file(wildcards, number)) as handle:
            for proposal in json.load(handle)["proposals"]:
                cells[proposal["cell"]] = os.path.join(
                    RUN_DIR.format(
                        style=wildcards.style,
                        content=wildcards.content,
                        cell=proposal["cell"],
                    ),
                    run_folder.METRICS,
                )
    return cells


def search_round_inputs(wildcards):
    before = range(1, int(wildcards.round))
    return {
        "reference": rules.reference_metrics.output[0].format(**wildcards),
        "previous": [search_round_file(wildcards, number) for number in before],
        "metrics": list(search_cells(wildcards, before).values()),
    }


def search_result_inputs(wildcards):
    rounds = range(1, SEARCHES[wildcards.search].rounds + 1)
    return {
        "reference": rules.reference_metrics.output[0].format(**wildcards),
        "rounds": [search_round_file(wildcards, number) for number in rounds],
        "metrics": list(search_cells(wildcards, rounds).values()),
    }


checkpoint search_round:
    input:
        unpack(search_round_inputs),
    output:
        f"results/search/{{search}}/{PAIR}/round{{round}}.json",
    log:
        f"results/search/{{search}}/{PAIR}/round{{round}}.log",
    wildcard_constraints:
        round=r"[1-9][0-9]*",
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
