# ordergraph — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: install install-test run test test-slow lint format schema clean bench-search

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,forecast]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/ordergraph migrate
	$(BIN)/ordergraph seed --demo
	@echo "An admin token for this database; paste this line into the shell you send requests from:"
	@echo "export TOKEN=$$($(BIN)/ordergraph token create --role admin --name make-run)"
	@echo "GraphiQL: http://$(HOST):$(PORT)/graphql  (headers: {\"Authorization\": \"Bearer <token>\"})"
	$(BIN)/ordergraph serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/deptry src

test: install-test lint
	bash scripts/ensure-postgres.sh
	$(BIN)/pytest

# the scale tests (256 concurrent callers, two-worker servers, 10,000-row imports, the fuzz run,
# the container image): CI runs them after `make test`; -m overrides pyproject's "not scale"
test-slow: install-test
	bash scripts/ensure-postgres.sh
	$(BIN)/pytest -m scale

format: install-test
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

# not part of make test: 100,000 orders on a throwaway PostgreSQL (bench/README.md)
bench-search: install-test
	$(BIN)/python -m bench.search_export_bench

schema: install
	$(BIN)/ordergraph schema > schema.graphql

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache ordergraph.db*
