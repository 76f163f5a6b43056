# The course's commands. Needs only python3 (3.11+) and make; everything else is installed
# into .venv by the first command that needs it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: course test lab release check clean

# Create .venv if missing and (re)install the package whenever its dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

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
## one test file per worker on every core (a notebook's cells share a kernel, a file's tests its fixtures)
test: $(STAMP) sandbox-tools browser-tools
	$(BIN)/python -m pytest -n auto --dist loadfile

## lab: open the student notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/coursekit lab

release: $(STAMP)
	$(BIN)/coursekit release

check: $(STAMP)
	$(BIN)/coursekit release --check
	$(BIN)/coursekit check

clean:
	rm -rf build grading .pytest_cache
