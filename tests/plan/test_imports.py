"""What planning may import: the standard library, PyYAML and what Snakemake itself depends on.
Every steel module the Snakefile and the rule files import is imported in a fresh interpreter, and
nothing heavy may come with it (Snakemake plans in a second; torch alone takes several)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from workflow_helpers import REPO, tiny_config

#: what a planning import must not pull in
HEAVY = ("torch", "torchvision", "numpy", "PIL", "matplotlib", "fontTools", "resvg_py", "onnxruntime")


def planning_modules() -> list[str]:
    found = set()
    for path in [REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]:
        found |= set(re.findall(r"^\s*(?:from|import) (steel[\w.]*)", path.read_text(), re.M))
    return sorted(found)


def test_the_rules_import_steel_modules_at_all():
    modules = planning_modules()
    assert "steel.plan.sweeps" in modules and "steel.plan.params" in modules and len(modules) >= 5


def test_planning_imports_nothing_heavy():
    script = (
        "import importlib, sys\n"
        f"for name in {planning_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_job_layer_is_imported_by_nothing_outside_it():
    """No library module imports from steel.jobs or defines a job (jobs adapt the library, never
    the other way round)."""
    for path in (REPO / "src" / "steel").rglob("*.py"):
        if "jobs" in path.relative_to(REPO / "src" / "steel").parts:
            continue
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) steel\.jobs", text, re.M), path
        assert not re.search(r"^def \w+_job\(", text, re.M), path


@pytest.mark.workflow
def test_a_stock_snakemake_plans_without_steel_installed(tmp_path):
    """Snakemake's own packages without the steel distribution (no site hooks: the editable install
    is one): the Snakefile finds the planning modules in its source tree."""
    import sysconfig

    import yaml

    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny_config()))
    script = (
        "import sys, importlib.util\n"
        f"sys.path[:0] = [{sysconfig.get_paths()['purelib']!r}]\n"
        "assert importlib.util.find_spec('steel') is None, 'steel is installed here'\n"
        "from snakemake.cli import main\n"
        f"sys.argv = ['snakemake', '-n', '--cores', '1', '--directory', {str(tmp_path)!r}, "
        f"'--configfile', {str(config)!r}]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "rule stylize" in result.stdout + result.stderr
