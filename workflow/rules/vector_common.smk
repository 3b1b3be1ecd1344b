# Settings and targets of workflow/rules/vector.smk (every cell as a vector logo), apart from its
# rules as the linter asks.

# the vector trace of every cell: its own params, never the stylize rule's
TRACE_PARAMS = canonical(part_settings("vector"), SCHEMA_DOC["properties"]["vector"])


def vector_targets():
    """The pairs' vector logos and vector contact sheets when vectors are on (the cells' traces
    are among CELL_FILES)."""
    if not is_enabled("vector"):
        return []
    return [
        *pair_targets(rules.best_svg.output[0], sweeps=False),
        *pair_targets(rules.vector_sheet.output[0]),
    ]
