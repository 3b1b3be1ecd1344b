"""The Slurm tests run only under `make test-slurm`, which starts a throwaway cluster and sets
STEEL_SLURM_TEST=1. Plain `pytest` skips them; under `make test-slurm` nothing may be skipped."""

from __future__ import annotations

import os

import pytest

ENABLED = os.environ.get("STEEL_SLURM_TEST") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "slurm: needs the throwaway Slurm cluster of `make test-slurm`")


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="needs a Slurm cluster: run `make test-slurm`")
    for item in items:
        if "slurm" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    """Under `make test-slurm` a skipped (or missing) Slurm test is a failure, never a pass."""
    if not ENABLED:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"STEEL_SLURM_TEST=1 but {skipped} test(s) skipped: failing", red=True)
        session.exitstatus = 1
