# One command to set up and run, one to test. Both create the virtual environment and
# install what the project needs by themselves.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app consult
HOST ?= 127.0.0.1
PORT ?= 5000
# Extra pytest arguments, e.g. PYTEST_ARGS='-m "not e2e"' (.ci/run's PostgreSQL pass).
PYTEST_ARGS ?=
CHROMIUM := /usr/bin/chromium
# A Chinese font for the browser's screenshots (a fresh Debian has none: Chromium then draws
# empty boxes). The PDF reports bring their own font (Noto Sans SC, a Python wheel).
BROWSER_CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
AXE := tests/e2e/node_modules/axe-core/axe.min.js
# apt-get as root, else through sudo.
APT := $(if $(filter 0,$(shell id -u)),,sudo )apt-get

.PHONY: setup run test test-pg e2e-deps pdf-deps lint translations extract-messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis]'
	@touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d consult/translations 2>&1 | tail -n 2

setup: $(STAMP) translations pdf-deps

## make pdf-deps: HarfBuzz's subsetting library, which WeasyPrint uses to embed only the
## characters a report needs (without it WeasyPrint warns and falls back to fontTools). Debian's
## libharfbuzz-subset0; Chromium depends on it too, so machines with the browser have it.
pdf-deps:
	@ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so' || { \
	  echo "Installing HarfBuzz-Subset for the PDF reports (apt-get libharfbuzz-subset0)"; \
	  { $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends libharfbuzz-subset0; } \
	  || echo "warning: libharfbuzz-subset0 could not be installed; PDF reports still render (fontTools subsets the font), more slowly, and the tests, which turn warnings into errors, fail." >&2; }

## make run: set up, migrate, load the demo data on first run, serve on http://127.0.0.1:5000
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite, browser journeys included (SQLite by default; set
## DATABASE_URL for PostgreSQL)
## (Bytecode is cached even where the environment says not to, PYTHONDONTWRITEBYTECODE: each
## worker imports the app and ~60 test modules, which then compile once, not on every run.)
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -p no:cacheprovider -q -n auto --dist loadgroup

test: setup e2e-deps
	$(PYTEST) $(PYTEST_ARGS)

test-pg: setup e2e-deps
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test $(PYTEST) $(PYTEST_ARGS)

## make e2e-deps: what the browser tests need beside the Python packages (pytest-playwright
## is in the [dev] extra): Debian's Chromium (Playwright's own browser download is never
## used), a Chinese font for it, and axe-core from the npm registry, served to the pages
## from tests/e2e/node_modules.
e2e-deps: $(CHROMIUM) $(BROWSER_CJK_FONT) $(AXE)

$(BROWSER_CJK_FONT):
	@echo "Installing a Chinese font for the browser tests' screenshots (apt-get fonts-wqy-microhei)"
	@{ $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends fonts-wqy-microhei; } \
	  || { echo "error: fonts-wqy-microhei could not be installed with apt-get; without a Chinese font the browser tests' screenshots show empty boxes. Install it (as root: apt-get install fonts-wqy-microhei), then run make test again." >&2; exit 1; }

$(CHROMIUM):
	@echo "Installing Debian's Chromium for the browser tests (apt-get)"
	@{ $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends chromium; } \
	  || { echo "error: Chromium could not be installed with apt-get; the browser tests need $(CHROMIUM). Install the Debian package 'chromium' (as root: apt-get install --no-install-recommends chromium), then run make test again." >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "error: the chromium package did not provide $(CHROMIUM)" >&2; exit 1; }

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing npm (apt-get) for axe-core"; \
	  { $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends npm; } \
	  || { echo "error: npm is needed to install axe-core for the accessibility tests and could not be installed." >&2; exit 1; }; }
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	@test -f $(AXE) && touch $(AXE)

lint: $(STAMP)
	$(BIN)/ruff check consult tests config.py
	$(BIN)/ruff format --check consult tests config.py

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k note -o consult/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance/consult.db* tests/e2e/node_modules test-artifacts
