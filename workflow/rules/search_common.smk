# Input functions of workflow/rules/search.smk (the coefficient search), apart from its rules as
# the linter asks.


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


def search_inputs(wildcards, rounds, name):
    """The pair's reference metrics, the files of ``rounds`` (as ``name``) and their cells' metrics."""
    return {
        "reference": rules.reference_metrics.output[0].format(**wildcards),
        name: [search_round_file(wildcards, number) for number in rounds],
        "metrics": list(search_cells(wildcards, rounds).values()),
    }


def search_round_inputs(wildcards):
    return search_inputs(wildcards, range(1, int(wildcards.round)), "previous")


def search_result_inputs(wildcards):
    rounds = range(1, SEARCHES[wildcards.search].rounds + 1)
    return search_inputs(wildcards, rounds, "rounds")
