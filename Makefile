# Every target installs what it needs first, from the project's own pins (Pipfile.lock, package-lock.json).
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
# .tools/path holds only pipenv, which cdktf.json's "app" command calls.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/path:$(PATH)

PIPENV := $(CURDIR)/.tools/path/pipenv
RUN := $(PIPENV) run

.PHONY: help install synth test lint bench deploy diff destroy output clean

help:
	@echo "make synth                 synthesise environments/ (or ENVIRONMENTS=files,folders) into cdktf.out/"
	@echo "make test                  lint, type-check and run the whole test suite"
	@echo "make bench                 synth speed and memory figures"
	@echo "make diff|deploy|destroy|output ENV=<name>   plan, apply, tear down or show one environment"
	@echo "make unlock ENV=<name> LOCK_ID=<id> [STACK=cluster|apps]   release the state lock a killed run left"

$(PIPENV):
	$(PYTHON) -m venv .tools/venv
	.tools/venv/bin/pip install --quiet pipenv==$(PIPENV_VERSION)
	mkdir -p .tools/path && ln -sf ../venv/bin/pipenv $(PIPENV)

.venv/.synced: Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --dev
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .venv/.synced node_modules/.installed

synth: install
	cdktf synth

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

test: lint
	$(RUN) pytest

bench: install
	$(RUN) python bench/benchmark.py

# cdktf orders the two stacks by their dependency: cluster first on deploy, apps first on destroy.
diff: install
	cdktf diff '$(ENV)-*'

# deploy_check.py stops here, before anything is created, if the apps stack could not reach the cluster's API.
deploy: install
	$(RUN) python deploy_check.py '$(ENV)'
	cdktf deploy '$(ENV)-*'

destroy: install
	cdktf destroy '$(ENV)-*'

output: install
	cdktf output '$(ENV)-*'

# cdktf has no unlock command: Terraform releases the lock in the stack's folder, which cdktf deploy initialised.
.PHONY: unlock
STACK ?= cluster
STACKS_DIR ?= cdktf.out/stacks
unlock:
	@test -n '$(LOCK_ID)' || { echo 'usage: make unlock ENV=<name> LOCK_ID=<ID from the lock error> [STACK=cluster|apps]' >&2; exit 2; }
	cd '$(STACKS_DIR)/$(ENV)-$(STACK)' && terraform force-unlock -force '$(LOCK_ID)'

clean:
	rm -rf cdktf.out .pytest_cache .mypy_cache .ruff_cache
