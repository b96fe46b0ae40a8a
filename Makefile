# Meldpunt — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	$(BIN)/meldpunt init
	$(BIN)/meldpunt demo
	$(BIN)/meldpunt run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check app tests migrations benchmarks
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: install-test
	$(BIN)/ruff check app tests migrations benchmarks

bench: install-test
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-output
