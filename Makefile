# Two commands set everything up on a fresh clone (see README):
#   make book   create .venv, install, build the website into _build/html
#   make test   create .venv, install, run unit tests + notebooks (nbval) + the book build
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: install book test unit nbval lint execute bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Build the website from the notebooks' stored outputs (nbval proves they reproduce).
book: install
	$(BIN)/jupyter-book build . $(JB_FLAGS)

lint: install
	$(BIN)/ruff check .

unit: install
	$(BIN)/python -m pytest tests

nbval: install
	$(BIN)/python -m pytest --nbval --nbval-current-env -p no:cacheprovider notebooks

# Everything CI checks: lint, unit tests, every notebook under nbval (strict), the book.
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --nbval --nbval-current-env
	$(BIN)/jupyter-book build . $(JB_FLAGS)

# Re-execute notebooks and store their outputs (after changing a chapter).
# Usage: make execute            (all notebooks)
#        make execute NB=notebooks/01_smallest_rnn.ipynb
NB ?= $(NOTEBOOKS)
execute: install
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=300 $(NB)

clean:
	rm -rf _build
