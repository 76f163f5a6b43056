# The course's commands. Needs only python3 (3.11+) and make; everything else is installed
# into .venv by the first command that needs it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: course test test-fast test-portability lint lab release check clean

LOCK   := requirements.lock

# Create .venv if missing and install exactly the versions of the lock file (every package, pinned),
# then the course package itself without letting pip resolve anything else. Reinstalls whenever the
# lock or pyproject.toml changes. 'make lock' refreshes the lock from pyproject.toml's ranges.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	@touch $(STAMP)

## lock: re-resolve requirements.lock from pyproject.toml (newest versions in its ranges, Python 3.11+)
.PHONY: lock
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --upgrade -o $(LOCK)

# The grading sandbox needs bubblewrap (a Debian/Ubuntu package). Install it when missing and
# we may (root on a Debian-like system); otherwise say what to install.
.PHONY: sandbox-tools
sandbox-tools:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the grading sandbox)"; \
	    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null; \
	  else \
	    echo "The grading sandbox needs bubblewrap: install it (e.g. 'sudo apt-get install bubblewrap')," \
	         "or grade with 'coursekit grade --no-sandbox'."; exit 1; \
	  fi; }

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
# Install it when missing and we may (root on a Debian-like system); otherwise say what to install.
.PHONY: browser-tools
browser-tools:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (the browser tests)"; \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium: install it" \
	         "(e.g. 'sudo apt-get install chromium'), or run the other tests with" \
	         "'.venv/bin/python -m pytest --ignore=browser_tests'."; exit 1; \
	  fi; }

## course: an instructor's full round on an example class (release, autograde, feedback, grades)
course: $(STAMP) sandbox-tools
	$(BIN)/coursekit release
	$(BIN)/coursekit grade --example-class --workspace build/example-class

## test: every test (coursekit unit tests, notebooks under nbval, the grading pipeline, the browser tests),
## one test file per worker on every core (a notebook's cells share a kernel, a file's tests its fixtures);
## then the portability pass. What CI runs (after make lint).
test: $(STAMP) sandbox-tools browser-tools
	$(BIN)/python -m pytest -n auto --dist loadfile
	$(MAKE) --no-print-directory test-portability

## test-portability: the numerical tests and every solution notebook (nbval) once more under a second
## floating-point configuration of this machine (numpy's highest SIMD level off, another OpenBLAS kernel;
## see tests/fp_config.py), so that no result depends on the last bits of this CPU's arithmetic
test-portability: $(STAMP)
	$(BIN)/python tests/fp_config.py $(BIN)/python -m pytest -n auto --dist loadfile tests solutions

## test-fast: unit tests and a smoke run of the grading pipeline, for everyday work (under 2 minutes)
test-fast: $(STAMP) sandbox-tools
	$(BIN)/python -m pytest -n auto --dist loadfile tests grader_tests/test_smoke.py

## lint: style (ruff check), formatting (ruff format --check) and the library's types (mypy)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## lab: open the student notebooks in JupyterLab (as root, coursekit adds --allow-root);
## options for JupyterLab go in LAB_ARGS, e.g. make lab LAB_ARGS="--no-browser --port 8890"
lab: $(STAMP)
	$(BIN)/coursekit lab $(LAB_ARGS)

release: $(STAMP)
	$(BIN)/coursekit release

check: $(STAMP)
	$(BIN)/coursekit release --check
	$(BIN)/coursekit check

clean:
	rm -rf build grading .pytest_cache
