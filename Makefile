# Mutoscope: every target sets up what it needs itself (a venv in .venv, Debian packages through apt).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_CPU := torch==2.13.0
DEMO := demo-out

.PHONY: demo test lint bench clean

# Debian packages, only when something is missing (apt needs root, as on the kiosk images and CI).
.system-ready:
	@if ! $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; then \
		apt-get update && apt-get install -y python3-venv; fi
	@touch $@

$(STAMP): pyproject.toml .system-ready
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH_CPU)
	$(BIN)/pip install --quiet -e '.[engine,player,dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/mutoscope demo-source $(DEMO)/source --overwrite
	$(BIN)/mutoscope config check config/examples/demo.toml
	$(BIN)/mutoscope library add --library $(DEMO)/library $(DEMO)/source/scan.mkv \
		--id demo --title "Rocket and astronaut (demo)" --year 1924 --replace
	$(BIN)/mutoscope library verify --library $(DEMO)/library
	$(BIN)/mutoscope library list --library $(DEMO)/library

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run --out bench/report.json

clean:
	rm -rf $(VENV) .system-ready $(DEMO) .pytest_cache .ruff_cache
