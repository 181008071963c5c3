# Two commands set everything up on a fresh machine: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test lint unit bench faults fuzz asyncapi clean console console-deps console-check console-api console-screenshots console-e2e chromium

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

# The budget of `make test` is 15 minutes on 2 cores. The unit and integration tests start
# no whole stack (each worker its own PostgreSQL and broker), so they share the two cores;
# the tests that run whole stacks (e2e, the browser, the faults' and fuzzing's short forms)
# run one at a time after them, as a stack's deadlines assume. The slowest are listed.
# Before them, lint (mypy: one core) and the console's checks (npm, tsc, Vitest) run side
# by side, so a fresh clone's first minutes use both cores.
test: $(STAMP) chromium
	$(MAKE) --no-print-directory -j2 --output-sync=target lint console-check
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=10 tests/unit tests/integration
	$(BIN)/pytest -q --durations=15 tests --ignore=tests/unit --ignore=tests/integration

# The agent console (console/): dependencies from the committed lockfile, then its type
# check, its component tests, and the generated API types checked against the gateway's
# OpenAPI (stale types fail: run `make console-api`).
console-deps: $(STAMP)
	$(BIN)/python -m shared.devstack.console_build --deps

console: console-deps
	$(BIN)/python -m shared.devstack.console_build

console-check: console-deps
	cd console && npm run --silent typecheck
	cd console && npm test --silent
	PYTHON=$(CURDIR)/$(BIN)/python console/scripts/api-types.sh --check

console-api: console-deps
	PYTHON=$(CURDIR)/$(BIN)/python console/scripts/api-types.sh

# The console's browser tests, saving a screenshot of each main screen to docs/console/.
# A Chinese font, or the labels are boxes in the pictures (as root it is installed).
# every console browser test (make test runs the short form: tests/e2e/console/conftest.py)
console-e2e: $(STAMP) chromium
	KEFU_CONSOLE_FULL=1 $(BIN)/pytest -q --durations=0 tests/e2e/console

console-screenshots: $(STAMP) chromium
	@fc-list :lang=zh | grep -q . || { [ "$$(id -u)" = 0 ] && apt-get install -y fonts-wqy-microhei; } \
	  || { echo "No Chinese font: sudo apt-get install -y fonts-wqy-microhei"; exit 1; }
	KEFU_CONSOLE_SCREENSHOTS=1 $(BIN)/pytest -q --durations=0 tests/e2e/console

# The browser tests drive Debian's Chromium (Playwright's own download has no CDN here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  else \
	    echo "Chromium is missing: the console's browser tests need it."; \
	    echo "Install it as root: sudo apt-get install -y chromium"; exit 1; \
	  fi; }

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

asyncapi: $(STAMP)
	$(BIN)/kefu asyncapi --snapshots docs/contracts -o docs/asyncapi.yaml

# every part of a stack of its own killed in turn under a stream of reversals; the figures
# go into bench/RESULTS.md (`make test` runs a short form: two faults, about a minute)
faults: $(STAMP)
	KEFU_FAULTS_FULL=1 $(BIN)/pytest -q -s --timeout=3600 tests/faults

# schemathesis over the gateway's OpenAPI against a whole stack, signed in as each demo
# account: no 5xx, no undeclared status or content type (`make test` runs a short form)
fuzz: $(STAMP)
	KEFU_FUZZ_FULL=1 $(BIN)/pytest -q -s --timeout=3600 tests/fuzz/test_openapi_fuzz.py

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .kefu .mypy_cache .pytest_cache .ruff_cache console/node_modules console/dist
