# `make run` starts the dashboards on the embedded demo bureau; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean-data

$(BIN)/sbf: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(BIN)/sbf

run: $(BIN)/sbf
	$(BIN)/sbf run

test: $(BIN)/sbf
	$(BIN)/ruff check sbflib tests benchmarks
	$(BIN)/mypy
	# Two workers (the machine has two cores; most tests wait on a bureau, a kernel or Chromium), one
	# file per worker at a time so a module's fixtures stay in one process; each worker starts its own bureau.
	$(BIN)/python -m pytest -q -n 2 --dist loadfile   # testpaths: tests/ and the domain doctests

bench: $(BIN)/sbf
	$(BIN)/python benchmarks/roster_sync.py --employees 100000

clean-data:
	rm -rf data/client data/bureau data/exports
