# Two commands set everything up on a fresh machine: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test lint unit bench faults asyncapi clean

$(STAMP): pyproject.toml
	@echo "==> 1/3 creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 2/3 upgrading pip in $(VENV)"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "==> 3/3 installing Kefu, its libraries and the dev tools into $(VENV)"
	@echo "    (the first time it fetches every package: pip prints each one as it goes)"
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@echo "==> installed: $(BIN)/kefu, $(BIN)/pytest; again only when pyproject.toml changes"
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/kefu up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services tests bench
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

asyncapi: $(STAMP)
	$(BIN)/kefu asyncapi --snapshots docs/contracts -o docs/asyncapi.yaml

# every part of a stack of its own killed in turn under a stream of reversals; the figures
# go into bench/RESULTS.md (`make test` runs a short form: two faults, about a minute)
faults: $(STAMP)
	KEFU_FAULTS_FULL=1 $(BIN)/pytest -q -s tests/faults

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .kefu .mypy_cache .pytest_cache .ruff_cache
