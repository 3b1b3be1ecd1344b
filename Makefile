# The two commands of the README: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# make demo WEIGHTS=random (or caffe:PATH, PATH) overrides the config's weights
WEIGHTS ?=
CORES ?= all

.PHONY: venv install demo test test-slurm lint report clean

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# reinstall when the package's requirements change
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[workflow,metrics,dev]'
	touch $@

demo: install
	$(BIN)/snakemake --cores $(CORES) $(if $(WEIGHTS),--config weights=$(WEIGHTS))
	@echo "Contact sheets: results/sheets/  Runs: results/runs/"

test: install
	$(BIN)/python -m pytest

# the tiny workflow on a throwaway single-node Slurm cluster (root; installs Debian's Slurm if
# missing, starts it, runs tests/slurm, stops it also when they fail)
test-slurm: install
	STEEL_SLURM_TEST=1 tests/slurm/cluster.sh run $(BIN)/python -m pytest tests/slurm

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --config weights=random

report: install
	$(BIN)/snakemake --cores $(CORES) $(if $(WEIGHTS),--config weights=$(WEIGHTS)) --report results/report.html

clean:
	rm -rf results .snakemake
