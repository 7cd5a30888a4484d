# Every target installs what it needs first, from the project's own pins (Pipfile.lock, package-lock.json):
# synth, hcl, bench and the Terraform commands get only the runtime packages; test and lint also the dev tools.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2025.0.4
ENV ?= dev

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_VERBOSITY := -1
export PIPENV_IGNORE_VIRTUALENVS := 1
export CHECKPOINT_DISABLE := 1
export NODE_NO_WARNINGS := 1
# node_modules/.bin holds Node 22 (jsii no longer supports the machine's Node 20) and cdktf;
# .tools/path holds only pipenv, which installs .venv; everything runs from .venv/bin directly (see below).
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/path:$(PATH)

# A TF_CLI_CONFIG_FILE that names a missing file only makes every Terraform call (cdktf's own too) print a warning,
# which cdktf relays as "[ERROR]"; without it Terraform reads its default CLI configuration, as it would anyway.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif

# One unpacked copy of each Terraform provider for every stack's `terraform init` (cdktf runs one per stack);
# Terraform silently skips a cache folder that does not exist, so the targets that run it create the folder.
export TF_PLUGIN_CACHE_DIR := $(CURDIR)/.terraform-plugins

# Independent set-up steps (a pipenv sync and npm ci) run side by side; each recipe's own lines stay in order.
MAKEFLAGS += --jobs=2

PIPENV := $(CURDIR)/.tools/path/pipenv
# Not `pipenv run`: pipenv sets PYTHONDONTWRITEBYTECODE=1 for what it runs, so with the --no-compile install
# below every run would compile the provider modules it imports again (~4 s per synth). cdktf.json does the same.
unexport PYTHONDONTWRITEBYTECODE
RUN := $(CURDIR)/.venv/bin/python -m

# The tests render every release with Helm from the pinned chart archives (tests/support/rendering.py reads these paths).
# The Helm binary comes from a PyPI wheel (tools/helm-wheel.txt); charts from their repositories, else from
# SHARED_CHARTS (the archives CI and development machines carry), each checked against its catalogue/charts.py digest.
# The CRD bundles (catalogue/gateway.py) the tests read from SHARED_CHARTS itself, each checked against its sha256.
HELM_BIN ?= $(CURDIR)/.tools/bin/helm
CHART_CACHE ?= $(CURDIR)/.chart-cache
SHARED_CHARTS ?= $(CURDIR)/../shared/charts
export GPU_CLUSTERS_HELM := $(HELM_BIN)
export GPU_CLUSTERS_CHART_CACHE := $(CHART_CACHE)
export GPU_CLUSTERS_SHARED_CHARTS := $(SHARED_CHARTS)

.PHONY: help install install-dev charts charts-digest synth hcl test pytest lint bench deploy diff review destroy output clean

help:
	@echo "make synth                 synthesise environments/ (or ENVIRONMENTS=files,folders) into cdktf.out/"
	@echo "make hcl                   the same environments as plain Terraform (HCL) in hcl/stacks/"
	@echo "make test                  lint, type-check and run the whole test suite"
	@echo "make charts                the pinned chart archives the tests render, checked against their digests"
	@echo "make bench                 synth speed and memory figures"
	@echo "make diff|deploy|destroy|output ENV=<name>   plan, apply, tear down or show one environment"
	@echo "make review ENV=<name>     what a deploy would do to running work; exit 2 if it replaces or deletes a pool"
	@echo "make unlock ENV=<name> LOCK_ID=<id> [STACK=cluster|apps]   release the state lock a killed run left"
	@echo "make adopt ENV=<name> [STACK=cluster]   import what a killed run created but its state lost"

# Supported: Python 3.11-3.13. The Pipfile names no version (pipenv would warn on every other one), so pipenv is
# told which interpreter to use: left to itself it takes the newest one it finds on the machine.
$(PIPENV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "error: PYTHON=$(PYTHON) is Python " + sys.version.split()[0] + "; this project needs 3.11, 3.12 or 3.13")'
	$(PYTHON) -m venv .tools/venv
	.tools/venv/bin/pip install --quiet pipenv==$(PIPENV_VERSION)
	mkdir -p .tools/path && ln -sf ../venv/bin/pipenv $(PIPENV)

# Runtime packages only (what synth needs); .synced-dev adds the dev tools for test and lint.
# --no-compile: pip would byte-compile all ~5000 provider modules (minutes, ~660 MB of .pyc) and the dev tools'
# trees (checkov, moto: 30 s), of which a run imports a small part; Python compiles and caches that on first import.
.venv/.synced: Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" --extra-pip-args=--no-compile
	touch $@

.venv/.synced-dev: .venv/.synced
	$(PIPENV) sync --dev --extra-pip-args=--no-compile
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .venv/.synced node_modules/.installed

# Only the one wheel, outside the venv (pip download touches no environment); install_helm.py checks helm's hash.
$(HELM_BIN): tools/helm-wheel.txt tools/install_helm.py | .venv/.synced
	wheels=$$(mktemp -d) && trap 'rm -rf "$$wheels"' EXIT && \
	$(RUN) pip download --quiet --no-deps --require-hashes -r tools/helm-wheel.txt -d "$$wheels" && \
	.venv/bin/python tools/install_helm.py "$$wheels" $@

install-dev: install .venv/.synced-dev $(HELM_BIN)

charts: $(HELM_BIN) | .venv/.synced
	.venv/bin/python tools/fetch_charts.py --cache $(CHART_CACHE) --shared $(SHARED_CHARTS) --helm $(HELM_BIN)

# Renovate's post-upgrade task after a chart bump: needs the chart repositories (not reachable from CI here).
charts-digest: $(HELM_BIN) | .venv/.synced
	.venv/bin/python tools/fetch_charts.py --update-digests --cache $(CHART_CACHE) --shared $(SHARED_CHARTS) \
		--helm $(HELM_BIN)

# main.py --check first: a bad file's errors print once, in the user's words, before cdktf starts.
synth: install
	.venv/bin/python main.py --check
	cdktf synth

# Paths in the HCL (local state) are relative to hcl/stacks/<stack>/, the same depth as cdktf.out/stacks/<stack>/.
hcl: install
	.venv/bin/python main.py --check
	cdktf synth --hcl --output hcl

lint: install-dev
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

# Test modules run in parallel on pytest-xdist workers (a module stays on one worker, so its fixtures, an emulator
# among them, are built once); the ten slowest tests are listed at the end. One worker more than cores: the
# emulator modules wait most of their time, and tests/conftest.py starts them first, beside the CPU-bound ones
# (2 cores: 3 workers 368 s, 2 workers 443 s, on an installed clone).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
# lint and the suite run side by side (--jobs above): mypy's ~20 s on one core overlap pytest's start-up.
test: lint pytest

pytest: install-dev charts
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=10

bench: install
	.venv/bin/python bench/benchmark.py

# The Terraform targets name both stacks of ENV: a pattern such as 'dev-*' would also match another environment's
# dev-gpu-cluster. cdktf orders them by their dependency: cluster first on deploy, apps first on destroy. They write
# and read the stacks in STACKS_DIR (cdktf's --output, CDKTF_OUTPUT, is its parent: cdktf.out). Before anything starts
# Terraform: main.py --check (a bad file's errors, once) and operations/preflight.py (offline: the credentials of the
# environment's cloud and of its state backend; for output and destroy, whether anything was deployed at all).
CDKTF_OUTPUT = $(patsubst %/,%,$(dir $(patsubst %/,%,$(STACKS_DIR))))

# operations/diff.py plans the cluster stack, then the apps stack once the cluster exists, as make review does, and
# prints one line per changed resource (`terraform -chdir=<stack folder> show diff.tfplan` prints every attribute).
diff: install | $(TF_PLUGIN_CACHE_DIR)
	.venv/bin/python main.py --check
	$(RUN) operations.preflight diff '$(ENV)'
	cdktf synth --output '$(CDKTF_OUTPUT)'
	$(RUN) operations.diff '$(ENV)'

# operations/deploy_check.py stops here, before anything changes, if the apps stack could not reach the cluster's API
# (no publicAccessCidrs, or a documentation range as a placeholder), or the file would orphan the running cluster or
# skip a Kubernetes minor (it reads the cluster stack's state).
# operations/review.py plans both stacks and prints what each change does to running work; its exit 2 (a pool or the cluster
# is replaced or deleted) is a warning here, since cdktf deploy asks for approval next. cdktf deploys the stacks just
# checked and reviewed (--skip-synth).
deploy: install | $(TF_PLUGIN_CACHE_DIR)
	.venv/bin/python main.py --check
	$(RUN) operations.preflight deploy '$(ENV)'
	cdktf synth --output '$(CDKTF_OUTPUT)'
	$(RUN) operations.deploy_check '$(ENV)'
	$(RUN) operations.review '$(ENV)' || test $$? -eq 2
	cdktf deploy --skip-synth --output '$(CDKTF_OUTPUT)' '$(ENV)-cluster' '$(ENV)-apps'
	rm -f '$(STACKS_DIR)/$(ENV)-cluster/recovery_imports.tf.json' '$(STACKS_DIR)/$(ENV)-apps/recovery_imports.tf.json'

review: install | $(TF_PLUGIN_CACHE_DIR)
	.venv/bin/python main.py --check
	$(RUN) operations.preflight review '$(ENV)'
	cdktf synth --output '$(CDKTF_OUTPUT)'
	$(RUN) operations.deploy_check '$(ENV)'
	$(RUN) operations.review '$(ENV)'

# On an environment never deployed, the preflight says "nothing deployed for <name> yet" and exits 0 without starting
# cdktf (no terraform init); otherwise it runs the cdktf command after `--`.
destroy: install | $(TF_PLUGIN_CACHE_DIR)
	.venv/bin/python main.py --check
	$(RUN) operations.preflight destroy '$(ENV)' -- cdktf destroy --output '$(CDKTF_OUTPUT)' '$(ENV)-cluster' '$(ENV)-apps'

output: install | $(TF_PLUGIN_CACHE_DIR)
	.venv/bin/python main.py --check
	$(RUN) operations.preflight output '$(ENV)' -- cdktf output --output '$(CDKTF_OUTPUT)' '$(ENV)-cluster' '$(ENV)-apps'

$(TF_PLUGIN_CACHE_DIR):
	mkdir -p $@

# cdktf has no unlock command: operations/unlock.py runs Terraform's force-unlock in the stack's folder, which cdktf
# deploy initialised, the way every operation runs Terraform (operations/terraform.py: its workspace, colour off).
.PHONY: unlock
STACK ?= cluster
# Exported: operations/ reads it too.
export STACKS_DIR ?= cdktf.out/stacks
unlock: install
	@test -n '$(LOCK_ID)' || { echo 'usage: make unlock ENV=<name> LOCK_ID=<ID from the lock error> [STACK=cluster|apps]' >&2; exit 2; }
	$(RUN) operations.unlock '$(STACKS_DIR)/$(ENV)-$(STACK)' '$(LOCK_ID)'

# After a killed run (and `make unlock`): writes recovery_imports.tf.json into the stack's folder, which the next
# `make deploy` applies and then removes. Like unlock, it works on the folder the killed deploy synthesised.
.PHONY: adopt
adopt: install
	$(RUN) operations.adopt '$(STACKS_DIR)/$(ENV)-$(STACK)'

clean:
	rm -rf cdktf.out .pytest_cache .mypy_cache .ruff_cache
