# Fresh machine: Python 3.10+ and make. Every target builds ./venv itself (the same virtualenv the Pulumi CLI
# uses for this project, see Pulumi.yaml), so `make preflight` and `make test` work from a clean clone.
PYTHON ?= python3
VENV   := venv
BIN    := $(VENV)/bin
STACK  ?= dev

.PHONY: test lint preflight bench floor clean

$(BIN)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -n auto

preflight: $(BIN)/.installed
	$(BIN)/python -m preflight $(STACK)

bench: $(BIN)/.installed
	$(BIN)/python bench/preflight_bench.py

floor: $(BIN)/.installed
	$(BIN)/python bench/sdk_floor.py

clean:
	rm -rf $(VENV) policies/venv .pytest_cache .hypothesis .ruff_cache
