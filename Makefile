# One command to set up and run, one to test. Both create the virtual environment and
# install what the project needs by themselves.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app consult
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test test-pg lint translations extract-messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis]'
	@touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d consult/translations 2>&1 | tail -n 2

setup: $(STAMP) translations

## make run: set up, migrate, load the demo data on first run, serve on http://127.0.0.1:5000
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: setup
	$(BIN)/python -m pytest -p no:cacheprovider -q

test-pg: setup
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test $(BIN)/python -m pytest -p no:cacheprovider -q

lint: $(STAMP)
	$(BIN)/ruff check consult tests config.py
	$(BIN)/ruff format --check consult tests config.py

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o consult/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance/consult.db*
