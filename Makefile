# vmss.fleet developer entry points. User-facing targets: setup, demo, test.
# The work itself is done by the scripts in tests/tools/, which keeps this file
# readable and lets each step be run on its own.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
EMULATOR_PROJECT := tests/emulator/pyproject.toml
COLLECTION_LINK := .collections/ansible_collections/vmss/fleet

# The venv is rebuilt when a requirements file (or the emulator's package
# definition) changes: the stamp's name carries their hash.
SETUP_INPUTS := requirements.txt requirements-test.txt $(wildcard $(EMULATOR_PROJECT))
SETUP_HASH := $(shell cat $(SETUP_INPUTS) | sha256sum | cut -c1-16)
SETUP_STAMP := $(VENV)/.setup-$(SETUP_HASH)

.PHONY: setup demo test release-check chromium

setup: $(SETUP_STAMP) $(COLLECTION_LINK) chromium

# Headless Chromium renders the fleet report page in its test; nothing to do when it is installed.
chromium:
	@tests/tools/install-chromium.sh

demo: setup
	@tests/tools/demo.sh

test:
	@started=$$(date +%s); \
	$(MAKE) --no-print-directory setup && tests/tools/gates.sh; \
	status=$$?; \
	echo "make test: total $$(( $$(date +%s) - started ))s"; \
	exit $$status

# What a release would publish: builds the tarball, runs galaxy-importer on it
# and ansible-builder's introspection, in a venv of their own (tests/output).
release-check: setup
	@tests/tools/release-checks.sh

$(SETUP_STAMP): $(SETUP_INPUTS)
	@test -x $(VENV)/bin/python || { echo "== setup: creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "== setup: installing requirements.txt and requirements-test.txt into $(VENV)"
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	@if [ -f $(EMULATOR_PROJECT) ]; then \
		echo "== setup: installing the ARM emulator (tests/emulator) into $(VENV)"; \
		$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e tests/emulator; \
	fi
	@rm -f $(VENV)/.setup-*
	@touch $@

# A link, not a copy: edits in the checkout are what every tool sees.
$(COLLECTION_LINK):
	@echo "== setup: .collections/ansible_collections/vmss/fleet -> this checkout"
	@mkdir -p $(dir $@)
	@ln -sfn ../../.. $@

# Sanity and unit tests on the oldest ansible-core meta/runtime.yml claims and on the newest
# (tests/tools/test-matrix.sh; venvs in tests/output/matrix). Never part of `make test`.
.PHONY: test-matrix
test-matrix: setup
	@started=$$(date +%s); \
	tests/tools/test-matrix.sh; \
	status=$$?; \
	echo "make test-matrix: total $$(( $$(date +%s) - started ))s"; \
	exit $$status

# The side-by-side benchmark against azure.azcollection (issue 7); never part of `make test`.
# Sets up both venvs (this project's, plus matplotlib; the peer's in tests/output/peer-venv), runs
# tests/bench/compare.py and writes docs/performance.md and docs/performance.png (about half an hour on 2 CPUs).
# BENCH_ARGS passes options to compare.py, e.g. BENCH_ARGS=--quick.
.PHONY: bench
bench: setup
	@started=$$(date +%s); \
	$(VENV)/bin/python -m pip install --quiet -r tests/bench/requirements.txt && \
	tests/bench/peer/setup.sh && \
	$(VENV)/bin/python tests/bench/compare.py $(BENCH_ARGS); \
	status=$$?; \
	echo "make bench: total $$(( $$(date +%s) - started ))s"; \
	exit $$status
