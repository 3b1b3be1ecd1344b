"""Each rule family's inputs: a dry run for one of its targets, in an empty folder, plans the jobs
that make what it reads (a rule whose inputs were wrong would plan less, or fail to plan)."""

from __future__ import annotations

import pytest
from workflow_helpers import planned_jobs, snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow

PAIR = "ironwrath__quorix"
CELL = "results/runs/ironwrath/quorix/conv3_3-20"

#: target -> the rules whose jobs it must plan (besides its own)
TARGETS = {
    f"{CELL}/metrics.json": {"stylize"},
    f"results/sheets/tiny/{PAIR}.png": {"stylize", "cell_metrics"},
    "results/sheets/tiny/overview.png": {"sheet", "stylize", "cell_metrics"},
    f"results/plots/tiny/{PAIR}.png": {"stylize"},
    f"results/plots/figures/fig/{PAIR}.png": {"stylize"},
    f"results/metrics/tiny/{PAIR}.tsv": {"cell_metrics", "reference_metrics", "stylize"},
    f"results/best/{PAIR}.json": {"metrics_table", "reference_metrics"},
    f"results/findings/{PAIR}.md": {"metrics_table", "reference_metrics", "stylize"},
    "results/findings/summary.md": {"findings"},
    "results/runs.html": {"stylize"},
    f"{CELL}/stylized.svg": {"stylize"},
    f"results/best/{PAIR}.svg": {"best", "trace_vector"},
    f"results/sheets/tiny/{PAIR}.vector.png": {"trace_vector"},
    f"results/search/s/{PAIR}/round1.json": {"reference_metrics"},
}


@pytest.fixture(scope="module")
def configfile(tmp_path_factory):
    config = tiny_config(vector={"enabled": True})
    config["search"] = {"s": {"coarse": ["conv1_2"], "deep": ["conv3_3"], "ratio": [0.1, 10]}}
    return write_config(tmp_path_factory.mktemp("rules") / "c.yaml", config)


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_target_plans_the_jobs_that_make_its_inputs(target, configfile, tmp_path):
    result = snakemake(tmp_path, None, "-n", target, "--configfile", str(configfile))
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    rules = {job["rule"] for job in planned_jobs(result)}
    assert TARGETS[target] <= rules, rules
