# Two commands for users (README): `make build` and `make test`. Everything runs from the repo root
# because dbt resolves relative paths (warehouse, data, module_paths) against the current directory.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
SYNTHETIC_DIR := data/synthetic/order_lines
SYNTHETIC_LINES ?= 300000
SYNTHETIC_SEED ?= 42

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export PYTHONDONTWRITEBYTECODE :=

.PHONY: build test install data dbt-build lint pytest summary clean

build: install data dbt-build summary

test: install data lint dbt-build pytest

install: $(VENV)/.installed

# uv installs the exact lock in seconds; the lock is complete, so --no-deps keeps dbt-core's
# optional experimental parser (a source-only package that downloads from GitHub) out.
$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode --no-deps -r requirements.lock
	touch $@

data: $(SYNTHETIC_DIR)/.complete

$(SYNTHETIC_DIR)/.complete: | $(VENV)/.installed
	$(PY) -m python_ml.synthetic --out $(SYNTHETIC_DIR) --lines $(SYNTHETIC_LINES) --seed $(SYNTHETIC_SEED)
	touch $@

dbt-build:
	$(DBT) build

summary:
	$(PY) -m python_ml.warehouse summary

lint:
	$(VENV)/bin/sqlfluff lint models macros analyses tests

pytest:
	$(PY) -m pytest

clean:
	rm -rf target logs warehouse.duckdb warehouse.duckdb.wal
