# Admira ELT. Two set-up commands on a fresh machine: `make run` and `make test`.
# `make help` lists every command.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DAGSTER_STAMP := $(VENV)/.installed-dagster
ROWS ?= 1000000

.PHONY: help install run load build freshness summary archive schedule serve test reliability lint docs \
	docs-serve kpis report dagster-check bench bench-spark spark-build compact-lake spark-demo clean
.DEFAULT_GOAL := help

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv with the pinned dependencies (idempotent)

# Reinstalls only when the pins change. The activate script learns where the dbt project is,
# so `make load && dbt build` works from the repo root with the venv active.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	grep -q DBT_PROJECT_DIR $(BIN)/activate || printf '%s\n' \
	  'export DBT_PROJECT_DIR="$(CURDIR)/dbt_project"' \
	  'export DBT_PROFILES_DIR="$(CURDIR)"' >> $(BIN)/activate
	touch $(STAMP)

# The Dagster extra, on top of the main install (requirements-dagster.lock).
$(DAGSTER_STAMP): $(STAMP) requirements-dagster.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-dagster.lock
	touch $(DAGSTER_STAMP)

run: install load build freshness summary ## load the shipped sample, build and test the models, summary

load: install ## run the loader [SINCE=YYYY-MM-DD]
	$(BIN)/python -m load $(if $(SINCE),--since $(SINCE))

build: install ## dbt build under the lock, publish the snapshot [SINCE=D] [FULL_REFRESH=1]
	$(BIN)/python -m warehouse.build $(if $(SINCE),--since $(SINCE)) $(if $(FULL_REFRESH),--full-refresh)

freshness: install ## dbt source freshness of the raw tables, recorded for readyz, report, alerts
	$(BIN)/python -m warehouse.freshness

summary: install ## rows per mart, rejected records, where the files are
	$(BIN)/python -m warehouse.summary

archive: install ## move months older than HOT_RETENTION_MONTHS to the lake [MONTHS=N]
	$(BIN)/python -m warehouse.retention $(if $(MONTHS),--months $(MONTHS))

schedule: install ## load, build, freshness at each time of the cron SCHEDULE, until stopped
	$(BIN)/python -m scheduler

serve: install ## the HTTP service on HOST:PORT (default 127.0.0.1:8080)
	$(BIN)/python -m service

# Two workers (pytest-xdist), one test file each at a time: a file's fixtures stay in one worker.
TEST_WORKERS ?= 2
test: install ## every test (what CI runs after make lint) [TEST_WORKERS=N, 0 = one process]
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

reliability: install ## the reliability suite alone, ending with its figures
	$(BIN)/pytest tests/reliability

lint: install ## ruff check, ruff format --check, SQLFluff on the dbt models and analyses
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/sqlfluff lint dbt_project/models dbt_project/analyses

docs: install ## the static dbt docs site (under the warehouse lock: it reads the catalog)
	$(BIN)/python -m warehouse.docs_site

docs-serve: docs ## serve the docs site on 127.0.0.1:DOCS_PORT (default 8081)
	$(BIN)/python -m warehouse.docs_server

kpis: install ## the semantic layer on the snapshot: the metrics, or Q="--metrics roas --group-by ..."
	$(BIN)/python -m semantic $(if $(Q),query $(Q))

report: install ## the KPI report, one static HTML page from the snapshot (REPORT_PATH)
	$(BIN)/python -m report

dagster-check: $(DAGSTER_STAMP) ## Dagster: definitions loaded, every asset materialized [DAGSTER_WORKDIR=D]
	$(BIN)/python -m orchestration.check $(if $(DAGSTER_WORKDIR),--workdir $(DAGSTER_WORKDIR))

bench: install ## the benchmark against plain DuckDB [ROWS=N, default 1000000]
	$(BIN)/python -m bench --rows $(ROWS)

bench-spark: install ## the Spark builds timed, marts compared with DuckDB's [ROWS=N]
	$(BIN)/python -m bench.spark --rows $(ROWS)

spark-build: install ## dbt build on Spark from the lake (Java 17) [SINCE=D] [FULL_REFRESH=1]
	$(BIN)/python -m spark.build $(if $(SINCE),--since $(SINCE)) $(if $(FULL_REFRESH),--full-refresh)

compact-lake: install ## the lake's current-state tables brought up to date (Spark)
	$(BIN)/python -m spark.build --compact-only

spark-demo: install ## the worked example on DuckDB and on Spark, marts compared
	$(BIN)/python -m spark.demo

clean: ## remove the venv, the warehouse and dbt's artifacts
	rm -rf $(VENV) .admira warehouse.duckdb warehouse_raw.duckdb published dbt_project/target \
	  dbt_project/target-dagster dbt_project/logs
