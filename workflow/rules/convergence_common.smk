# Settings and paths of workflow/rules/convergence.smk (the convergence study), apart from its
# rules as the linter asks.
from steel.plan.schedules import schedule_params

# schedule -> its trace job's canonical params (the reference first): only a real change reruns
CONVERGENCE_PARAMS = schedule_params(config, SCHEMA_DOC)
CONVERGENCE_DIR = "results/convergence"


def convergence_targets():
    """The pairs' convergence plots (and with them traces and summaries) when the study is on."""
    if not is_enabled("convergence"):
        return []
    return pair_targets(f"{CONVERGENCE_DIR}/{PAIR}.png", sweeps=False)
