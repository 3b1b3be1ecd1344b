"""The tiny workflow on a real (throwaway, single-node) Slurm cluster, through profiles/slurm.

Run by `make test-slurm` (tests/slurm/cluster.sh starts the cluster and sets STEEL_SLURM_TEST=1);
skipped by a plain `pytest`. The node has a fake GPU (gres.conf: File=/dev/null), so `--gpus=1`
is granted and Slurm sets CUDA_VISIBLE_DEVICES, but there is no CUDA device behind it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from workflow_helpers import REPO, SNAKEMAKE, tiny_config, write_config

from steel.io.outputs import read_losses

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

PROFILE = REPO / "profiles" / "slurm"
STATE = Path(os.environ.get("STEEL_SLURM_DIR", "/tmp/steel-slurm"))
STYLE, CONTENT = "ironwrath", "quorix"
CELLS = ["conv3_3-20", "conv3_3-200"]
RUNS = [f"results/runs/{STYLE}/{CONTENT}/{cell}" for cell in CELLS]
#: the stylize jobs and one cheap (local) job after them
RUNS_STYLIZED = [f"{run}/stylized.png" for run in RUNS]
TARGETS = [*RUNS_STYLIZED, f"results/plots/tiny/{STYLE}__{CONTENT}.png"]


def slurm(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=True).stdout


@pytest.fixture(scope="module")
def node() -> dict:
    """The cluster's one node; fails (never skips) when the cluster of `make test-slurm` is not up."""
    try:
        state = slurm("sinfo", "-h", "-N", "-o", "%t").split()
        fields = dict(re.findall(r"(\w+)=(\S+)", slurm("scontrol", "-o", "show", "node")))
        partition = slurm("sinfo", "-h", "-o", "%P").split()
    except (OSError, subprocess.SubprocessError) as error:
        pytest.fail(f"STEEL_SLURM_TEST=1 but no Slurm cluster answers ({error}): run `make test-slurm`")
    assert state == ["idle"], f"the test cluster's node is not idle: {state}"
    assert fields["Gres"] == "gpu:1", fields
    return {
        "cpus": int(fields["CPUTot"]),
        "mem_mb": int(fields["RealMemory"]),
        "partition": partition[0].rstrip("*"),
    }


def fitted_overrides(profile: dict, node: dict, partition: str | None) -> list[str]:
    """The command-line overrides a throwaway cluster needs on top of a real user's profile.

    Only what this cluster cannot take from the profile: no accounting (sacct cannot answer, so
    squeue, and no account), a short wait before the first status check, and requests cut down
    to half the node, so that two jobs run at once (a profile entry on the command line replaces
    the profile's whole entry, so the entries are passed in full). ``partition`` replaces a
    partition the profile names, None keeps it; without one, the plugin takes the cluster's
    default partition.
    """
    cpus, mem_mb = max(1, node["cpus"] // 2), node["mem_mb"] // 2
    args = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "1"]

    def fit(resources: dict) -> dict:
        resources = dict(resources)
        resources.pop("slurm_account", None)
        if partition and "slurm_partition" in resources:
            resources["slurm_partition"] = partition
        if "cpus_per_task" in resources:
            resources["cpus_per_task"] = min(resources["cpus_per_task"], cpus)
        if "mem_mb" in resources:
            resources["mem_mb"] = min(resources["mem_mb"], mem_mb)
        return resources

    defaults = fit(profile.get("default-resources") or {})
    if defaults != (profile.get("default-resources") or {}):
        args += ["--default-resources", *(f"{k}={v}" for k, v in defaults.items())]
    rules = {rule: fit(resources) for rule, resources in (profile.get("set-resources") or {}).items()}
    if rules != (profile.get("set-resources") or {}):
        args += ["--set-resources"]
        args += [f"{rule}:{k}={v}" for rule, resources in rules.items() for k, v in resources.items()]
    threads = {rule: min(n, cpus) for rule, n in (profile.get("set-threads") or {}).items()}
    if threads != (profile.get("set-threads") or {}):
        args += ["--set-threads", *(f"{rule}={n}" for rule, n in threads.items())]
    return args


def slurm_snakemake(workdir: Path, profile_dir: Path, node: dict, *args: str, partition=None, timeout=600):
    profile = yaml.safe_load((profile_dir / "profile.yaml").read_text())
    command = [
        str(SNAKEMAKE),
        *args,  # first: many options take lists
        "--snakefile", str(REPO / "Snakefile"),
        "--configfile", str(workdir / "config.yaml"),
        "--workflow-profile", str(profile_dir),
        *fitted_overrides(profile, node, partition),
    ]  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False
    )
    result.seconds = time.monotonic() - started
    result.output = result.stdout + result.stderr
    return result


def stylize_threads(node: dict) -> int:
    """The stylize job's threads on the test cluster (thread counts may change float sums)."""
    profile = yaml.safe_load((PROFILE / "profile.yaml").read_text())
    overrides = fitted_overrides(profile, node, None)
    if "--set-threads" in overrides:
        return int(next(a for a in overrides if a.startswith("stylize=")).split("=")[1])
    return (profile.get("set-threads") or {}).get("stylize", 2)


def one_style_config(workdir: Path) -> Path:
    """The tests' tiny workflow with one style, a 1 x 2 sweep and device auto (which must not pick
    the fake GPU)."""
    config = tiny_config()
    config["execution"]["device"] = "auto"
    config["styles"] = {STYLE: config["styles"][STYLE]}
    config["sweeps"]["tiny"]["rows"]["values"] = [0]
    config["figures"] = {"fig": {"cells": ["tiny/0/20", "tiny/0/200"]}}
    return write_config(workdir / "config.yaml", config)


def slurm_jobs() -> dict[str, dict[str, str]]:
    """Every job the cluster still remembers (MinJobAge=300): id -> scontrol's fields."""
    jobs = {}
    for line in slurm("scontrol", "-o", "-d", "show", "job").splitlines():
        fields = dict(re.findall(r"([\w/:]+)=(\S*)", line))
        if "JobId" in fields:
            jobs[fields["JobId"]] = fields
    return jobs


def step_environments(job_id: str) -> list[dict[str, str]]:
    """The environment of each step of a job, as the cluster's TaskProlog recorded it."""
    return [
        dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        for path in sorted((STATE / "steps").glob(f"{job_id}.*.env"))
    ]


@pytest.fixture(scope="module")
def runs(node, tmp_path_factory):
    """The tiny workflow through Slurm and, meanwhile, its stylize jobs locally with the same
    thread count (the Slurm run mostly waits between status checks)."""
    local = tmp_path_factory.mktemp("local")
    threads = stylize_threads(node)
    command = [
        str(SNAKEMAKE), *TARGETS[:-1],
        "--snakefile", str(REPO / "Snakefile"), "--configfile", str(one_style_config(local)),
        "--workflow-profile", "none", "--cores", str(threads), "--set-threads", f"stylize={threads}",
    ]  # fmt: skip
    with subprocess.Popen(
        command, cwd=local, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as local_run:
        try:
            on_slurm = tmp_path_factory.mktemp("on_slurm")
            one_style_config(on_slurm)
            result = slurm_snakemake(on_slurm, PROFILE, node, *TARGETS, partition=node["partition"])
            _, local_errors = local_run.communicate(timeout=600)
        finally:
            local_run.kill()
    assert result.returncode == 0, result.output[-6000:]
    assert local_run.returncode == 0, local_errors[-6000:]

    # the Slurm jobs Snakemake says it submitted, as the cluster remembers them (MinJobAge=300)
    submitted = re.findall(r"Job \S+ has been submitted with SLURM jobid (\d+)", result.output)
    jobs = {job_id: fields for job_id, fields in slurm_jobs().items() if job_id in submitted}
    return {"slurm": on_slurm, "local": local, "output": result.output, "submitted": submitted, "jobs": jobs}


def test_one_slurm_job_per_stylize_job_cheap_rules_local(runs):
    output, ours = runs["output"], runs["jobs"]
    # each stylize job is a Slurm job of its own; the loss plot is a local rule: seconds, no Slurm job
    planned = int(re.search(r"^total\s+(\d+)$", output, re.MULTILINE).group(1))
    assert planned == len(CELLS) + 1, output[-3000:]
    assert len(runs["submitted"]) == len(ours) == len(CELLS), output[-3000:]
    assert re.search(r"localrule loss_plot", output), output[-3000:]
    assert {f["JobState"] for f in ours.values()} == {"COMPLETED"}
    for fields in ours.values():
        assert "stylize" in fields["Comment"], fields
        assert fields["TresPerJob"] == "gres:gpu:1", fields  # asked for: sbatch --gpus=1
        assert fields["JOB_GRES"] == "gpu:1", fields  # and got
        assert fields["Requeue"] == "1", fields  # the profile's slurm-requeue


def test_stylize_jobs_saw_the_gpu_but_chose_the_cpu(runs):
    for job_id in runs["jobs"]:
        steps = step_environments(job_id)
        assert steps, f"no step of Slurm job {job_id} was recorded"
        # Slurm handed the (fake) GPU to the job step that ran the rule...
        assert any(env.get("CUDA_VISIBLE_DEVICES") == "0" for env in steps), steps
    for run in RUNS:
        run_dir = runs["slurm"] / run
        # ...and device auto still chose the CPU: no CUDA device answers behind it
        assert json.loads((run_dir / "run.json").read_text())["device"] == "cpu"
        assert "done on cpu" in (run_dir / "log").read_text()


def test_results_equal_a_local_run(runs):
    for run in RUNS:
        on_slurm, local = runs["slurm"] / run, runs["local"] / run
        assert np.array_equal(
            np.asarray(Image.open(on_slurm / "stylized.png")), np.asarray(Image.open(local / "stylized.png"))
        ), run
        slurm_losses, local_losses = read_losses(on_slurm / "losses.tsv"), read_losses(local / "losses.tsv")
        assert slurm_losses.keys() == local_losses.keys()
        for column in slurm_losses:
            np.testing.assert_allclose(slurm_losses[column], local_losses[column], rtol=1e-6, err_msg=run)
    assert (runs["slurm"] / TARGETS[-1]).is_file()


def test_the_fake_gpu_is_visible_to_jobs_and_auto_picks_the_cpu(node):
    """The same check on the cluster directly: the GPU job's environment, and what torch makes of it."""
    code = (
        "import os, torch; from steel.transfer.devices import resolve_device; "
        "print(os.environ.get('CUDA_VISIBLE_DEVICES'), torch.cuda.is_available(), resolve_device('auto'))"
    )
    out = slurm("srun", "--gpus=1", "--mem=1000", sys.executable, "-c", code)
    assert out.split() == ["0", "False", "cpu"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda profile: profile["default-resources"].update(slurm_partition="nosuch"),
            "Invalid partition name specified",
        ),
        (
            lambda profile: profile["set-resources"]["stylize"].update(gpu=2),
            "Requested node configuration is not available",
        ),
    ],
    ids=["unknown-partition", "two-gpus"],
)
def test_a_request_the_cluster_cannot_grant_fails_fast_with_slurms_message(node, tmp_path, edit, message):
    profile = yaml.safe_load((PROFILE / "profile.yaml").read_text())
    edit(profile)
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "profile.yaml").write_text(yaml.safe_dump(profile))
    one_style_config(tmp_path)
    result = slurm_snakemake(tmp_path, tmp_path / "profile", node, TARGETS[0], timeout=120)
    assert result.returncode != 0, result.output[-3000:]
    assert message in result.output, result.output[-3000:]
    assert "SLURM sbatch failed" in result.output
    assert result.seconds < 60, f"took {result.seconds:.0f} s to fail"


SEARCH = f"results/search/s/{STYLE}__{CONTENT}.json"
#: the pair's recommended cell as a vector logo, whichever cell (searched or not) wins
BEST_SVG = f"results/best/{STYLE}__{CONTENT}.svg"


def search_config(workdir: Path) -> Path:
    """The one-style workflow with its two sweep cells in one batch (cells_per_job 2) and a
    two-round search beside it: batch rules written at parse time, single-cell stylize jobs for
    the cells each round's checkpoint proposes; every cell traced as a vector logo."""
    config = yaml.safe_load(one_style_config(workdir).read_text())
    config["execution"]["cells_per_job"] = 2
    config["vector"] = {"enabled": True}
    config["search"] = {
        "s": {
            "coarse": ["conv1_2"],
            "deep": ["conv3_3"],
            "ratio": [0.01, 100],
            "rounds": 2,
            "per_round": 1,
            "points_per_decade": 2,
            "coarse_value": 20,
        }
    }
    return write_config(workdir / "config.yaml", config)


def test_a_search_runs_its_rounds_beside_a_batch_and_a_finished_one_plans_nothing(node, tmp_path):
    search_config(tmp_path)
    result = slurm_snakemake(
        tmp_path, PROFILE, node, *RUNS_STYLIZED, SEARCH, BEST_SVG, partition=node["partition"]
    )
    assert result.returncode == 0, result.output[-6000:]
    submitted = re.findall(r"Job \S+ has been submitted with SLURM jobid (\d+)", result.output)
    comments = [fields["Comment"] for job_id, fields in slurm_jobs().items() if job_id in submitted]
    found = json.loads((tmp_path / SEARCH).read_text())
    rounds = sorted({point["round"] for point in found["evaluated"]})
    assert rounds == [1, 2], found
    # the two sweep cells: one batch job; each searched cell: a single-cell stylize job; the
    # checkpoints and the result: local rules, no Slurm job
    assert len(submitted) == len(comments) == 1 + len(found["evaluated"]), result.output[-3000:]
    rules = sorted(re.match(r"rule_(\w+?)_wildcards_", c).group(1) for c in comments)
    assert rules[:-1] == ["stylize"] * len(found["evaluated"]), comments
    assert rules[-1].startswith("stylize_"), comments  # the batch's rule, written at parse time
    assert not [c for c in comments if "search" in c], comments
    assert re.search(r"localcheckpoint search_round", result.output), result.output[-3000:]
    for point in found["evaluated"]:
        for name in ("stylized.png", "stylized.svg"):  # traced like a sweep's cell
            assert (tmp_path / f"results/runs/{STYLE}/{CONTENT}/{point['cell']}/{name}").is_file()
    assert (tmp_path / SEARCH.replace(".json", ".best.png")).is_file()
    best = json.loads((tmp_path / BEST_SVG.replace(".svg", ".json")).read_text())["cell"]
    chosen = tmp_path / f"results/runs/{STYLE}/{CONTENT}/{best}/stylized.svg"
    assert (tmp_path / BEST_SVG).read_bytes() == chosen.read_bytes()
    again = slurm_snakemake(tmp_path, PROFILE, node, "-n", *RUNS_STYLIZED, SEARCH, BEST_SVG, timeout=120)
    assert again.returncode == 0, again.output[-3000:]
    assert "Nothing to be done" in again.output, again.output[-3000:]
