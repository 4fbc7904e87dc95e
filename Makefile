# Two commands set everything up on a fresh clone (see README):
#   make book   create .venv, install, build the website into _build/html
#   make test   create .venv, install, run unit tests + notebooks (nbval) + the book build
#               + the built site checked in headless Chromium (site-check)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: install browser site-check book test test-native build-site unit nbval nbval-portable lint execute bench clean student book-nosolutions check-nosolutions

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The website's JavaScript (MathJax, require.js, the widget manager), pinned in
# web/package-lock.json and fetched once with npm, so that pages work offline.
WEB_STAMP := web/static/vendor/VERSIONS.json
$(WEB_STAMP): web/package-lock.json tools/web_assets.py
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's npm (needed once, to fetch the website's JavaScript)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	  fi; }
	$(PYTHON) tools/web_assets.py
	touch $(WEB_STAMP)

# Headless Chromium for `make site-check`: Debian's package, installed when we are root.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the website checks (make site-check)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "NOTE: chromium is not installed; 'make site-check' (part of 'make test') needs it."; \
	  echo "      Install it with 'sudo apt-get install chromium' (Debian/Ubuntu), then re-run."; \
	fi

install: $(STAMP) $(WEB_STAMP) browser

# Build the website from the notebooks' stored outputs (nbval proves they reproduce).
# The instructor guide links to the student versions of the assignments: `student` first.
book: install student
	$(BIN)/jupyter-book build . $(JB_FLAGS)

# Student versions of the graded assignments: nbgrader removes the solutions and the
# hidden tests from assignments/source/ into assignments/release/ (not committed), and
# each assignment is zipped into assignments/downloads/ for the website's download links.
# nbgrader calls `alembic` from PATH, hence the venv's bin first.
ASSIGNMENT_SOURCES := $(sort $(wildcard assignments/source/*/*.ipynb))
STUDENT_STAMP := assignments/downloads/.generated
student: $(STUDENT_STAMP)
$(STUDENT_STAMP): $(ASSIGNMENT_SOURCES) assignments/nbgrader_config.py $(STAMP)
	rm -rf assignments/release assignments/downloads
	cd assignments && PATH=$(abspath $(BIN)):$$PATH nbgrader generate_assignment "*" --no-db --log-level=WARN
	mkdir -p assignments/downloads
	cd assignments/release && for a in *; do ../../$(BIN)/python -m zipfile -c ../downloads/$$a.zip $$a; done
	touch $@

# Grade one assignment with nbgrader, the whole cycle (see book/instructor_guide.md):
#   make grade A=a1_rnn_bptt
# records the tests in assignments/gradebook.db, autogrades every submission in
# assignments/submitted/<student>/<A>/ (again, with --force), writes each student's HTML
# feedback, without the hidden tests, to assignments/feedback/ and every grade to
# assignments/grades.csv, then prints the points. All of it is student data, ignored by git.
.PHONY: grade
grade: $(STAMP)
	@test -n "$(A)" || { echo "Usage: make grade A=<assignment>, one of:" \
	  $(notdir $(wildcard assignments/source/*)); exit 2; }
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python assignments/grade.py $(A)

# The same website without the solutions of the exercises, for a class that grades them
# (see book/instructor_guide.md), in _build/nosolutions/_build/html. _config.yml is not
# edited: tools/nosolutions.py derives a copy with sphinx-exercise's hide_solutions.
NOSOL := _build/nosolutions
book-nosolutions: install student
	$(BIN)/python tools/nosolutions.py config $(NOSOL)/_config.yml
	$(BIN)/jupyter-book build . $(JB_FLAGS) --config $(NOSOL)/_config.yml --path-output $(NOSOL)

# Proof that the solution-free site holds no solution text (needs both sites built).
check-nosolutions:
	$(BIN)/python tools/nosolutions.py check _build/html $(NOSOL)/_build/html

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env -p no:cacheprovider notebooks

# The notebooks again, with NumPy's and PyTorch's SIMD dispatch limited (no AVX2/AVX-512):
# a stand-in for a reader whose CPU differs from the one that stored the outputs. The last
# bits of sums change, so every compared output must be stable under that (see README).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the machine sets them.
PORTABLE_ENV := NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR" ATEN_CPU_CAPABILITY=default
nbval-portable: $(STAMP)
	$(PORTABLE_ENV) $(BIN)/python tools/cpu_paths.py --expect-limited
	$(PORTABLE_ENV) $(BIN)/python -m pytest --nbval --nbval-current-env -p no:cacheprovider notebooks

# Everything CI checks: lint, unit tests (with the graded assignments), every notebook under
# nbval (strict), the book, and the solution-free book checked against it.
# Independent steps run two at a time (the machine budget is 2 cores); --output-sync keeps
# each step's output together.
PAR := $(MAKE) --no-print-directory -j2 --output-sync=target
test: install student
	$(BIN)/ruff check .
	$(PAR) test-native nbval-portable
	$(PAR) build-site book-nosolutions
	$(BIN)/python -m pytest -p no:cacheprovider tests/site
	$(MAKE) --no-print-directory check-nosolutions

# Unit tests, the graded assignments and every notebook (nbval), as this machine runs them.
test-native: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env

build-site: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)

# The built site in headless Chromium, offline: every page of _toc.yml renders its
# headings, figures, maths and widgets, shows no traceback, search works; screenshots
# go to _build/screenshots/. Needs a built site (`make book`); `make test` runs it.
site-check: install
	$(BIN)/python -m pytest -p no:cacheprovider tests/site

# Re-execute notebooks and store their outputs (after changing a chapter).
# Usage: make execute            (all notebooks)
#        make execute NB=notebooks/01_smallest_rnn.ipynb
NB ?= $(NOTEBOOKS)
execute: $(STAMP)
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=300 $(NB)

# Speed benchmarks (not part of `make test`: timings depend on the machine).
# One BLAS thread: the matrices are tiny, and on a busy 2-core machine extra
# BLAS threads only wait for each other (run without it to see the difference).
# `make bench` prints the per-example vs minibatch speed-up for several batch sizes
# (benchmarks/bench_numpy.py), then, from one run, the table of every benchmark and the
# ratios between them (benchmarks/run_all.py: per-example vs minibatch NumPy, NumPy vs
# PyTorch on CPU, the recurrent cells, the language model's characters per second). Each
# table's ratios come from times measured in the same run. The single benchmarks:
# `python -m benchmarks.bench_numpy` (also bench_torch, bench_cells, bench_lm).
bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m benchmarks.bench_numpy
	@echo
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m benchmarks.run_all

# JupyterLab for learners: the course opened at notebooks/, with the configuration in
# jupyter-learner/ (nbgrader's instructor panels and server extensions off; see README,
# "Running the chapters yourself"). A plain `.venv/bin/jupyter lab` keeps them (instructors).
LEARNER_ENV = JUPYTER_CONFIG_PATH=$(abspath jupyter-learner)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} PATH=$(abspath $(BIN)):$$PATH
.PHONY: lab lab-test binder-check
lab: $(STAMP)
	$(LEARNER_ENV) $(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# The chapters with widgets run in a real JupyterLab (the learner configuration) driven in
# headless Chromium by Playwright: every cell runs without error, each widget redraws its
# figure, and no raw MyST or solution text is visible (tests/lab; not part of `make test`).
lab-test: install
	$(BIN)/python -m pytest -p no:cacheprovider tests/lab

# Binder without a Docker engine (tools/check_binder.py): repo2docker's generated Dockerfile
# (Python 3.11, binder/requirements.txt, postBuild, start) and a pip resolution of
# binder/requirements.txt on Python 3.11 against constraints.txt (torch's CPU build).
# Installs jupyter-repo2docker once into _build/repo2docker-venv (not into .venv).
R2D_VENV := _build/repo2docker-venv
binder-check: $(STAMP)
	test -x $(R2D_VENV)/bin/jupyter-repo2docker || { $(PYTHON) -m venv $(R2D_VENV) && \
	  $(R2D_VENV)/bin/python -m pip install --quiet --disable-pip-version-check jupyter-repo2docker==2026.4.0; }
	$(BIN)/python tools/check_binder.py dockerfile --repo2docker $(R2D_VENV)/bin/jupyter-repo2docker
	$(BIN)/python tools/check_binder.py resolve

clean:
	rm -rf _build assignments/release assignments/downloads
