# Input functions of workflow/rules/search.smk (the coefficient search), apart from its rules as
# the linter asks.


def search_round_file(search, style, content, number):
    return checkpoints.search_round.get(
        search=search, style=style, content=content, round=number
    ).output[0]


def search_cells(search, style, content, rounds):
    """cell id -> metrics.json of every cell proposed in the given rounds (checkpoints)."""
    cells = {}
    for number in rounds:
        with open(search_round_file(search, style, content, number)) as handle:
            for proposal in json.load(handle)["proposals"]:
                cells[proposal["cell"]] = os.path.join(
                    RUN_DIR.format(style=style, content=content, cell=proposal["cell"]),
                    run_folder.METRICS,
                )
    return cells


def searched_cells(style, content):
    """The cell ids every search evaluated for a pair, in order (each search's rounds resolved
    through their checkpoints)."""
    cells = {}
    for name, search in SEARCHES.items():
        cells |= search_cells(name, style, content, range(1, search.rounds + 1))
    return list(cells)


def search_inputs(wildcards, rounds, name):
    """The pair's reference metrics, the files of ``rounds`` (as ``name``) and their cells' metrics."""
    which = (wildcards.search, wildcards.style, wildcards.content)
    return {
        "reference": rules.reference_metrics.output[0].format(**wildcards),
        name: [search_round_file(*which, number) for number in rounds],
        "metrics": list(search_cells(*which, rounds).values()),
    }


def search_round_inputs(wildcards):
    return search_inputs(wildcards, range(1, int(wildcards.round)), "previous")


def search_result_inputs(wildcards):
    rounds = range(1, SEARCHES[wildcards.search].rounds + 1)
    return search_inputs(wildcards, rounds, "rounds")
