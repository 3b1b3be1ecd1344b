# The two commands of the README: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# make demo WEIGHTS=random (or caffe:PATH, PATH) overrides the config's weights
WEIGHTS ?=
CORES ?= all

.PHONY: venv install demo test test-fast test-slurm lint schema report clean mutants mutants-score

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# reinstall when the package's requirements change
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	@# a venv made before the distribution was renamed (network-of-steel) holds it as `steel`
	$(BIN)/python -m pip uninstall --quiet --yes steel 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[workflow,metrics,dev]'
	touch $@

demo: install
	$(BIN)/snakemake --cores $(CORES) $(if $(WEIGHTS),--config weights=$(WEIGHTS))
	$(BIN)/snakemake --cores $(CORES) $(if $(WEIGHTS),--config weights=$(WEIGHTS)) --report results/report.html
	@echo "Recommended logo of each pair:"; ls -1 results/best/*.png
	@echo "Report (every sheet, plot and table): results/report.html"

test: install
	$(BIN)/python -m pytest

# everything but the tests that run Snakemake (a broken unit fails here in about a minute)
test-fast: install
	$(BIN)/python -m pytest -m "not workflow"

# the tiny workflow on a throwaway single-node Slurm cluster (root; installs Debian's Slurm if
# missing, starts it, runs tests/slurm, stops it also when they fail)
test-slurm: install
	STEEL_SLURM_TEST=1 tests/slurm/cluster.sh run $(BIN)/python -m pytest tests/slurm

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --config weights=random

# the config schema's settings, made from the settings table (src/steel/settings.py) after a row changes
schema: install
	$(BIN)/python -m steel.plan.schema workflow/schemas/config.schema.yaml

report: install
	$(BIN)/snakemake --cores $(CORES) $(if $(WEIGHTS),--config weights=$(WEIGHTS)) --report results/report.html

clean:
	rm -rf results .snakemake

# Mutation testing, not in CI: mutmut ([tool.mutmut] in pyproject.toml) mutates a copy
# of src/steel in ./mutants/ and runs the fast unit tests (-m "not workflow") that reach each
# mutant. Slow: ~16,000 mutants in all, about 0.15 a second on 2 cores, so each module runs a
# seeded random sample of at most MUTANTS_SAMPLE mutants (0: all; tools/mutants_sample.py).
# Results stay in ./mutants/ for mutants-score (retest survivors: .venv/bin/mutmut run NAME...).
# Pick modules with MUTANTS_MODULES="transfer.losses evaluate.metrics" (empty: all of src/steel);
# `make mutants-score` prints the score per module, `.venv/bin/mutmut show NAME` a survivor.
MUTANTS_MODULES ?=
MUTANTS_SAMPLE ?= 300
MUTANTS_JOBS ?= 2

$(VENV)/.installed-mutation: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[workflow,metrics,dev,mutation]'
	touch $@

# the first run generates every mutant and maps tests to functions (errors: 2 mutants, seconds)
mutants: $(VENV)/.installed-mutation
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children $(MUTANTS_JOBS) 'steel.errors.*'
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children $(MUTANTS_JOBS) $$($(BIN)/mutmut results --all true \
		| $(BIN)/python tools/mutants_sample.py --per-module $(MUTANTS_SAMPLE) $(addprefix steel.,$(MUTANTS_MODULES)))
	@$(MAKE) --no-print-directory mutants-score

# per module, over its sample: caught (killed, or timed out) / checked; "no tests" (no fast test
# reaches the mutant) counts as not caught
mutants-score:
	@$(BIN)/mutmut results --all true | $(BIN)/python tools/mutants_sample.py --score \
		--per-module $(MUTANTS_SAMPLE) $(addprefix steel.,$(MUTANTS_MODULES))
