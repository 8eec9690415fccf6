# Admira ELT. Two set-up commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_FLAGS := --project-dir dbt_project --profiles-dir .
ROWS ?= 1000000

.PHONY: install run load build summary serve test lint docs docs-serve report bench spark-build spark-demo clean

install: $(STAMP)

# Idempotent: reinstalls only when the pins change. The activate script learns where the dbt
# project is, so `make load && dbt build` works from the repo root with the venv active.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	grep -q DBT_PROJECT_DIR $(BIN)/activate || printf '%s\n' \
	  'export DBT_PROJECT_DIR="$(CURDIR)/dbt_project"' \
	  'export DBT_PROFILES_DIR="$(CURDIR)"' >> $(BIN)/activate
	touch $(STAMP)

run: install load build summary

load: install
	$(BIN)/python -m load $(if $(SINCE),--since $(SINCE))

build: install
	$(BIN)/python -m warehouse.build $(if $(SINCE),--since $(SINCE)) $(if $(FULL_REFRESH),--full-refresh)

# Move whole months older than HOT_RETENTION_MONTHS (default 18) from DuckDB to Parquet in the
# lake (ARCHIVE_URL, default lake/); MONTHS=N overrides the setting for one run.
.PHONY: archive
archive: install
	$(BIN)/python -m warehouse.retention $(if $(MONTHS),--months $(MONTHS))

summary: install
	$(BIN)/python -m warehouse.summary

# The HTTP service on HOST:PORT (default 127.0.0.1:8080); it reads the published snapshot.
serve: install
	$(BIN)/python -m service

# The same models on Spark, from the raw Parquet that `RAW_DESTINATION=filesystem make load`
# landed under LAKE_URL (default lake/). Needs Java 17.
spark-build: install
	$(BIN)/python -m spark.build

# The worked example loaded to DuckDB and to a lake, built on both engines, marts compared.
spark-demo: install
	$(BIN)/python -m spark.demo

test: install
	$(BIN)/pytest

# The reliability suite alone: faults, crashes, concurrency, a full disk, bad input, security.
# It ends with the figures (also in test-output/reliability/summary.json); `make test` runs it too.
.PHONY: reliability
reliability: install
	$(BIN)/pytest tests/reliability

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The static dbt docs site (one HTML file); under the warehouse lock, as it reads the catalog.
docs: install
	$(BIN)/python -m warehouse.docs_site

# Serve it on 127.0.0.1:DOCS_PORT (default 8081, beside the service's PORT 8080).
docs-serve: docs
	$(BIN)/python -m warehouse.docs_server

# The KPI report, one static HTML page from the published snapshot (REPORT_PATH).
report: install
	$(BIN)/python -m report

bench: install
	$(BIN)/python -m bench --rows $(ROWS)

clean:
	rm -rf $(VENV) .admira warehouse.duckdb dbt_project/target dbt_project/logs
