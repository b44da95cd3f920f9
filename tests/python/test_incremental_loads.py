"""Daily incremental loads: adding files day by day gives the same warehouse as one full
refresh over all of them, a file already loaded is not loaded again, and a nightly build reads
only the new day's file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import ONLINE_RETAIL_DIR, run_dbt

DAILY_FILES = sorted((ONLINE_RETAIL_DIR / "by-day").glob("*.csv"))
FIRST_DAYS = 8
LATER_DAYS = 3

# The line-level models and the core marts built from them (the ML marts read these marts, and
# their determinism is covered by the rerun tests).
CORE_SELECTION = [
    "--select",
    "path:models/staging",
    "path:seeds/non_product_stock_codes.csv",
    "int_calendar",
    "int_customer_lines_aggregated_to_customers",
    "int_product_lines_aggregated_to_days",
    "fct_order_lines",
    "fct_orders",
    "dim_products",
    "dim_customers",
    "customer_rfm",
    "fct_daily_product_sales",
    "fct_daily_sales",
    "--indirect-selection",
    "cautious",
]
COMPARED_TABLES = [
    "staging.base_online_retail__order_lines_typed",
    "staging.base_online_retail__order_lines_validated",
    "staging.stg_online_retail__order_lines",
    "staging.rejected_order_lines",
    "marts.fct_order_lines",
    "marts.fct_orders",
    "marts.dim_products",
    "marts.dim_customers",
    "marts.customer_rfm",
    "marts.fct_daily_product_sales",
    "marts.fct_daily_sales",
]

pytestmark = pytest.mark.skipif(
    len(DAILY_FILES) < FIRST_DAYS + LATER_DAYS, reason=f"real daily files not found in {ONLINE_RETAIL_DIR}"
)


def build(workdir: Path, input_dir: Path, *extra: str):
    run = run_dbt(["build", *CORE_SELECTION, *extra], workdir, {"raw_order_lines": str(input_dir / "*.csv")})
    assert run.returncode == 0, run.output[-6000:]
    return run


def table_rows(warehouse: Path, table: str) -> list[tuple]:
    """Every row of the table, sorted, so two warehouses compare regardless of row order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def count(warehouse: Path, sql: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def day_by_day_and_full(tmp_path_factory: pytest.TempPathFactory):
    """The same files built once day by day (first FIRST_DAYS, then one day at a time) and once
    as a full refresh; also how many lines the view offered on each nightly build."""
    input_dir = tmp_path_factory.mktemp("daily_files")
    incremental_dir = tmp_path_factory.mktemp("incremental")
    for daily_file in DAILY_FILES[:FIRST_DAYS]:
        shutil.copy(daily_file, input_dir)
    build(incremental_dir, input_dir)
    pending_lines = []
    for daily_file in DAILY_FILES[FIRST_DAYS : FIRST_DAYS + LATER_DAYS]:
        shutil.copy(daily_file, input_dir)
        run = build(incremental_dir, input_dir)
        pending_lines.append(count(run.warehouse, "select count(*) from staging.raw_order_lines"))
    rerun = build(incremental_dir, input_dir)

    full_dir = tmp_path_factory.mktemp("full")
    full = build(full_dir, input_dir, "--full-refresh")
    return rerun.warehouse, full.warehouse, pending_lines, input_dir


@pytest.mark.parametrize("table", COMPARED_TABLES)
def test_day_by_day_equals_full_refresh(day_by_day_and_full, table):
    incremental, full, _, _ = day_by_day_and_full
    assert table_rows(incremental, table) == table_rows(full, table)


def test_nightly_build_reads_only_the_new_file(day_by_day_and_full):
    _, _, pending_lines, input_dir = day_by_day_and_full
    new_file_lines = [
        sum(1 for _ in daily_file.open(encoding="utf-8")) - 1
        for daily_file in DAILY_FILES[FIRST_DAYS : FIRST_DAYS + LATER_DAYS]
    ]
    assert pending_lines == new_file_lines


def test_loading_the_same_files_again_changes_nothing(day_by_day_and_full):
    incremental, _, _, _ = day_by_day_and_full
    total_lines = sum(
        sum(1 for _ in daily_file.open(encoding="utf-8")) - 1
        for daily_file in DAILY_FILES[: FIRST_DAYS + LATER_DAYS]
    )
    assert count(incremental, "select count(*) from staging.raw_order_lines") == 0
    assert count(incremental, "select count(*) from staging.base_online_retail__order_lines_validated") == total_lines
