# Pioneer — run `make help` to list the targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## Create .venv and install Pioneer with its pinned dependencies

# `make demo SERVE=no` builds the outputs and stops; `make demo PORT=8001` serves elsewhere.
SERVE ?= yes
PORT  ?= 8000

demo: $(STAMP) ## Build the demo workspace, write every table and figure to out/, then serve the web app
	$(BIN)/pioneer demo --out out
ifneq ($(SERVE),no)
	@echo "Serving the web app with the demo programme on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/pioneer serve --demo --port $(PORT)
endif

serve: $(STAMP) ## Serve the web app with the demo programme only (no tables), on http://127.0.0.1:8000
	$(BIN)/pioneer serve --demo --port $(PORT)

test: $(STAMP) system lint ## Run the linters and the test suite
	$(BIN)/pytest

system: ## Install the programs the tests drive: LibreOffice, Chromium, npm (axe-core), PostgreSQL
	@missing=""; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: $(STAMP) ## Check style and formatting with ruff
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP) ## Rewrite the code in the house format
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# pandas needs pyarrow to read Parquet for the admissions baseline; it is kept out of .venv
# because with pyarrow installed pandas 3 stores strings differently for every test.
PYARROW := $(VENV)/pyarrow-bench

$(PYARROW)/.installed: $(STAMP)
	$(BIN)/pip install --quiet --target $(PYARROW) pyarrow==26.0.1
	touch $@

bench: $(BENCH_STAMP) $(PYARROW)/.installed ## Run the benchmarks and print their ratios (see docs/performance.md)
	$(BIN)/python bench/bench_tabulate.py
	$(BIN)/python bench/bench_indicators.py
	$(BIN)/python bench/bench_impact_did.py
	PYTHONPATH=$(PYARROW) $(BIN)/python bench/bench_admissions.py

clean: ## Remove the virtual environment and outputs
	rm -rf $(VENV) out workspace .pytest_cache .ruff_cache .hypothesis .coverage

.PHONY: help venv demo serve test system lint format bench clean
