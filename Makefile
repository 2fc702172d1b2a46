# Two entry points for a fresh machine: `make run` (the main job) and `make test` (the tests).
VENV := .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The Allure command line from npm, pinned in staging/reports/npm/package-lock.json (needs Node and Java).
ALLURE := staging/reports/npm/node_modules/.bin/allure

$(ALLURE): staging/reports/npm/package-lock.json
	npm ci --prefix staging/reports/npm --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: setup run test lint
setup: $(VENV)/.installed $(ALLURE)

run: setup
	$(VENV)/bin/almarya-qa run

test: setup
	$(PY) -m pytest -p randomly -n auto

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy
