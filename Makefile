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

.PHONY: build test nightly install data dbt-build dbt-nightly lint pytest summary clean publish export report install-tableau install-spark install-spark-if-java bench

# publish runs only after a successful dbt build (make stops at the first failure), so a failed
# build leaves the previous published copy in place for BI readers.
build: install data dbt-build publish summary

test: install data lint dbt-build install-spark-if-java pytest

# After a day's file arrives (README "Nightly loads"): the loads, the merged aggregates and the SQL
# marts, a fraction of a full build; `make build` refits the ML models as well (weekly, say).
nightly: install dbt-nightly publish

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

dbt-nightly:
	$(DBT) build --selector nightly

summary:
	$(PY) -m python_ml.warehouse summary

# BI tools read the published copy (or the exports), never warehouse.duckdb, which dbt locks while
# it builds. Paths: env WAREHOUSE_PATH (built) and PUBLISHED_WAREHOUSE_PATH (published copy).
publish: | $(VENV)/.installed
	$(PY) -m python_ml.publish publish

# Parquet always; Tableau .hyper extracts too when the optional group is installed (make install-tableau).
export: | $(VENV)/.installed
	$(PY) -m python_ml.publish export --out exports

report: | $(VENV)/.installed
	$(PY) -m python_ml.report --out report/index.html

# The optional `tableau` group of pyproject.toml (~300 MB; not part of build or test): Tableau's
# Hyper API, for `make export` to write .hyper extracts too.
install-tableau: | $(VENV)/.installed
	$(PY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["tableau"], sep="\n")' \
		> $(VENV)/tableau-requirements.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode -r $(VENV)/tableau-requirements.txt

# The optional `spark` group (README "Running on Spark"): dbt-spark and PySpark (~1.2 GB, needs
# Java 17) in their own venv, so the default install stays small. tests/python/test_spark.py
# uses it when it is there.
SPARK_VENV := .venv-spark
install-spark: $(SPARK_VENV)/.installed

$(SPARK_VENV)/.installed: requirements-spark.lock | $(VENV)/.installed
	$(PYTHON) -m venv $(SPARK_VENV)
	$(VENV)/bin/uv pip install --quiet --python $(SPARK_VENV)/bin/python --compile-bytecode --no-deps \
		-r requirements-spark.lock
	touch $@

# `make test` runs the Spark test where Java is installed (the venv takes ~1-3 min to install, the
# test ~3 min); without Java the test is skipped and says why.
install-spark-if-java:
	@if command -v java >/dev/null 2>&1; then $(MAKE) --no-print-directory install-spark; \
	else echo "java not found: the Spark test (tests/python/test_spark.py) will be skipped"; fi

# Benchmarks (benchmarks/run_benchmarks.py): 1M and 10M synthetic lines and the real data, appended
# to benchmarks/results.md. E.g. make bench BENCH_ARGS="--sizes 100000000 --repeat 1".
BENCH_ARGS ?=
bench: install
	$(PY) -m benchmarks.run_benchmarks $(BENCH_ARGS)

lint:
	$(VENV)/bin/sqlfluff lint models macros analyses tests

pytest:
	$(PY) -m pytest

clean:
	rm -rf target logs warehouse.duckdb warehouse.duckdb.wal
