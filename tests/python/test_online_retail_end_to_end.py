"""The whole warehouse built from the 305 real Online Retail daily files reconciles with the
known totals in ../shared/data/online_retail/README.md."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import ONLINE_RETAIL_DIR, run_dbt

pytestmark = pytest.mark.skipif(
    not (ONLINE_RETAIL_DIR / "by-day").is_dir(), reason=f"real data not found at {ONLINE_RETAIL_DIR}"
)


@pytest.fixture(scope="module")
def online_retail_warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A full `dbt build` (every model and test) over the real daily CSV files."""
    workdir: Path = tmp_path_factory.mktemp("online_retail")
    run = run_dbt(["build"], workdir, {"raw_order_lines": str(ONLINE_RETAIL_DIR / "by-day" / "*.csv")})
    assert run.returncode == 0, run.output[-6000:]
    con = duckdb.connect(str(run.warehouse), read_only=True)
    yield con
    con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


def test_every_input_line_is_accounted_for(online_retail_warehouse):
    con = online_retail_warehouse
    assert scalar(con, "select count(*) from staging.raw_order_lines") == 541_909
    staged = scalar(con, "select count(*) from staging.stg_online_retail__order_lines")
    rejected = scalar(con, "select count(*) from staging.rejected_order_lines")
    assert staged + rejected == 541_909
    assert scalar(con, "select count(distinct source_file) from staging.raw_order_lines") == 305


def test_only_exact_duplicates_are_rejected(online_retail_warehouse):
    reasons = online_retail_warehouse.execute(
        "select rejection_reason, count(*) from staging.rejected_order_lines group by rejection_reason"
    ).fetchall()
    assert reasons == [("exact_duplicate", 5_268)]


def test_revenue_before_cleaning_matches_known_total(online_retail_warehouse):
    revenue = scalar(
        online_retail_warehouse,
        """
        select
            (select sum(line_revenue) from staging.stg_online_retail__order_lines)
            + (select sum(line_revenue) from staging.rejected_order_lines)
        """,
    )
    assert round(revenue, 2) == Decimal("9747747.93")


def test_known_counts_survive_into_the_marts(online_retail_warehouse):
    con = online_retail_warehouse
    assert scalar(con, "select count(*) from marts.fct_orders") == 25_900
    assert scalar(con, "select count(*) from marts.dim_customers") == 4_372
    assert scalar(con, "select count(*) from marts.dim_products") == 4_070
    assert scalar(con, "select count(distinct country) from marts.fct_order_lines") == 38
    raw_cancellation_lines = scalar(
        con, "select count(*) from staging.raw_order_lines where invoice_no like 'C%'"
    )
    assert raw_cancellation_lines == 9_288
    assert scalar(con, "select count(*) from staging.raw_order_lines where customer_id = '' or customer_id is null") == 135_080


def test_guest_lines_stay_in_sales_but_not_in_customer_marts(online_retail_warehouse):
    con = online_retail_warehouse
    guest_sale_units = scalar(
        con, "select sum(quantity) from marts.fct_order_lines where is_guest and line_type = 'sale'"
    )
    all_sale_units = scalar(con, "select sum(quantity) from marts.fct_order_lines where line_type = 'sale'")
    assert guest_sale_units > 0
    assert scalar(con, "select sum(quantity) from marts.fct_daily_sales") == all_sale_units
    assert scalar(con, "select sum(items_bought) from marts.dim_customers") == all_sale_units - guest_sale_units


def test_saturdays_are_not_trading_days(online_retail_warehouse):
    assert scalar(
        online_retail_warehouse,
        "select count(*) from marts.fct_daily_sales where iso_day_of_week = 6 and is_trading_day",
    ) == 0
