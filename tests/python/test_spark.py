"""The SQL core (selector spark_core) builds on Spark unchanged and gives the same marts as DuckDB.

Both engines build from the same small synthetic fixture. Spark runs as dbt-spark's local
`session` in .venv-spark (`make install-spark`: dbt-spark + PySpark, kept out of the default
install) and needs Java 17; without either the test is skipped with the reason. Spark writes its
tables as Parquet under spark-warehouse/, which DuckDB reads for the comparison (a view through
the table it selects from).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, run_dbt
from python_ml.synthetic import GeneratorConfig, write_order_lines

SPARK_DBT = REPO_ROOT / ".venv-spark" / "bin" / "dbt"
CORE_MARTS = (
    "fct_order_lines",
    "fct_orders",
    "dim_products",
    "dim_customers",
    "customer_rfm",
    "fct_daily_product_sales",
    "fct_daily_sales",
)
# Core marts materialized as views, and the table (under spark-warehouse/) each one selects from.
VIEW_SOURCES = {"fct_order_lines": "staging.db/stg_online_retail__order_lines"}


def _java_17_or_newer() -> str | None:
    """None when a Java 17+ runtime is on PATH, else why not."""
    if shutil.which("java") is None:
        return "no java on PATH (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
    version = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    quoted = version.split('"')[1] if '"' in version else ""
    major = int(quoted.split(".")[0]) if quoted.split(".")[0].isdigit() else 0
    return None if major >= 17 else f"Spark 4 needs Java 17 or newer, found: {version.splitlines()[0]}"


def _skip_reason() -> str | None:
    if not SPARK_DBT.exists():
        return f"Spark adapter not installed ({SPARK_DBT} missing): run `make install-spark`"
    return _java_17_or_newer()


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture(scope="module")
def order_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three weeks of synthetic order lines (~3,000 lines with cancellations, returns, guests,
    duplicates, non-product codes and zero prices), one CSV per trading day."""
    folder = tmp_path_factory.mktemp("spark_fixture") / "order_lines"
    write_order_lines(GeneratorConfig(n_lines=3000, n_days=21, seed=7), folder)
    return folder


@pytest.fixture(scope="module")
def duckdb_warehouse(order_lines: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = run_dbt(
        ["build", "--selector", "spark_core"],
        tmp_path_factory.mktemp("duckdb_core"),
        {"raw_order_lines": str(order_lines / "*.csv")},
    )
    assert run.returncode == 0, run.output[-4000:]
    return run.warehouse


@pytest.fixture(scope="module")
def spark_warehouse(order_lines: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spark-warehouse/ folder of a Spark build of the core models (models and seeds; the
    data tests already ran on DuckDB and take a Spark job each)."""
    workdir = tmp_path_factory.mktemp("spark_core")
    command = [
        str(SPARK_DBT), "build", "--target", "spark", "--selector", "spark_core",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
        "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT),
        "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        "--vars", json.dumps({"raw_order_lines": str(order_lines / "*.csv")}),
    ]
    env = {
        **os.environ,
        "SPARK_WAREHOUSE_DIR": str(workdir / "spark-warehouse"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # Run from workdir: Spark puts metastore_db/ and derby.log in the current directory.
    completed = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=1200)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-6000:]
    return workdir / "spark-warehouse"


@pytest.mark.parametrize("mart", CORE_MARTS)
def test_core_mart_on_spark_equals_duckdb(mart: str, duckdb_warehouse: Path, spark_warehouse: Path):
    con = duckdb.connect(str(duckdb_warehouse), read_only=True)
    try:
        columns = [row[0] for row in con.execute(f"describe marts.{mart}").fetchall()]
        if mart in VIEW_SOURCES:
            # A view has no files of its own; Spark's rows for it are its table's, read with its columns.
            files = spark_warehouse / VIEW_SOURCES[mart]
            spark_rows = f"(select {', '.join(columns)} from read_parquet('{files}/*.parquet'))"
        else:
            spark_rows = f"read_parquet('{spark_warehouse / 'marts.db' / mart}/*.parquet')"
        assert [row[0] for row in con.execute(f"describe select * from {spark_rows}").fetchall()] == columns
        as_text = ", ".join(f"cast({column} as varchar) as {column}" for column in columns)
        count = con.execute(f"select count(*) from marts.{mart}").fetchall()[0][0]
        only_duckdb = con.execute(
            f"select * from (select {as_text} from marts.{mart} except all select {as_text} from {spark_rows})"
            " limit 5"
        ).fetchall()
        only_spark = con.execute(
            f"select * from (select {as_text} from {spark_rows} except all select {as_text} from marts.{mart})"
            " limit 5"
        ).fetchall()
    finally:
        con.close()
    assert count > 0
    assert only_duckdb == [] and only_spark == [], f"{mart}: DuckDB only {only_duckdb}; Spark only {only_spark}"
