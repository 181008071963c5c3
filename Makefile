# Two commands set everything up on a fresh machine: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test lint unit bench asyncapi clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/kefu up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services tests bench
	$(BIN)/lint-imports

# A test that failed is run once more in a fresh session (new broker, database and
# service fixtures) and must pass there: a stopgap for an intermittent consumer stall
# on the embedded broker (issue 5's note). Both runs' failures stay in the output.
test: lint
	$(BIN)/pytest -q || (echo "--- running the failed tests again, in a fresh session ---" && $(BIN)/pytest -q --last-failed --last-failed-no-failures none)

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

asyncapi: $(STAMP)
	$(BIN)/kefu asyncapi > docs/asyncapi.yaml

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .kefu .mypy_cache .pytest_cache .ruff_cache
